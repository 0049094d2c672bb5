//! The storage a server needs, as one trait with two implementations
//! (SQLite in `sqlite.rs`, PostgreSQL in `postgres.rs`). The sync rules in
//! `sync.rs` are written once against it.
//!
//! Every method runs inside a transaction handed out by [`Backend::write`] or
//! [`Backend::read`]; writers are serialized by [`Tx::next_seq`], which also
//! guarantees that change sequence numbers become visible in order.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Hlc, Id, value::value_bytes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// The PostgreSQL pool failed.
    #[error("postgres pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// Stored data does not parse.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A uniqueness rule was broken (an email already used...).
    #[error("{0}")]
    Conflict(String),
}

/// Result of storage calls.
pub type StorageResult<T> = Result<T, StorageError>;

/// The bytes of a record's fields as a pull counts them: each name and its
/// value's [`value_bytes`].
pub fn data_bytes(data: &BTreeMap<String, Value>) -> usize {
    data.iter().map(|(k, v)| k.len() + value_bytes(v)).sum()
}

/// A member of the team, with the secrets only the server holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    /// Id.
    pub id: Id,
    /// Login email (unique, lower case).
    pub email: String,
    /// Display name.
    pub name: String,
    /// `rep`, `manager`, `admin` or `support`.
    pub role: String,
    /// Team.
    pub team: Option<String>,
    /// Argon2 hash of the password.
    pub password_hash: String,
    /// False once disabled.
    pub active: bool,
}

/// A laptop registered by a login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRow {
    /// The laptop's device id.
    pub id: Id,
    /// Whose it is.
    pub user_id: Id,
    /// A name to recognise it by.
    pub name: String,
    /// SHA-256 of its bearer token (hex).
    pub token_hash: String,
    /// When it logged in (UTC ms).
    pub created_at: i64,
    /// When it last synced (UTC ms).
    pub last_seen_at: Option<i64>,
    /// When it was revoked (UTC ms).
    pub revoked_at: Option<i64>,
    /// The highest device sequence number applied.
    pub last_seq: i64,
    /// Its series: a number no other device of the team has (1, 2, 3...),
    /// under which the laptop numbers the documents it makes offline
    /// (`Q7-00012`), so no two documents share a number. Taken with
    /// [`Tx::next_device_series`] when the server first registers the
    /// device, and kept for its later logins.
    pub series: u32,
    /// When an administrator marked it lost (`device wipe`): every contact
    /// from it is answered `device_wiped`, and the laptop erases its copy.
    pub wipe_requested_at: Option<i64>,
    /// When the server first told it so.
    pub wipe_sent_at: Option<i64>,
    /// Its key for lease extension codes (base64), given at its last login.
    pub lease_key: Option<String>,
}

/// Who last wrote a field, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldVersion {
    /// The write's clock.
    pub hlc: Hlc,
    /// Its author.
    pub by: Id,
}

/// A record as the server keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Id,
    /// Current canonical field values.
    pub data: BTreeMap<String, Value>,
    /// Per field: the last write.
    pub versions: BTreeMap<String, FieldVersion>,
    /// A tombstone.
    pub deleted: bool,
    /// The last change to the record.
    pub hlc: Hlc,
    /// Who made it.
    pub changed_by: Id,
    /// Who created the record.
    pub created_by: Id,
    /// The user whose book the record belongs to; `None`: everyone's; the
    /// nil id: nobody's (admins only: a conflict whose record was purged).
    pub scope_user: Option<Id>,
    /// That user's team.
    pub scope_team: Option<String>,
    /// Who holds it besides its book (`Source::Holder`: a case's owner,
    /// and the records under the case): they see it.
    pub extra_user: Option<Id>,
    /// The team that holds it besides its book: its support staff and its
    /// manager see it.
    pub extra_team: Option<String>,
    /// The record it hangs under (its description's first parent: an
    /// account, a lead, a conflict's record...), so it moves with it.
    pub parent_id: Option<Id>,
    /// Position in the change sequence.
    pub change_seq: i64,
}

/// A record that left a user's (or team's) scope at a point in the sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    /// Position in the change sequence.
    pub change_seq: i64,
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Id,
    /// The user who could see it before.
    pub old_user: Option<Id>,
    /// That user's team.
    pub old_team: Option<String>,
}

/// Who is asking: decides which records a pull returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    /// The user.
    pub user_id: Id,
    /// `rep`, `manager`, `admin` or `support`.
    pub role: String,
    /// Their team.
    pub team: Option<String>,
}

impl Viewer {
    /// Whether a record is visible: everyone's, in the viewer's book (or,
    /// for a manager, their team's), or held by the viewer (or, for support
    /// staff and a manager, their team).
    pub fn sees(&self, record: &StoredRecord) -> bool {
        self.reaches(&record.reach())
    }

    /// Whether a record with this reach is visible.
    pub fn reaches(&self, reach: &Reach) -> bool {
        let my_team = |team: &Option<String>| self.team.is_some() && self.team == *team;
        match (self.role.as_str(), reach.user) {
            ("admin", _) | (_, None) => true,
            (role, Some(u)) => {
                u == self.user_id
                    || reach.extra_user == Some(self.user_id)
                    || (role == "manager" && my_team(&reach.team))
                    || (matches!(role, "manager" | "support") && my_team(&reach.extra_team))
            }
        }
    }
}

/// Who a record reaches: its book (a user and their team) and who holds it
/// besides (a user and a team).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// The book's user; `None`: everyone's.
    pub user: Option<Id>,
    /// That user's team.
    pub team: Option<String>,
    /// Who holds it besides.
    pub extra_user: Option<Id>,
    /// The team holding it besides.
    pub extra_team: Option<String>,
}

impl StoredRecord {
    /// A new record of `entity`, written by `by` at `hlc`, not yet placed
    /// in a book nor numbered (`sync::place` and `save` do that).
    pub fn new(
        entity: EntityKind,
        id: Id,
        data: BTreeMap<String, Value>,
        versions: BTreeMap<String, FieldVersion>,
        hlc: Hlc,
        by: Id,
    ) -> Self {
        StoredRecord {
            entity,
            id,
            data,
            versions,
            deleted: false,
            hlc,
            changed_by: by,
            created_by: by,
            scope_user: None,
            scope_team: None,
            extra_user: None,
            extra_team: None,
            parent_id: None,
            change_seq: 0,
        }
    }

    /// Who the record reaches now.
    pub fn reach(&self) -> Reach {
        Reach {
            user: self.scope_user,
            team: self.scope_team.clone(),
            extra_user: self.extra_user,
            extra_team: self.extra_team.clone(),
        }
    }
}

/// A key a web form or a mail gateway sends its requests with
/// (`POST /api/v1/intake/case|lead`). Only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeKey {
    /// Its id.
    pub id: Id,
    /// The SHA-256 of the key, hex.
    pub key_hash: String,
    /// `case` or `lead`: what its requests become.
    pub kind: String,
    /// The team whose members are given its requests in turn.
    pub team: String,
    /// A name for people (`Website contact form`).
    pub name: String,
    /// Requests naming a region go to that region's team instead:
    /// `华南=South;Madrid=Iberia` (region, `=`, team; `;` between).
    pub routes: Option<String>,
    /// When it was made (UTC ms).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// Operations inside one transaction.
pub trait Tx {
    /// Add a user; fails with [`StorageError::Conflict`] if the email is taken.
    fn insert_user(&mut self, user: &UserRow) -> StorageResult<()>;
    /// Replace a user's row.
    fn update_user(&mut self, user: &UserRow) -> StorageResult<()>;
    /// A user by id.
    fn user(&mut self, id: Id) -> StorageResult<Option<UserRow>>;
    /// A user by email (lower case).
    fn user_by_email(&mut self, email: &str) -> StorageResult<Option<UserRow>>;
    /// Everyone, by name.
    fn users(&mut self) -> StorageResult<Vec<UserRow>>;

    /// Register a device or replace its token (a new login on the laptop).
    /// Fails if another device holds its series.
    fn upsert_device(&mut self, device: &DeviceRow) -> StorageResult<()>;
    /// Take the next device series (1, 2, 3...): never one handed out
    /// before, even to another server process registering a device at the
    /// same moment (the counter's row stays locked until commit).
    fn next_device_series(&mut self) -> StorageResult<u32>;
    /// A device by id.
    fn device(&mut self, id: Id) -> StorageResult<Option<DeviceRow>>;
    /// A device by token hash.
    fn device_by_token(&mut self, token_hash: &str) -> StorageResult<Option<DeviceRow>>;
    /// Every device, newest first.
    fn devices(&mut self) -> StorageResult<Vec<DeviceRow>>;
    /// Lock a device's row for this transaction and return it (pushes of one
    /// device are applied one at a time).
    fn lock_device(&mut self, id: Id) -> StorageResult<Option<DeviceRow>>;
    /// Save a device's sequence, last-seen time and revocation.
    fn update_device(&mut self, device: &DeviceRow) -> StorageResult<()>;
    /// The op a device sent with a sequence number, if the server remembers
    /// it (ops before migration 4 are not remembered).
    fn op_at(&mut self, device: Id, seq: i64) -> StorageResult<Option<Id>>;
    /// Remember the op a device sent with a sequence number, so a different
    /// op with the same number is told from a replay.
    fn remember_op(&mut self, device: Id, seq: i64, op_id: Id) -> StorageResult<()>;

    /// Failed logins of one client address on one email since a time: how
    /// many, and when the last was.
    fn login_failures(
        &mut self,
        email: &str,
        client: &str,
        since_ms: i64,
    ) -> StorageResult<(i64, Option<i64>)>;
    /// Record a failed login (or an attempt about to be checked).
    fn add_login_failure(&mut self, email: &str, client: &str, at_ms: i64) -> StorageResult<()>;
    /// Forget a client's failed logins on an email (after a success).
    fn clear_login_failures(&mut self, email: &str, client: &str) -> StorageResult<()>;
    /// Forget every failed login older than `before_ms`, so the table holds
    /// only the window's.
    fn forget_login_failures(&mut self, before_ms: i64) -> StorageResult<()>;

    /// Take the next `n` change sequence numbers, returning the first. Takes the
    /// write lock that orders all writers until commit.
    fn next_seq(&mut self, n: i64) -> StorageResult<i64>;
    /// The last sequence number handed out.
    fn last_seq(&mut self) -> StorageResult<i64>;
    /// A record by id.
    fn record(&mut self, id: Id) -> StorageResult<Option<StoredRecord>>;
    /// Insert or replace a record.
    fn put_record(&mut self, record: &StoredRecord) -> StorageResult<()>;
    /// Records hanging under a record (an account's contacts and history...).
    fn children_of(&mut self, parent_id: Id) -> StorageResult<Vec<StoredRecord>>;
    /// A live record of `entity` other than `except` whose text `field`
    /// holds `value` (the check of the description's `unique` fields).
    fn holder_of(
        &mut self,
        entity: EntityKind,
        field: &str,
        value: &str,
        except: Id,
    ) -> StorageResult<Option<Id>>;
    /// Record that something left a scope.
    fn add_exit(&mut self, exit: &Exit) -> StorageResult<()>;
    /// Records changed after `cursor` visible to `viewer`, in order, at most
    /// `limit + 1` (so the caller knows whether more follow), and none after
    /// the one whose fields ([`data_bytes`]) take the list past `max_bytes`
    /// (a list cut so is complete only up to its last record). Read a few at
    /// a time, so records of megabytes are never all held at once. Their
    /// `versions` are left empty: pulls do not send them.
    fn changes_since(
        &mut self,
        viewer: &Viewer,
        cursor: i64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<Vec<StoredRecord>>;
    /// Exits after `cursor` that concern `viewer`, in order.
    fn exits_since(&mut self, viewer: &Viewer, cursor: i64, limit: u32)
    -> StorageResult<Vec<Exit>>;
    /// Tombstones were purged up to this sequence number; a cursor older than
    /// it must resync.
    fn horizon(&mut self) -> StorageResult<i64>;
    /// Delete tombstones (and exits) last changed before `before_ms`, moving
    /// the horizon past them; returns how many records were purged.
    fn purge_tombstones(&mut self, before_ms: i64) -> StorageResult<usize>;

    /// The live records of one kind (the server's own escalation pass
    /// reads the cases, their events, the policies and the calendar).
    fn records_of(&mut self, entity: EntityKind) -> StorageResult<Vec<StoredRecord>>;
    /// When each case was first answered: its earliest live interaction
    /// that is not the customer's own message.
    fn case_answers(&mut self) -> StorageResult<Vec<(Id, i64)>>;

    /// Keep a new intake key.
    fn insert_intake_key(&mut self, key: &IntakeKey) -> StorageResult<()>;
    /// An intake key by its hash (revoked ones too).
    fn intake_key(&mut self, key_hash: &str) -> StorageResult<Option<IntakeKey>>;
    /// Every intake key, oldest first.
    fn intake_keys(&mut self) -> StorageResult<Vec<IntakeKey>>;
    /// Revoke an intake key; whether there was one.
    fn revoke_intake_key(&mut self, id: Id, at_ms: i64) -> StorageResult<bool>;
    /// Advance the named counter (created at 1) and return its new value;
    /// its row stays locked until commit, so two server processes never
    /// take one value twice.
    fn next_counter(&mut self, name: &str) -> StorageResult<i64>;
}

/// A server database.
pub trait Backend: Send + Sync + 'static {
    /// Run `f` in a write transaction; commit if it returns `Ok`.
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T>;
    /// Run `f` in a read transaction (a consistent snapshot).
    fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T>;
}
