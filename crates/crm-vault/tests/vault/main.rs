//! The vault against real files, and against a real keychain: the keychain
//! tests are ignored by a plain `cargo test` and need a Secret Service on
//! the session bus; `scripts/keyring start` provides one (scripts/test runs
//! them with `--include-ignored`).

mod keychain;
mod passphrase;

use std::path::Path;

/// A fresh, empty data directory.
fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn vault_file(dir: &Path) -> std::path::PathBuf {
    dir.join(crm_vault::FILE_NAME)
}

fn read_vault_file(dir: &Path) -> Vec<u8> {
    std::fs::read(vault_file(dir)).expect("the vault's file")
}

/// The vault's file as JSON, to look at or damage one field.
fn vault_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read_vault_file(dir)).expect("the vault's file is JSON")
}

fn write_vault_json(dir: &Path, value: &serde_json::Value) {
    std::fs::write(vault_file(dir), serde_json::to_vec_pretty(value).unwrap()).unwrap();
}
