//! The laptop's local CRM database.
//!
//! One SQLite file (WAL, foreign keys on) holds every record the user may see.
//! Every write goes through [`Writer`], which in ONE transaction changes the
//! domain row, appends the outbox entry sync will push, records field history
//! and keeps the full-text index current. A crash therefore never leaves a row
//! without its outbox entry or the reverse.
//!
//! Where things live:
//! - `storage`: the file, its migrations and its one write path (`Writer`),
//!   search, backup;
//! - `rules`: the use cases every front end calls (a person's edits, lead
//!   conversion, merge, reassignment, import, duplicates);
//! - `queries`: reads, and the shapes the screens ask for;
//! - `replica`: the laptop's side of sync (settling pushed changes,
//!   applying pulled ones, conflicts, changes held for a server update);
//! - `demo`: sample data that never meets a team server.

mod demo;
mod error;
mod lease;
mod protect;
mod queries;
mod replica;
mod rules;
mod storage;

use queries::{read, ui_queries};
pub use rules::duplicates;
use rules::{bulk, exchange, merge, records, sales, service, work};
pub use storage::migrations;
pub use storage::private::create_dir as create_private_dir;
use storage::{backup, search, sql, write};

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    thread,
    time::Duration,
};

use chrono::{DateTime, Utc};
use crm_domain::{Clock, Hlc, Id};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

pub use backup::{BackupInfo, RestoreInfo, check_backup};
pub use bulk::{BulkAction, Bulked, MAX_BULK, Selection};
pub use demo::{DEMO_VERSION, DemoSize, DemoSummary};
pub use duplicates::{DuplicatePair, Identity, KeyKind, Match, RecordSummary};
pub use error::{Result, Rule, StoreError};
pub use exchange::{DuplicateRow, ImportOptions, ImportOutcome, ImportRecord, ImportedRow};
pub use lease::{Lease, LeaseState};
pub use merge::{MergeField, MergePlan, Moved, Side};
pub use protect::{
    Protection, change_passphrase, erase, needs_passphrase, protection, recover, recovery_key,
    unlock,
};
pub use read::{AccountFilter, AccountView, KeyNumbers, Timeline, TimelineCursor, soonest_first};
pub use records::{Compare, Condition, RecordPage, RecordQuery, RecordRow};
pub use replica::{Applied, ConflictView, Keep, RejectedOp, Settled, SyncConfig};
pub use sales::{
    AccountSales, Balance, DocumentTotals, Item, LastPrice, NewLine, NewPayment, NewQuote,
    OrderView, QuoteView, quote_label,
};
pub use search::{SearchGroup, SearchHit};
pub use service::{
    CaseLine, CaseQueue, CaseView, ESCALATION_BATCH, Escalated, EscalationPass, NewCase,
    PendingEscalation, ServiceRow, ServiceView, Suggestion,
};
pub use ui_queries::{
    AccountFacets, AccountListQuery, AccountPage, AccountRow, AccountSort, ActivityRow,
    ContactPage, ContactRow, DealCard, DealFilter, DealSelection, InCurrency, RatesTo, StageTotal,
    in_currency,
};
pub use work::{Completed, Converted, LeadConversion, Reassigned};
pub use write::{SEEN_FIELD, Writer};

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "crm.db";

/// The person using this laptop, as recorded at `init`.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Display name.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Team, if any.
    pub team: Option<String>,
    /// Currency for new deals when none is given (ISO 4217).
    pub currency: String,
}

/// Where a write comes from: this device, its current user and its clock.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: Id,
    pub user_id: Id,
    pub seq: i64,
    pub clock: Clock,
    pub currency: String,
}

/// Source of the current time; replaced in tests to drive the clock.
pub type Now = fn() -> DateTime<Utc>;

/// An open local database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: Device,
    now: Now,
    /// Rows that lists left out because this build cannot read a value they
    /// hold, since the caller last asked ([`Store::take_unreadable`]).
    unreadable: std::cell::Cell<usize>,
    _maintenance: Maintenance,
}

/// Housekeeping on its own thread and connection, so no edit waits for it:
/// copying the write-ahead log into the database (SQLite would do it inside
/// whichever commit crosses the threshold) and merging full-text index
/// segments (FTS5 would do it inside whichever insert fills a level). Either
/// made about one edit in a hundred take tens of milliseconds.
struct Maintenance {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Maintenance {
    const EVERY: Duration = Duration::from_millis(500);
    /// Index pages one merge step may write; small, so an edit waiting for
    /// the write lock waits briefly.
    const MERGE_PAGES: i64 = 64;

    fn start(path: &Path) -> Result<Self> {
        let conn = storage::cipher::open(path, OpenFlags::default())?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("crm-maintenance".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Self::EVERY) {
                    for fts in search::fts_tables() {
                        // Merges only where a level has filled up; otherwise a no-op.
                        let sql = format!("INSERT INTO {fts} ({fts}, rank) VALUES ('merge', ?1)");
                        let _ = conn.execute(&sql, [Self::MERGE_PAGES]);
                    }
                    // PASSIVE never blocks writers; what it cannot copy now it copies next time.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })?;
        Ok(Maintenance {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Check an existing file without writing to it: it must be an SQLite database
/// that is either empty or ours, at a schema version this build knows. Returns
/// whether it is ours already (an empty file is not yet).
fn check_existing(path: &Path) -> Result<bool> {
    let not_ours = || StoreError::NotCrmDatabase(path.to_owned());
    // An encrypted file no key was given for reads as no database at all:
    // say that it is locked, not that it is not ours.
    let locked = || {
        let encrypted = !storage::cipher::is_plain(path).unwrap_or(true)
            && path.metadata().is_ok_and(|m| m.len() > 0)
            && path
                .parent()
                .is_some_and(|d| d.join(crm_vault::FILE_NAME).exists());
        match storage::cipher::unlocked(path) {
            None if encrypted => StoreError::Locked(path.to_owned()),
            Some(_) if encrypted => StoreError::WrongKey(path.to_owned()),
            _ => not_ours(),
        }
    };
    let conn = storage::cipher::open(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|_| locked())?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // Reading the header is what fails on a file that is not SQLite at all.
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| locked())?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if app_id != migrations::APPLICATION_ID && (tables > 0 || version > 0 || app_id != 0) {
        return Err(not_ours());
    }
    let known = migrations::MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known,
        });
    }
    Ok(app_id == migrations::APPLICATION_ID)
}

fn connect(path: &Path) -> Result<Connection> {
    let mut conn = storage::cipher::open(path, OpenFlags::default())?;
    // First of all: another handle (the app and `crm` at once, the maintenance
    // thread) may hold a lock for a moment, even while this one sets up WAL;
    // waiting beats failing.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL in WAL mode: a committed write survives any crash of the app or
    // the OS; only a power cut can drop the last commits, never half of one.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Checkpoints run on the Maintenance thread, not inside commits.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.set_prepared_statement_cache_capacity(64);
    search::register_functions(&conn)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// `.readable(store)` on the rows of a query: [`Store::readable`].
pub(crate) trait ReadableRows<T>: Iterator<Item = rusqlite::Result<T>> + Sized {
    fn readable(self, store: &Store) -> rusqlite::Result<Vec<T>> {
        store.readable(self)
    }
}

impl<T, I: Iterator<Item = rusqlite::Result<T>>> ReadableRows<T> for I {}

impl Store {
    /// How many rows lists have left out since the last call because a value
    /// they hold cannot be read here (a damaged record: written by an old
    /// bug, or by a newer app): the caller tells the user, and the count
    /// starts again.
    pub fn take_unreadable(&self) -> usize {
        self.unreadable.take()
    }

    /// The rows of a list that can be read; the others are counted (see
    /// [`Store::take_unreadable`]) so one damaged record never fails a list.
    /// Errors that are not about a value (the database itself) still fail.
    pub(crate) fn readable<T>(
        &self,
        rows: impl Iterator<Item = rusqlite::Result<T>>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut out = Vec::new();
        for row in rows {
            match row {
                Ok(row) => out.push(row),
                Err(
                    rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::InvalidColumnType(..)
                    | rusqlite::Error::IntegralValueOutOfRange(..),
                ) => self.unreadable.set(self.unreadable.get() + 1),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The database file inside `data_dir`.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(DB_FILE)
    }

    /// Create a new database at `path` for `me` on a new device. Refuses when a
    /// database already exists there.
    pub fn create(path: &Path, me: &NewUser) -> Result<Store> {
        if path.exists() {
            check_existing(path)?;
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            storage::private::create_dir(dir)?;
        }
        storage::private::claim_file(path)?;
        let mut conn = connect(path)?;
        if let Some(device) = load_device(&conn)? {
            return Err(StoreError::Refused(format!(
                "a CRM database already exists at {} (device {})",
                path.display(),
                device.id
            )));
        }
        let device_id = Id::new();
        let user_id = Id::new();
        let node = node_of(device_id);
        let now = Utc::now();
        let mut clock = Clock::resume(Hlc::zero(node));
        let hlc = clock.tick(now.timestamp_millis().max(0).unsigned_abs());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO users (id, name, email, role, team, created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, 'rep', ?4, ?5, ?1, ?5, ?6)",
            rusqlite::params![user_id.0, me.name, me.email, me.team, now.timestamp_millis(), hlc.to_string()],
        )?;
        tx.execute(
            "INSERT INTO device (id, user_id, seq, hlc, currency) VALUES (?1, ?2, 0, ?3, ?4)",
            rusqlite::params![device_id.0, user_id.0, hlc.to_string(), me.currency],
        )?;
        tx.commit()?;
        Store::open(path)
    }

    /// Open the database at `path`. A missing file, a file that is not a CRM
    /// database, or one from a newer version is refused and left untouched.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        // An empty file (an interrupted `init`, a `touch`) holds no database
        // yet: refuse it as missing rather than build a schema in it.
        if !check_existing(path)? {
            return Err(StoreError::Missing(path.to_owned()));
        }
        // A database made before files were private becomes private now.
        storage::private::restrict(path)?;
        let conn = connect(path)?;
        let device = load_device(&conn)?.ok_or_else(|| StoreError::Missing(path.to_owned()))?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            device,
            now: Utc::now,
            unreadable: std::cell::Cell::new(0),
            _maintenance: Maintenance::start(path)?,
        };
        store.move_token_to_keychain()?;
        Ok(store)
    }

    /// Replace the time source (tests drive skewed clocks through this).
    pub fn set_now(&mut self, now: Now) {
        self.now = now;
    }

    /// The current time by this store's time source.
    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This device's id.
    pub fn device_id(&self) -> Id {
        self.device.id
    }

    /// The user whose edits this device records.
    pub fn user_id(&self) -> Id {
        self.device.user_id
    }

    /// The currency new deals get when none is given.
    pub fn default_currency(&self) -> &str {
        &self.device.currency
    }

    /// Read-only access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` as one write transaction: everything it writes (rows, outbox,
    /// history, index) commits together or not at all.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another handle on the file (the app and the command line at once)
        // may have written since this one did: continue from the sequence and
        // clock the file holds, now that the write lock is ours.
        let device = load_device(&tx)?.ok_or_else(|| StoreError::Missing(self.path.clone()))?;
        let mut writer = Writer::new(tx, device, (self.now)());
        let out = f(&mut writer)?;
        crm_domain::fault::point("write_before_commit");
        let device = writer.finish()?;
        self.device = device;
        Ok(out)
    }
}

impl Store {
    /// [`Store::write`] for records that may name a record this laptop does
    /// not hold, reached through a parent it does (a reply to a case names
    /// the case's account, which the engineer holding the case need not
    /// hold): the table's foreign keys are off for it, and the writer's own
    /// reference check takes such a reference only through a parent.
    pub(crate) fn write_through_parents<T>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let out = self.write(f);
        self.conn.pragma_update(None, "foreign_keys", true)?;
        out
    }
}

fn node_of(device: Id) -> String {
    // The random tail of the UUIDv7: unique per device, short enough to repeat
    // in every timestamp.
    device.0.simple().to_string()[16..].to_owned()
}

fn load_device(conn: &Connection) -> Result<Option<Device>> {
    let row = conn
        .query_row(
            "SELECT id, user_id, seq, hlc, currency FROM device",
            [],
            |r| {
                Ok((
                    r.get::<_, uuid::Uuid>(0)?,
                    r.get::<_, uuid::Uuid>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, user_id, seq, hlc, currency)) = row else {
        return Ok(None);
    };
    let last: Hlc = hlc
        .parse()
        .map_err(|e: crm_domain::hlc::BadHlc| StoreError::Refused(e.to_string()))?;
    Ok(Some(Device {
        id: Id(id),
        user_id: Id(user_id),
        seq,
        clock: Clock::resume(last),
        currency,
    }))
}
