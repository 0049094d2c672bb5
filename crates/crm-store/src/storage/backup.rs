//! Backups of the live database and restoring one.
//!
//! A backup is a consistent copy made with SQLite's online backup while the
//! app may be writing: one self-contained file (no write-ahead log beside
//! it), checked before it is given its name, so a half-written backup never
//! looks like a good one. A restore checks the file first (ours, not from a
//! newer version, intact) and refuses anything else with the live database
//! untouched; the database it replaces is kept beside it.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use rusqlite::{
    Connection, OpenFlags,
    backup::{Backup, StepResult},
};
use serde::Serialize;

use super::{cipher, private};
use crate::{
    Store,
    error::{Result, StoreError},
    migrations,
};

/// A backup made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// Where it is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its schema version.
    pub schema_version: i64,
}

/// A restore done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreInfo {
    /// The live database, now holding the backup.
    pub path: PathBuf,
    /// The backup restored.
    pub from: PathBuf,
    /// Where the database it replaced was kept, if there was one.
    pub previous: Option<PathBuf>,
    /// The schema version of the backup (the live database is migrated to
    /// the newest after the restore).
    pub schema_version: i64,
}

/// Copy every page of `from` into `to` in one step, waiting while another
/// program holds a lock.
fn copy_pages(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = Backup::new(from, to)?;
    let mut waits = 0;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                waits += 1;
                if waits > 100 {
                    return Err(StoreError::Busy);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {}
        }
    }
}

/// Check that `path` is a CRM database this version can use and is intact,
/// reading it only. Returns its schema version.
pub fn check_backup(path: &Path) -> Result<i64> {
    check_backup_with(path, cipher::backup_key().as_deref())
}

/// [`check_backup`] of a backup encrypted with `key` (a plain one is read
/// plain whatever the key).
fn check_backup_with(path: &Path, key: Option<&crm_vault::Key>) -> Result<i64> {
    if !path.is_file() {
        return Err(StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} does not exist", path.display()),
        )));
    }
    // SQLCipher's files are whole pages of what looks like noise: a file
    // of another size is not one, whatever the key.
    let len = std::fs::metadata(path)?.len();
    let encrypted = !cipher::is_plain(path)? && len >= 512 && len.is_multiple_of(512);
    let not_ours = || {
        if encrypted {
            StoreError::BackupLocked(path.to_owned())
        } else {
            StoreError::NotCrmDatabase(path.to_owned())
        }
    };
    let conn = cipher::open_keyed(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        key.filter(|_| encrypted),
    )
    .map_err(|_| not_ours())?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| not_ours())?;
    if app_id != migrations::APPLICATION_ID {
        return Err(not_ours());
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = migrations::MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known,
        });
    }
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|_| not_ours())?;
    let devices: i64 = conn
        .query_row("SELECT count(*) FROM device", [], |r| r.get(0))
        .map_err(|_| not_ours())?;
    if verdict != "ok" || devices != 1 {
        return Err(StoreError::Refused(format!(
            "{} is damaged ({verdict}); it was not restored",
            path.display()
        )));
    }
    Ok(version)
}

/// `path` with `suffix` added to its file name.
pub(crate) fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Give the database at `live` every page of `source`, in one transaction of
/// SQLite's online backup: another program with the file open sees the old
/// contents or the new, never half, and no file is renamed under it.
fn overwrite(live: &Path, source: &Connection) -> Result<()> {
    let mut conn = cipher::open(live, OpenFlags::default())?;
    conn.busy_timeout(Duration::from_secs(5))?;
    copy_pages(source, &mut conn)
}

impl Store {
    /// Keep this database as a self-contained copy at `keep`, then give its
    /// file the contents of the database at `other` (left as it is). The
    /// demo database becomes a file of its own this way when its user signs
    /// in to a team from a new one.
    pub fn replace_with(self, other: &Path, keep: &Path) -> Result<()> {
        self.backup(keep)?;
        let live = self.path().to_owned();
        drop(self);
        // Made in the same data directory: the same key.
        let source = cipher::open_as(
            other,
            &live,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        overwrite(&live, &source)
    }

    /// Write a consistent copy of the database to `dest`, which must not
    /// exist yet. Writes of this or another program may go on meanwhile.
    pub fn backup(&self, dest: &Path) -> Result<BackupInfo> {
        if dest.exists() {
            return Err(StoreError::Refused(format!(
                "{} already exists; choose another name for the backup",
                dest.display()
            )));
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            private::create_dir(dir)?;
        }
        let partial = beside(dest, ".partial");
        let made = (|| {
            let _ = std::fs::remove_file(&partial);
            private::claim_file(&partial)?;
            // Encrypted with the database's own key: a backup holds the
            // whole book.
            let mut copy = cipher::open_as(&partial, self.path(), OpenFlags::default())?;
            copy_pages(self.conn(), &mut copy)?;
            // A backup travels (a USB stick, a cloud folder): it holds the
            // book, never a working credential. A restore signs in again.
            copy.execute("UPDATE sync_state SET token = NULL", [])?;
            // One self-contained file: no write-ahead log to lose beside it.
            copy.pragma_update(None, "journal_mode", "DELETE")?;
            drop(copy);
            let key = cipher::unlocked(self.path()).map(|u| u.key);
            let version = check_backup_with(&partial, key.as_deref())?;
            std::fs::rename(&partial, dest)?;
            // The vault beside it: where it goes, its key can be had back
            // with the passphrase (or this computer's keychain).
            let vault = self
                .path()
                .parent()
                .map(|d| d.join(crm_vault::FILE_NAME))
                .filter(|v| v.is_file());
            if let Some(vault) = vault {
                std::fs::copy(vault, beside(dest, crate::protect::BACKUP_VAULT))?;
            }
            Ok(version)
        })();
        let version = match made {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        Ok(BackupInfo {
            path: dest.to_owned(),
            bytes: std::fs::metadata(dest)?.len(),
            schema_version: version,
        })
    }

    /// Replace the database at `live` with the backup at `from`, after
    /// checking it. The database replaced is first copied beside it
    /// (`crm.db.before-restore-…`). The backup itself is only read.
    pub fn restore(live: &Path, from: &Path) -> Result<RestoreInfo> {
        Self::restore_with(live, from, None)
    }

    /// [`Store::restore`] of a backup that may come from another laptop or
    /// data directory: encrypted with another key, which its vault file
    /// beside it (`<backup>.vault.json`) gives back with `passphrase` (or
    /// this computer's keychain, where it was made here). The restored
    /// database is encrypted with this directory's key.
    pub fn restore_with(live: &Path, from: &Path, passphrase: Option<&str>) -> Result<RestoreInfo> {
        let key = cipher::unlocked(live).map(|u| u.key);
        let staged = beside(live, ".restoring");
        let (source, version) = match &key {
            // A plain backup (made before the database was encrypted)
            // restored into an encrypted one: an encrypted copy of it.
            Some(key) if cipher::is_plain(from)? => {
                let version = check_backup_with(from, None)?;
                std::fs::copy(from, &staged)?;
                crate::protect::encrypt_in_place(&staged, key)?;
                (staged.as_path(), version)
            }
            Some(key) => match check_backup_with(from, Some(key)) {
                Ok(version) => (from, version),
                Err(StoreError::BackupLocked(path)) => {
                    let Some(theirs) = crate::protect::backup_key(from, passphrase)? else {
                        return Err(StoreError::BackupLocked(path));
                    };
                    let version = check_backup_with(from, Some(&theirs))?;
                    crate::protect::export(from, Some(&theirs), &staged, key)?;
                    (staged.as_path(), version)
                }
                Err(e) => return Err(e),
            },
            None => (from, check_backup_with(from, None)?),
        };
        let restored = Self::restore_checked(live, source, version);
        let _ = std::fs::remove_file(&staged);
        restored
    }

    fn restore_checked(live: &Path, from: &Path, version: i64) -> Result<RestoreInfo> {
        if live.exists()
            && let (Ok(a), Ok(b)) = (live.canonicalize(), from.canonicalize())
            && a == b
        {
            return Err(StoreError::Refused(
                "that file is the live database itself; choose a backup".into(),
            ));
        }
        let source = cipher::open_as(
            from,
            live,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let previous = beside(live, &format!(".before-restore-{stamp}"));
        let previous = if live.exists() {
            match Store::open(live) {
                Ok(current) => {
                    current.backup(&previous)?;
                    drop(current);
                    overwrite(live, &source)?;
                }
                // A live file that cannot be opened (damaged, or no database
                // yet) is moved aside whole instead.
                Err(_) => {
                    std::fs::rename(live, &previous)?;
                    for suffix in ["-wal", "-shm"] {
                        let _ = std::fs::rename(beside(live, suffix), beside(&previous, suffix));
                    }
                    private::claim_file(live)?;
                    let mut conn = cipher::open(live, OpenFlags::default())?;
                    copy_pages(&source, &mut conn)?;
                }
            }
            Some(previous)
        } else {
            if let Some(dir) = live.parent().filter(|d| !d.as_os_str().is_empty()) {
                private::create_dir(dir)?;
            }
            private::claim_file(live)?;
            let mut conn = cipher::open(live, OpenFlags::default())?;
            copy_pages(&source, &mut conn)?;
            None
        };
        drop(source);
        // Opening migrates an older backup and puts the file back in WAL mode.
        let restored = Store::open(live)?;
        // The restored file is a new device for the server: its old device may
        // have pushed changes after the backup was made, and new changes must
        // not reuse those sequence numbers (the server would take them for
        // replays), nor number documents under its series (it may still be
        // making some). A new login registers it and gives it a series.
        restored
            .conn()
            .execute("UPDATE device SET id = ?1", [crm_domain::Id::new().0])?;
        restored
            .conn()
            .execute("UPDATE sync_state SET token = NULL, series = NULL", [])?;
        drop(restored);
        Ok(RestoreInfo {
            path: live.to_owned(),
            from: from.to_owned(),
            previous,
            schema_version: version,
        })
    }
}
