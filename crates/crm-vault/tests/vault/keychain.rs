//! The keychain way against a real Secret Service (GNOME Keyring on a
//! private session bus, from `scripts/keyring start`). Each test checks the
//! keychain from outside too, with libsecret's `secret-tool`, so an entry
//! that only lived in this process would not pass.
//!
//! Without a Secret Service these fail (`no_keychain`), they do not skip.

use std::path::Path;
use std::process::Command;

use crm_vault::{Mode, SERVICE, Secret, Vault};

use crate::{data_dir, read_vault_file, vault_file, vault_json};

const NEEDS: &str = "needs a Secret Service: run under scripts/keyring";

/// The vault's keychain entry `item`, as another program sees it: `None`
/// if the keychain has no such entry.
fn keychain_entry(dir: &Path, item: &str) -> Option<String> {
    let id = vault_json(dir)["id"].as_str().unwrap().to_owned();
    lookup(&format!("vault-{id}/{item}"))
}

fn lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) runs");
    // secret-tool exits 1, printing nothing, when there is no such entry.
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("a text entry"))
}

fn open(dir: &Path) -> Vault {
    Vault::open(dir).unwrap().expect("a vault")
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn the_key_is_kept_in_the_keychain_and_a_fresh_vault_reads_it_back() {
    let dir = data_dir();
    let (vault, key) = Vault::create_keychain(dir.path()).expect(NEEDS);
    assert_eq!(vault.mode(), Mode::Keychain);
    drop(vault);

    let hex = &key.to_sqlcipher_hex()[2..66];
    assert_eq!(
        keychain_entry(dir.path(), "database-key").as_deref(),
        Some(hex),
        "the Secret Service holds the key"
    );
    assert!(
        !String::from_utf8_lossy(&read_vault_file(dir.path())).contains(hex),
        "the vault's file does not"
    );

    let vault = open(dir.path());
    assert_eq!(vault.mode(), Mode::Keychain);
    let unlocked = vault.unlock_keychain().unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());
    assert_eq!(
        vault.unlock_passphrase("any").unwrap_err().code(),
        "wrong_mode"
    );

    Vault::erase(dir.path()).unwrap();
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn each_data_directory_has_its_own_entry() {
    let (a, b) = (data_dir(), data_dir());
    let (_, key_a) = Vault::create_keychain(a.path()).expect(NEEDS);
    let (_, key_b) = Vault::create_keychain(b.path()).expect(NEEDS);
    assert_ne!(key_a.as_bytes(), key_b.as_bytes());
    assert_ne!(
        keychain_entry(a.path(), "database-key"),
        keychain_entry(b.path(), "database-key")
    );

    let b_id = vault_json(b.path())["id"].as_str().unwrap().to_owned();
    Vault::erase(a.path()).unwrap();
    let unlocked = open(b.path()).unlock_keychain().unwrap();
    assert_eq!(
        unlocked.as_bytes(),
        key_b.as_bytes(),
        "erasing one directory leaves the other's key"
    );
    Vault::erase(b.path()).unwrap();
    assert_eq!(lookup(&format!("vault-{b_id}/database-key")), None);
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn the_device_token_is_kept_beside_the_key() {
    let dir = data_dir();
    let (vault, _) = Vault::create_keychain(dir.path()).expect(NEEDS);
    assert!(vault.secret(Secret::DeviceToken).unwrap().is_none());

    vault.set_secret(Secret::DeviceToken, "token-1").unwrap();
    assert_eq!(
        open(dir.path())
            .secret(Secret::DeviceToken)
            .unwrap()
            .as_deref()
            .map(String::as_str),
        Some("token-1")
    );
    assert_eq!(
        keychain_entry(dir.path(), "device-token").as_deref(),
        Some("token-1")
    );

    vault.set_secret(Secret::DeviceToken, "token-2").unwrap();
    assert_eq!(
        keychain_entry(dir.path(), "device-token").as_deref(),
        Some("token-2"),
        "replaced, not added beside"
    );

    vault.delete_secret(Secret::DeviceToken).unwrap();
    assert!(vault.secret(Secret::DeviceToken).unwrap().is_none());
    assert_eq!(keychain_entry(dir.path(), "device-token"), None);
    vault
        .delete_secret(Secret::DeviceToken)
        .expect("deleting what is not there is not an error");

    Vault::erase(dir.path()).unwrap();
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn erasing_removes_the_key_the_token_and_the_file() {
    let dir = data_dir();
    let (vault, _) = Vault::create_keychain(dir.path()).expect(NEEDS);
    vault.set_secret(Secret::DeviceToken, "token").unwrap();
    let id = vault_json(dir.path())["id"].as_str().unwrap().to_owned();
    assert!(lookup(&format!("vault-{id}/database-key")).is_some());

    Vault::erase(dir.path()).unwrap();
    assert_eq!(lookup(&format!("vault-{id}/database-key")), None);
    assert_eq!(lookup(&format!("vault-{id}/device-token")), None);
    assert!(!vault_file(dir.path()).exists());
    assert!(Vault::open(dir.path()).unwrap().is_none());
    Vault::erase(dir.path()).expect("erasing twice is not an error");
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn erasing_a_vault_from_a_newer_app_still_removes_its_keychain_entries() {
    let dir = data_dir();
    Vault::create_keychain(dir.path()).expect(NEEDS);
    let mut value = vault_json(dir.path());
    let id = value["id"].as_str().unwrap().to_owned();
    value["format"] = serde_json::json!(7);
    crate::write_vault_json(dir.path(), &value);
    assert_eq!(Vault::open(dir.path()).unwrap_err().code(), "vault_too_new");

    Vault::erase(dir.path()).unwrap();
    assert_eq!(lookup(&format!("vault-{id}/database-key")), None);
    assert!(!vault_file(dir.path()).exists());
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn a_key_deleted_from_the_keychain_is_key_missing() {
    let dir = data_dir();
    Vault::create_keychain(dir.path()).expect(NEEDS);
    let id = vault_json(dir.path())["id"].as_str().unwrap().to_owned();
    let account = format!("vault-{id}/database-key");
    // The user deletes the entry in the desktop's password manager.
    let status = Command::new("secret-tool")
        .args(["clear", "service", SERVICE, "username", &account])
        .status()
        .unwrap();
    assert!(status.success());

    let err = open(dir.path()).unlock_keychain().unwrap_err();
    assert_eq!(err.code(), "key_missing");
    assert!(matches!(err, crm_vault::VaultError::KeyMissing { account: a } if a == account));
    Vault::erase(dir.path()).unwrap();
}

#[test]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
fn the_probe_finds_the_keychain_and_leaves_nothing_behind() {
    crm_vault::check_keychain().expect(NEEDS);
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        !listing.contains("username = probe-"),
        "no probe entry is left:\n{listing}"
    );
}

/// The app calls the vault from Tauri's async commands, on Tokio's threads:
/// the keychain must not need, or clash with, a runtime of its own there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run under scripts/keyring"]
async fn the_keychain_works_from_inside_a_tokio_runtime() {
    let dir = data_dir();
    let (vault, key) = Vault::create_keychain(dir.path()).expect(NEEDS);
    let unlocked = vault.unlock_keychain().unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());
    Vault::erase(dir.path()).unwrap();
}
