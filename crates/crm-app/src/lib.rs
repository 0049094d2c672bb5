//! The desktop app's API: every command the UI can call, as methods of [`App`]
//! over the local store, with serde arguments and results and errors the UI
//! translates ([`AppError`]).
//!
//! The same methods are served twice: by the Tauri shell (`src-tauri`, one
//! line per command) and by [`bridge`], a loopback HTTP server with a random
//! token, so the real UI can run in a real browser against the real core in
//! tests. [`dispatch::call`] is the table both reach the methods through by
//! name in the bridge; [`COMMANDS`] lists the names.
//!
//! Reads and writes use separate connections: a long write (demo data, later
//! a first sync) holds only the writer, so lists and search keep answering.
//! Reads have a few connections of their own ([`READERS`]): the UI asks for
//! several things at once (a screen's list, then its filter counts; the next
//! screen's board), and one slow read must not hold up the next screen.

pub mod bridge;
mod commands;
pub mod dispatch;
mod error;
mod exchange;
mod records;
mod sales;
mod service;
mod settings;
mod sync;

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::{
        Mutex, MutexGuard, TryLockError,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use crm_store::Store;
use serde::Serialize;

pub use commands::*;
pub use crm_domain::{FieldHistory as FieldChangeRow, Id, Interaction, Lead, User};
pub use dispatch::COMMANDS;
pub use error::{AppError, Result};
pub use exchange::{ImportFile, ImportReport};
pub use records::{
    BulkRecords, CreateAny, ExportRecords, ExportedFile, KindArgs, KindRecord, KindView,
    ListRecords, UpdateAny, kind_named,
};
pub use sales::MadeFile;
pub use settings::{ListView, Settings};
pub use sync::{
    ConflictRow, PendingChange, RejectedId, RejectedRow, ResolveConflict, Shown, SignIn,
    SyncReport, SyncStatus,
};

/// Progress of a long command, sent to the UI as events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Which work (`demo`).
    pub task: &'static str,
    /// Units done.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// The app's state: the data directory and the open database, if there is one.
pub struct App {
    started: Instant,
    dir: PathBuf,
    writer: Mutex<Option<Store>>,
    readers: [Mutex<Option<Store>>; READERS],
    /// Which reader a read waits for when all are busy (round robin).
    next_reader: AtomicUsize,
    /// Why the database that is there could not be opened (or is not
    /// unlocked yet: `passphrase_needed`, `no_keychain`; or was erased:
    /// `wiped`).
    problem: Mutex<Option<AppError>>,
    sync: sync::SyncState,
    /// Set by `import_cancel`: the running import stops and writes nothing.
    import_cancel: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The passphrase the tests encrypt their databases under (a test machine
/// has no keychain of its own).
#[doc(hidden)]
pub const TEST_PASSPHRASE: &str = "test passphrase 口令";

/// Read connections: WAL lets them read side by side with each other and
/// with the writer. Three serve a screen's parallel requests on a laptop's
/// cores without holding many page caches.
pub const READERS: usize = 3;

/// Where the database lives: `CRM_DATA_DIR`, else the platform data directory
/// (`~/.local/share/offline-crm` on Linux), the same place the `crm` command uses.
pub fn default_data_dir() -> Option<PathBuf> {
    std::env::var_os("CRM_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("offline-crm")))
}

/// Held while this process is the one app instance using a data directory.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// Take the data directory's instance lock, or refuse with
/// `already_running` when another app holds it. The lock goes with the
/// process, so a crash never leaves it behind.
pub fn lock_instance(dir: &Path) -> Result<InstanceLock> {
    crm_store::create_private_dir(dir).map_err(|e| {
        eprintln!("crm-app: cannot create {}: {e}", dir.display());
        AppError::new("no_data_dir")
    })?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("app.lock"))
        .map_err(|e| {
            eprintln!("crm-app: cannot open the lock file: {e}");
            AppError::new("no_data_dir")
        })?;
    match file.try_lock() {
        Ok(()) => Ok(InstanceLock { _file: file }),
        Err(_) => Err(AppError::new("already_running")),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a command leaves SQLite consistent (its transaction rolls
    // back), so the store stays usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    /// The app over `dir`, opening the database there if there is one. A
    /// missing database is not an error: the UI offers to create one. A
    /// database that cannot be opened (written by a newer version, not a CRM
    /// file, damaged) is not an error here either: the window still opens
    /// and [`Status::problem`] says why, in the user's language, and the
    /// file is left untouched.
    pub fn open(dir: &Path) -> Result<App> {
        // `CRM_PASSPHRASE` for scripts (and the end-to-end tests).
        let passphrase = std::env::var(crm_vault::PASSPHRASE_VAR)
            .ok()
            .filter(|p| !p.is_empty());
        Self::open_with(dir, passphrase.as_deref())
    }

    /// [`App::open`] with the database's passphrase already known.
    pub fn open_with(dir: &Path, passphrase: Option<&str>) -> Result<App> {
        let path = Store::path_in(dir);
        // Its key first (the keychain, or the passphrase); a database that
        // wants a passphrase, or a laptop without a keychain, waits for the
        // user's (`unlock`).
        let opened = crm_store::unlock(&path, passphrase).and_then(|_| {
            if path.exists() {
                Store::open(&path).and_then(|w| Ok((Some(w), Self::open_readers(&path)?)))
            } else {
                Ok((None, Default::default()))
            }
        });
        let ((writer, readers), problem) = match opened {
            Ok(pair) => (pair, None),
            Err(e) => {
                eprintln!("crm-app: cannot open {}: {e}", path.display());
                ((None, Default::default()), Some(AppError::from(e)))
            }
        };
        Ok(App {
            started: Instant::now(),
            dir: dir.to_owned(),
            writer: Mutex::new(writer),
            readers: readers.map(Mutex::new),
            next_reader: AtomicUsize::new(0),
            problem: Mutex::new(problem),
            sync: sync::SyncState::default(),
            import_cancel: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// When the app opened (close to process start in the desktop shell).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn open_readers(
        path: &Path,
    ) -> std::result::Result<[Option<Store>; READERS], crm_store::StoreError> {
        let mut readers: [Option<Store>; READERS] = Default::default();
        for r in &mut readers {
            *r = Some(Store::open(path)?);
        }
        Ok(readers)
    }

    /// A read connection: a free one if there is one, else the next in turn
    /// (waiting for it).
    fn reader(&self) -> MutexGuard<'_, Option<Store>> {
        for r in &self.readers {
            match r.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let turn = self.next_reader.fetch_add(1, Ordering::Relaxed) % READERS;
        lock(&self.readers[turn])
    }

    /// Run a query on a read connection.
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let guard = self.reader();
        let store = guard.as_ref().ok_or_else(|| AppError::new("no_database"))?;
        f(store)
    }

    /// Run a change on the write connection.
    fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = lock(&self.writer);
        let store = guard.as_mut().ok_or_else(|| AppError::new("no_database"))?;
        f(store)
    }

    /// Unlock the database with the passphrase the user typed (or chose,
    /// where no keychain can be reached), then open it.
    pub fn unlock(&self, passphrase: &str) -> Result<Status> {
        let path = Store::path_in(self.dir());
        crm_store::unlock(&path, Some(passphrase))?;
        if path.exists() {
            let store = Store::open(&path)?;
            self.install(store)?;
        }
        *lock(&self.problem) = None;
        self.status()
    }

    /// Erase this laptop's copy of the team's data (an administrator marked
    /// it lost): every connection closed, the files and the key removed.
    fn wipe(&self) -> AppError {
        for reader in &self.readers {
            *lock(reader) = None;
        }
        *lock(&self.writer) = None;
        let path = Store::path_in(self.dir());
        // The app's own files that name the team: its server, the login,
        // the company's certificate.
        for file in [settings::FILE, sync::CA_FILE] {
            let _ = std::fs::remove_file(self.dir().join(file));
        }
        let problem = match crm_store::erase(&path) {
            Ok(removed) => AppError::new("wiped").with("files", removed.len()),
            Err(e) => {
                eprintln!("crm-app: erasing after a remote wipe: {e}");
                AppError::new("wiped").with("files", 0)
            }
        };
        *lock(&self.problem) = Some(problem.clone());
        problem
    }

    /// Refuse to show the team's data past the lease (`lease_expired`).
    pub(crate) fn check_lease(&self) -> Result<()> {
        let guard = self.reader();
        match guard.as_ref() {
            Some(store) => {
                store.check_lease()?;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Where this laptop stands with the team's lease.
    pub fn lease(&self) -> Result<crm_store::Lease> {
        self.read(|s| Ok(s.lease()?))
    }

    /// Enter an administrator's extension code.
    pub fn lease_extend(&self, code: &str) -> Result<crm_store::Lease> {
        self.write(|s| Ok(s.lease_extend(code)?))
    }

    /// Install a newly created database.
    fn install(&self, store: Store) -> Result<()> {
        for (slot, reader) in self.readers.iter().zip(Self::open_readers(store.path())?) {
            *lock(slot) = reader;
        }
        *lock(&self.writer) = Some(store);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::mpsc, time::Duration};

    use super::*;

    /// A slow read (the Accounts screen's filter counts over 100,000
    /// accounts) holds one connection; the next screen's read takes
    /// another at once instead of queueing behind it.
    #[test]
    fn a_read_does_not_wait_behind_a_slow_one() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let app =
            App::open_with(dir.path(), Some(TEST_PASSPHRASE)).expect("an empty directory opens");
        app.create_database(CreateDatabase {
            name: "Li Wei".into(),
            email: None,
            currency: "CNY".into(),
        })
        .expect("creating the database");

        let (tx, rx) = mpsc::channel();
        std::thread::scope(|s| {
            // Held until the check is done, like a long query; dropped on a
            // failure too, so the other thread ends and the test reports.
            let slow = app.reader();
            assert!(slow.is_some(), "the database is open for reading");
            s.spawn(|| tx.send(app.status()).expect("the test waits"));
            let status = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("a second read answers while the first holds its connection")
                .expect("status");
            assert!(status.ready);
            drop(slow);
        });
    }
}
