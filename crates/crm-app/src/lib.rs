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

pub mod bridge;
mod commands;
pub mod dispatch;
mod error;
mod exchange;
mod records;
mod sales;
mod settings;
mod sync;

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
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
    reader: Mutex<Option<Store>>,
    /// Why the database that is there could not be opened.
    problem: Option<AppError>,
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
        let path = Store::path_in(dir);
        let opened = if path.exists() {
            Store::open(&path).and_then(|w| Ok((Some(w), Some(Store::open(&path)?))))
        } else {
            Ok((None, None))
        };
        let ((writer, reader), problem) = match opened {
            Ok(pair) => (pair, None),
            Err(e) => {
                eprintln!("crm-app: cannot open {}: {e}", path.display());
                ((None, None), Some(AppError::from(e)))
            }
        };
        Ok(App {
            started: Instant::now(),
            dir: dir.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            problem,
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

    /// Run a query on the read connection.
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let guard = lock(&self.reader);
        let store = guard.as_ref().ok_or_else(|| AppError::new("no_database"))?;
        f(store)
    }

    /// Run a change on the write connection.
    fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = lock(&self.writer);
        let store = guard.as_mut().ok_or_else(|| AppError::new("no_database"))?;
        f(store)
    }

    /// Install a newly created database.
    fn install(&self, store: Store) -> Result<()> {
        let reader = Store::open(store.path())?;
        *lock(&self.reader) = Some(reader);
        *lock(&self.writer) = Some(store);
        Ok(())
    }
}
