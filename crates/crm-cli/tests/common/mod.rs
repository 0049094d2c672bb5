//! The harness both CLI test binaries share: the built `crm` binary on a real
//! temporary data directory, in English whatever the machine's locale.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// The passphrase of every test database.
pub const PASSPHRASE: &str = "test passphrase 口令";

/// A user's data directory and the `crm` command on it.
pub struct Crm {
    pub dir: TempDir,
}

impl Crm {
    /// A new, empty data directory.
    pub fn new() -> Self {
        Crm {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `crm` with `args` on this data directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("crm").expect("the crm binary");
        cmd.env("CRM_DATA_DIR", self.dir.path())
            // The database is encrypted; where no keychain runs (most test
            // machines), under this passphrase.
            .env("CRM_PASSPHRASE", PASSPHRASE)
            .env("LANG", "en_US.UTF-8")
            .env_remove("CRM_LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .args(args);
        cmd
    }

    /// Run and expect success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("run crm");
        assert!(
            out.status.success(),
            "crm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Run with --json and expect success; returns the document.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("one JSON document")
    }

    /// Changes waiting in the outbox.
    pub fn pending(&self) -> i64 {
        self.json(&["outbox"])["pending"]
            .as_i64()
            .expect("pending count")
    }

    /// The database file.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("crm.db")
    }
}
