//! The laptop's copy protected: the one door through which the command
//! line and the app open the database.
//!
//! [`unlock`] finds how the database in a data directory is protected (its
//! vault, `crm-vault`), gets its key (from the OS keychain, or from the
//! passphrase the caller was given), and registers it for every connection
//! this process opens on the file. A database that has no vault yet (made
//! by an earlier version, or not made yet) gets one: its key in the
//! keychain where one can be reached, else behind the passphrase the caller
//! asks the user for; an existing plain file is then encrypted in place,
//! crash-safe. [`erase`] removes everything a remote wipe must remove.

use std::path::{Path, PathBuf};

use crm_vault::{Key, Mode, Vault};
use rusqlite::OpenFlags;

use crate::{
    error::{Result, StoreError},
    storage::{backup, cipher},
};

/// How a database is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Protection {
    /// Its key is in the OS keychain.
    Keychain,
    /// Its key is behind a passphrase.
    Passphrase,
}

impl From<Mode> for Protection {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Keychain => Protection::Keychain,
            Mode::Passphrase => Protection::Passphrase,
        }
    }
}

/// The file a conversion writes before it takes the database's name.
fn encrypting(path: &Path) -> PathBuf {
    backup::beside(path, ".encrypting")
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Make the database at `path` ready to open in this process, encrypted:
/// its key found (the keychain, or `passphrase`) and registered; a vault
/// made for it if it has none (keychain if one can be reached, else the
/// passphrase given); a plain file from an earlier version encrypted in
/// place. Without a passphrase where one is needed: `passphrase_needed`
/// (the database has one) or `no_keychain` (a new one must be chosen);
/// a wrong one: `wrong_passphrase`, nothing changed.
pub fn unlock(path: &Path, passphrase: Option<&str>) -> Result<Protection> {
    let dir = dir_of(path);
    let (key, mode) = match Vault::open(dir)? {
        Some(vault) => match vault.mode() {
            Mode::Keychain => (vault.unlock_keychain()?, Mode::Keychain),
            Mode::Passphrase => {
                let passphrase = passphrase.ok_or(StoreError::PassphraseNeeded)?;
                (vault.unlock_passphrase(passphrase)?, Mode::Passphrase)
            }
        },
        None => {
            // A file there that is neither empty nor plain SQLite predates
            // any vault: it is not this CRM's database (encrypted ones
            // always have their vault). Left untouched, no vault made.
            let len = path.metadata().map_or(0, |m| m.len());
            if len > 0 && !cipher::is_plain(path)? {
                // Whole pages of noise: an encrypted database whose vault
                // file is gone (its recovery key opens it); anything else
                // is not ours.
                return Err(if len.is_multiple_of(512) {
                    StoreError::VaultMissing(path.to_owned())
                } else {
                    StoreError::NotCrmDatabase(path.to_owned())
                });
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::storage::private::create_dir(dir)?;
            }
            let (_, key) = match passphrase {
                Some(p) => Vault::create_passphrase(dir, p)?,
                None => {
                    crm_vault::check_keychain()?;
                    Vault::create_keychain(dir)?
                }
            };
            crm_domain::fault::point("protect_vault_made");
            let mode = if passphrase.is_some() {
                Mode::Passphrase
            } else {
                Mode::Keychain
            };
            (key, mode)
        }
    };
    // A conversion cut short leaves its partial copy: the plain file is
    // still the database.
    remove_if_there(&encrypting(path))?;
    if cipher::is_plain(path)? {
        encrypt_in_place(path, &key)?;
    }
    cipher::register(path, key, mode);
    Ok(mode.into())
}

/// The recovery key of the database at `path` (unlocked in this process):
/// its key in 16 groups of hex digits, to write down and keep apart. With
/// it the database opens again when its keychain entry or its vault file
/// is lost ([`recover`]).
pub fn recovery_key(path: &Path) -> Result<zeroize::Zeroizing<String>> {
    let unlocked = cipher::unlocked(path).ok_or_else(|| StoreError::Locked(path.to_owned()))?;
    Ok(unlocked.key.to_recovery())
}

/// Open the database at `path` with its recovery key after its vault or
/// its keychain entry was lost: the key is checked against the file (a
/// wrong one changes nothing), and a new vault keeps it (the keychain, or
/// behind `passphrase`; the old vault file, if any, is replaced).
pub fn recover(path: &Path, recovery_key: &str, passphrase: Option<&str>) -> Result<Protection> {
    let key = Key::from_recovery(recovery_key).ok_or(StoreError::BadRecoveryKey)?;
    let opens = cipher::open_keyed(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        Some(&key),
    )
    .and_then(|c| {
        c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
    });
    if opens.is_err() {
        return Err(StoreError::BadRecoveryKey);
    }
    let dir = dir_of(path);
    let old = dir.join(crm_vault::FILE_NAME);
    if old.exists() {
        // Set aside, not deleted: it may still be what the user needs.
        std::fs::rename(
            &old,
            backup::beside(&old, &format!(".lost-{}", crm_domain::Id::new())),
        )?;
    }
    let (_, key) = match passphrase {
        Some(p) => Vault::keep_behind_passphrase(dir, p, key)?,
        None => Vault::keep_in_keychain(dir, key)?,
    };
    let mode = if passphrase.is_some() {
        Mode::Passphrase
    } else {
        Mode::Keychain
    };
    cipher::register(path, key, mode);
    Ok(mode.into())
}

/// Change the passphrase of the database at `path` (a passphrase vault):
/// the key stays, only its wrapping changes. A wrong `old` changes nothing.
pub fn change_passphrase(path: &Path, old: &str, new: &str) -> Result<()> {
    let mut vault =
        Vault::open(dir_of(path))?.ok_or_else(|| StoreError::Locked(path.to_owned()))?;
    vault.change_passphrase(old, new)?;
    Ok(())
}

/// How the database at `path` is protected, as this process opened it
/// (`None`: plain, or not unlocked).
pub fn protection(path: &Path) -> Option<Protection> {
    cipher::unlocked(path).map(|u| u.mode.into())
}

/// Whether the database at `path` has a vault that wants a passphrase (the
/// app asks for it before opening).
pub fn needs_passphrase(path: &Path) -> Result<bool> {
    Ok(Vault::open(dir_of(path))?.is_some_and(|v| v.mode() == Mode::Passphrase))
}

/// Encrypt the plain database at `path` with `key`, crash-safe: the
/// encrypted copy is written beside it, flushed, and takes its name in one
/// rename. Killed at any point, the plain file (or, after the rename, the
/// encrypted one) is a whole database with every queued change.
pub(crate) fn encrypt_in_place(path: &Path, key: &Key) -> Result<()> {
    let partial = encrypting(path);
    export(path, None, &partial, key)?;
    crate::storage::private::restrict(&partial)?;
    std::fs::File::open(&partial)?.sync_all()?;
    crm_domain::fault::point("protect_before_rename");
    // The log was emptied into the file: nothing is lost with it.
    for suffix in ["-wal", "-shm"] {
        remove_if_there(&backup::beside(path, suffix))?;
    }
    std::fs::rename(&partial, path)?;
    if let Ok(d) = std::fs::File::open(dir_of(path)) {
        let _ = d.sync_all();
    }
    crm_domain::fault::point("protect_after_rename");
    Ok(())
}

/// Write every page of the database at `from` (opened with `from_key`,
/// none: plain) to a new file `to`, encrypted with `to_key`, with its
/// version marks. A write-ahead log beside `from` is emptied into it first.
pub(crate) fn export(from: &Path, from_key: Option<&Key>, to: &Path, to_key: &Key) -> Result<()> {
    remove_if_there(to)?;
    // (Default flags: the attached copy is created.)
    let conn = cipher::open_keyed(from, OpenFlags::default(), from_key)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Everything in the file itself: the write-ahead log emptied into it.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let hex = to_key.to_sqlcipher_hex();
    let target = to.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{target}' AS encrypted KEY \"{}\";",
        hex.as_str()
    ))?;
    crm_domain::fault::point("protect_before_export");
    conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    conn.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; PRAGMA encrypted.application_id = {app_id};
         DETACH DATABASE encrypted;"
    ))?;
    drop(conn);
    Ok(())
}

/// The key of a backup made on another laptop (or of another data
/// directory), from the vault file saved beside it
/// (`<backup>.vault.json`): with its passphrase, or from this computer's
/// keychain when it was made here. `None` when there is no such file.
pub(crate) fn backup_key(backup: &Path, passphrase: Option<&str>) -> Result<Option<Key>> {
    let sidecar = backup::beside(backup, BACKUP_VAULT);
    if !sidecar.is_file() {
        return Ok(None);
    }
    // The vault reads its file from a directory: a private one of its own.
    let dir = tempfile_dir(backup)?;
    std::fs::copy(&sidecar, dir.join(crm_vault::FILE_NAME))?;
    let opened = Vault::open(&dir);
    let key = match opened {
        Ok(Some(vault)) => match vault.mode() {
            Mode::Keychain => vault.unlock_keychain().map(Some),
            Mode::Passphrase => match passphrase {
                Some(p) => vault.unlock_passphrase(p).map(Some),
                None => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(StoreError::PassphraseNeeded);
                }
            },
        },
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(key?)
}

/// What a backup's vault file is called, after the backup's own name.
pub(crate) const BACKUP_VAULT: &str = ".vault.json";

/// A new private directory beside `near`, for a moment.
fn tempfile_dir(near: &Path) -> Result<PathBuf> {
    let dir = backup::beside(near, &format!(".vault-{}", crm_domain::Id::new()));
    crate::storage::private::create_dir(&dir)?;
    Ok(dir)
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Erase this laptop's copy of the team's data (a remote wipe): the
/// database and its log, the backups the app made in the data directory,
/// the vault and its keychain entries. Whatever else the data directory
/// holds (the user's own files) stays. Returns the files removed.
pub fn erase(path: &Path) -> Result<Vec<PathBuf>> {
    let dir = dir_of(path);
    let mut removed = Vec::new();
    for file in [
        path.to_owned(),
        backup::beside(path, "-wal"),
        backup::beside(path, "-shm"),
        encrypting(path),
        path.with_extension("sync-lock"),
    ] {
        if file.exists() {
            remove_if_there(&file)?;
            removed.push(file);
        }
    }
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The databases a restore set aside (`crm.db.before-restore-…`).
        if name.starts_with(&format!("{}.", crate::DB_FILE)) {
            let p = entry.path();
            remove_if_there(&p)?;
            removed.push(p);
        }
    }
    // Without the keychain (it cannot be reached now), the key it keeps
    // opens nothing: the database is gone. The vault's file goes anyway.
    if let Err(e) = Vault::erase(dir) {
        let file = dir.join(crm_vault::FILE_NAME);
        if file.exists() {
            remove_if_there(&file)?;
        } else {
            return Err(e.into());
        }
    }
    cipher::forget(path);
    Ok(removed)
}
