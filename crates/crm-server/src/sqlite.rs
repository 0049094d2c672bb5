//! The embedded server database: one SQLite file, zero set-up.

use std::{path::Path, sync::Mutex, time::Duration};

use crm_domain::{EntityKind, Hlc, Id};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use crate::backend::{
    Backend, DeviceRow, Exit, IntakeKey, StorageError, StorageResult, StoredRecord, Tx, UserRow,
    Viewer, data_bytes,
};

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    team          TEXT,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL
) STRICT;
CREATE TABLE devices (
    id            BLOB PRIMARY KEY,
    user_id       BLOB NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER,
    revoked_at    INTEGER,
    last_seq      INTEGER NOT NULL
) STRICT;
CREATE TABLE login_failures (
    email         TEXT NOT NULL,
    at            INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_email ON login_failures (email, at);
CREATE TABLE counters (
    name          TEXT PRIMARY KEY,
    value         INTEGER NOT NULL
) STRICT;
INSERT INTO counters VALUES ('change_seq', 0), ('horizon', 0);
CREATE TABLE records (
    id            BLOB PRIMARY KEY,
    entity        TEXT NOT NULL,
    data          TEXT NOT NULL,
    versions      TEXT NOT NULL,
    deleted       INTEGER NOT NULL,
    hlc           TEXT NOT NULL,
    changed_by    BLOB NOT NULL,
    created_by    BLOB NOT NULL,
    scope_user    BLOB,
    scope_team    TEXT,
    extra_user    BLOB,
    account_id    BLOB,
    change_seq    INTEGER NOT NULL UNIQUE
) STRICT;
CREATE INDEX records_by_scope ON records (scope_user, change_seq);
CREATE INDEX records_by_team ON records (scope_team, change_seq);
CREATE INDEX records_by_account ON records (account_id) WHERE account_id IS NOT NULL;
CREATE TABLE exits (
    change_seq    INTEGER PRIMARY KEY,
    entity        TEXT NOT NULL,
    id            BLOB NOT NULL,
    old_user      BLOB,
    old_team      TEXT
) STRICT;
"#,
    // 2: the column holds the record a record hangs under, of any kind (its
    // description's first parent), not only an account: interactions on a
    // lead and conflicts on any record get theirs, so they move with it.
    r#"
ALTER TABLE records RENAME COLUMN account_id TO parent_id;
DROP INDEX records_by_account;
CREATE INDEX records_by_parent ON records (parent_id) WHERE parent_id IS NOT NULL;
UPDATE records SET parent_id = unhex(replace(json_extract(data, '$.lead_id'), '-', ''))
 WHERE entity = 'interaction' AND parent_id IS NULL AND json_extract(data, '$.lead_id') IS NOT NULL;
UPDATE records SET parent_id = unhex(replace(json_extract(data, '$.record_id'), '-', ''))
 WHERE entity = 'conflict' AND parent_id IS NULL AND json_extract(data, '$.record_id') IS NOT NULL;
"#,
    // 3: failed logins are counted per client address and account (a
    // guesser slows itself, not the account's owner), and pruned by time.
    r#"
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
DROP INDEX login_failures_by_email;
CREATE INDEX login_failures_by_email ON login_failures (email, client, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
"#,
    // 4: a conflict is seen exactly by those who see its record. Earlier
    // servers gave it one more user (the other author, who may have lost
    // the record), left it out of its record's moves, and put one whose
    // record was purged, once resolved, in nobody's book, which is
    // everyone's. Each conflict now hangs under its record and takes its
    // book; one whose record is gone and that was everyone's is kept for
    // admins only (the nil id: nobody's book). Whoever held one and may no
    // longer see it gets an exit; a conflict that changed books gets a new
    // sequence number, so its new readers pull it. ('user' and
    // 'exchange_rate' are the team-wide kinds of this version.)
    r#"
UPDATE records SET parent_id = unhex(replace(json_extract(data, '$.record_id'), '-', ''))
 WHERE entity = 'conflict' AND parent_id IS NULL AND json_extract(data, '$.record_id') IS NOT NULL;
CREATE TEMP TABLE conflict_scope AS
SELECT c.id, c.change_seq, c.scope_user AS old_user, c.scope_team AS old_team, c.extra_user,
       CASE WHEN p.id IS NOT NULL THEN p.scope_user
            WHEN c.scope_user IS NULL
                 AND json_extract(c.data, '$.entity') NOT IN ('user', 'exchange_rate') THEN zeroblob(16)
            ELSE c.scope_user END AS new_user,
       CASE WHEN p.id IS NOT NULL THEN p.scope_team
            WHEN c.scope_user IS NULL
                 AND json_extract(c.data, '$.entity') NOT IN ('user', 'exchange_rate') THEN NULL
            ELSE c.scope_team END AS new_team
  FROM records c LEFT JOIN records p ON p.id = c.parent_id
 WHERE c.entity = 'conflict';
CREATE TEMP TABLE conflict_exits AS
SELECT id, change_seq, old_user, old_team FROM conflict_scope
 WHERE old_user IS NOT NULL AND (old_user IS NOT new_user OR old_team IS NOT new_team)
UNION ALL
SELECT s.id, s.change_seq, u.id, NULL FROM conflict_scope s, users u
 WHERE s.old_user IS NULL AND s.new_user IS NOT NULL AND u.role <> 'admin'
UNION ALL
SELECT id, change_seq, extra_user, NULL FROM conflict_scope WHERE extra_user IS NOT NULL;
INSERT INTO exits (change_seq, entity, id, old_user, old_team)
SELECT (SELECT value FROM counters WHERE name = 'change_seq')
       + row_number() OVER (ORDER BY change_seq, id, old_user),
       'conflict', id, old_user, old_team
  FROM conflict_exits;
UPDATE counters SET value = value + (SELECT count(*) FROM conflict_exits) WHERE name = 'change_seq';
CREATE TEMP TABLE conflict_moved AS
SELECT id, row_number() OVER (ORDER BY change_seq) AS n FROM conflict_scope
 WHERE old_user IS NOT new_user OR old_team IS NOT new_team;
UPDATE records SET change_seq = (SELECT value FROM counters WHERE name = 'change_seq') + m.n
  FROM conflict_moved m WHERE records.id = m.id;
UPDATE counters SET value = value + (SELECT count(*) FROM conflict_moved) WHERE name = 'change_seq';
UPDATE records SET scope_user = s.new_user, scope_team = s.new_team, extra_user = NULL
  FROM conflict_scope s WHERE records.id = s.id;
DROP TABLE conflict_scope;
DROP TABLE conflict_exits;
DROP TABLE conflict_moved;
"#,
    // 5: the op each device sent with each sequence number, so a laptop
    // restored from a copy of its data folder, which numbers new ops with
    // numbers it spent before, is told apart from a replay (`seq_reused`).
    r#"
CREATE TABLE device_ops (
    device_id     BLOB NOT NULL,
    device_seq    INTEGER NOT NULL,
    op_id         BLOB NOT NULL,
    PRIMARY KEY (device_id, device_seq)
) STRICT, WITHOUT ROWID;
"#,
    // 6: every device has a series no other device has (1, 2, 3...), under
    // which its laptop numbers the documents it makes offline. The devices
    // registered before get theirs in the order they were registered;
    // `device_series` is the last one handed out. (SQLite adds no NOT NULL
    // column without a default: every device the server registers gets one.)
    r#"
ALTER TABLE devices ADD COLUMN series INTEGER;
UPDATE devices SET series = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM devices) AS o
 WHERE devices.id = o.id;
CREATE UNIQUE INDEX devices_by_series ON devices (series);
INSERT INTO counters (name, value) SELECT 'device_series', count(*) FROM devices;
"#,
    // 7: keys of web forms and mail gateways that send requests (cases,
    // leads) to the team, only their hashes.
    r#"
CREATE TABLE intake_keys (
    id            BLOB PRIMARY KEY,
    key_hash      TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    team          TEXT NOT NULL,
    name          TEXT NOT NULL,
    routes        TEXT,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
) STRICT;
-- The server's escalation pass reads one kind at a time, and the answers
-- to cases.
CREATE INDEX records_by_entity ON records (entity) WHERE deleted = 0;
CREATE INDEX records_by_case ON records (json_extract(data, '$.case_id')) WHERE entity = 'interaction';
"#,
    // 8: a case is held by its owner and team besides its account's book
    // (`Source::Holder`), and so are its events, replies and surveys: a
    // support engineer sees the cases given to them and to their team, and
    // their manager sees them too. A reply to a case now hangs under the
    // case (and takes its book). Every record that gained a holder gets a
    // new sequence number, so its new readers pull it; whoever lost a
    // reply that moved books gets an exit.
    r#"
ALTER TABLE records ADD COLUMN extra_team TEXT;
UPDATE records SET
    extra_user = unhex(replace(json_extract(data, '$.owner_id'), '-', '')),
    extra_team = coalesce(nullif(trim(json_extract(data, '$.team')), ''),
        (SELECT u.team FROM users u
          WHERE u.id = unhex(replace(json_extract(records.data, '$.owner_id'), '-', ''))))
 WHERE entity = 'case';
UPDATE records SET parent_id = unhex(replace(json_extract(data, '$.case_id'), '-', ''))
 WHERE entity = 'interaction' AND json_extract(data, '$.case_id') IS NOT NULL
   AND unhex(replace(json_extract(data, '$.case_id'), '-', '')) IN (SELECT id FROM records WHERE entity = 'case');
CREATE TEMP TABLE held AS
SELECT r.id, r.change_seq, r.entity, r.scope_user AS old_user, r.scope_team AS old_team,
       c.scope_user AS new_user, c.scope_team AS new_team, c.extra_user, c.extra_team
  FROM records r JOIN records c ON c.id = r.parent_id AND c.entity = 'case'
 WHERE r.entity IN ('case_event', 'interaction', 'survey');
INSERT INTO exits (change_seq, entity, id, old_user, old_team)
SELECT (SELECT value FROM counters WHERE name = 'change_seq')
       + row_number() OVER (ORDER BY change_seq, id),
       entity, id, old_user, old_team
  FROM held WHERE old_user IS NOT NULL AND (old_user IS NOT new_user OR old_team IS NOT new_team);
UPDATE counters SET value = value
       + (SELECT count(*) FROM held WHERE old_user IS NOT NULL AND (old_user IS NOT new_user OR old_team IS NOT new_team))
 WHERE name = 'change_seq';
UPDATE records SET scope_user = h.new_user, scope_team = h.new_team,
       extra_user = h.extra_user, extra_team = h.extra_team
  FROM held h WHERE records.id = h.id;
CREATE TEMP TABLE reheld AS
SELECT id, row_number() OVER (ORDER BY change_seq) AS n FROM records
 WHERE extra_user IS NOT NULL OR extra_team IS NOT NULL;
UPDATE records SET change_seq = (SELECT value FROM counters WHERE name = 'change_seq') + m.n
  FROM reheld m WHERE records.id = m.id;
UPDATE counters SET value = value + (SELECT count(*) FROM reheld) WHERE name = 'change_seq';
DROP TABLE held;
DROP TABLE reheld;
"#,
    // 9: a laptop marked lost erases its copy at its next contact; each
    // device has a key for the lease extension codes an administrator
    // reads out to a laptop that cannot reach the server.
    r#"
ALTER TABLE devices ADD COLUMN wipe_requested_at INTEGER;
ALTER TABLE devices ADD COLUMN wipe_sent_at INTEGER;
ALTER TABLE devices ADD COLUMN lease_key TEXT;
"#,
];

const INTAKE_COLS: &str = "id, key_hash, kind, team, name, created_at, revoked_at, routes";

fn intake_row(r: &Row<'_>) -> rusqlite::Result<IntakeKey> {
    Ok(IntakeKey {
        id: Id(r.get(0)?),
        key_hash: r.get(1)?,
        kind: r.get(2)?,
        team: r.get(3)?,
        name: r.get(4)?,
        created_at: r.get(5)?,
        revoked_at: r.get(6)?,
        routes: r.get(7)?,
    })
}

/// The server's SQLite database: one writer connection, readers as needed.
pub struct SqliteBackend {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // First: switching a new file to WAL takes a lock that another server
    // starting at the same moment may hold.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Create the database file, and the directories it goes in, for the
/// server's user only (0600 and 0700 on Unix): it holds password hashes,
/// device token hashes and every team member's records. SQLite gives its
/// `-wal` and `-shm` files the database file's mode. An existing file or
/// directory keeps the mode its administrator gave it.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl SqliteBackend {
    /// Open (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> StorageResult<Self> {
        create_private(path)
            .map_err(|e| StorageError::Corrupt(format!("cannot create {}: {e}", path.display())))?;
        // Servers starting together on a new file: while one switches it to
        // WAL, SQLite answers "busy" to the others without calling the busy
        // handler, so the start is tried again for a while.
        let mut attempt = 0;
        loop {
            match Self::open_once(path) {
                Err(StorageError::Sqlite(e))
                    if attempt < 100
                        && e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
                {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> StorageResult<Self> {
        let mut conn = open(path)?;
        // The version is read under the write lock, so processes starting
        // together on a new file migrate it once.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StorageError::Corrupt(format!(
                "{} was written by a newer server (schema {version})",
                path.display()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(SqliteBackend {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: path.to_owned(),
        })
    }
}

impl Backend for SqliteBackend {
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut wrapped = SqliteTx { conn: &tx };
        let out = f(&mut wrapped)?;
        tx.commit()?;
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let out = {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let mut wrapped = SqliteTx { conn: &tx };
            let out = f(&mut wrapped);
            tx.finish()?;
            out
        };
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        out
    }
}

struct SqliteTx<'c> {
    conn: &'c Connection,
}

fn id(r: &Row<'_>, i: usize) -> rusqlite::Result<Id> {
    r.get::<_, Uuid>(i).map(Id)
}

fn opt_id(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Id>> {
    Ok(r.get::<_, Option<Uuid>>(i)?.map(Id))
}

fn corrupt(i: usize, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.to_string().into())
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: id(r, 0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        team: r.get(4)?,
        password_hash: r.get(5)?,
        active: r.get(6)?,
    })
}

const USER_COLS: &str = "id, email, name, role, team, password_hash, active";
const DEVICE_COLS: &str =
    "id, user_id, name, token_hash, created_at, last_seen_at, revoked_at, last_seq, series,
     wipe_requested_at, wipe_sent_at, lease_key";
const RECORD_COLS: &str = "entity, id, data, versions, deleted, hlc, changed_by, created_by, scope_user, scope_team, extra_user, parent_id, change_seq, extra_team";
/// The columns a pull reads: field versions are the server's business, not
/// sent, so they are not parsed either.
const PULL_COLS: &str = "entity, id, data, '{}', deleted, hlc, changed_by, created_by, scope_user, scope_team, extra_user, parent_id, change_seq, extra_team";

fn device_row(r: &Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: id(r, 0)?,
        user_id: id(r, 1)?,
        name: r.get(2)?,
        token_hash: r.get(3)?,
        created_at: r.get(4)?,
        last_seen_at: r.get(5)?,
        revoked_at: r.get(6)?,
        last_seq: r.get(7)?,
        series: r.get(8)?,
        wipe_requested_at: r.get(9)?,
        wipe_sent_at: r.get(10)?,
        lease_key: r.get(11)?,
    })
}

fn record_row(r: &Row<'_>) -> rusqlite::Result<StoredRecord> {
    let entity: String = r.get(0)?;
    let data: String = r.get(2)?;
    let versions: String = r.get(3)?;
    let hlc: String = r.get(5)?;
    Ok(StoredRecord {
        entity: entity.parse::<EntityKind>().map_err(|e| corrupt(0, e))?,
        id: id(r, 1)?,
        data: serde_json::from_str(&data).map_err(|e| corrupt(2, e))?,
        versions: serde_json::from_str(&versions).map_err(|e| corrupt(3, e))?,
        deleted: r.get(4)?,
        hlc: hlc.parse::<Hlc>().map_err(|e| corrupt(5, e))?,
        changed_by: id(r, 6)?,
        created_by: id(r, 7)?,
        scope_user: opt_id(r, 8)?,
        scope_team: r.get(9)?,
        extra_user: opt_id(r, 10)?,
        parent_id: opt_id(r, 11)?,
        change_seq: r.get(12)?,
        extra_team: r.get(13)?,
    })
}

fn exit_row(r: &Row<'_>) -> rusqlite::Result<Exit> {
    let entity: String = r.get(1)?;
    Ok(Exit {
        change_seq: r.get(0)?,
        entity: entity.parse::<EntityKind>().map_err(|e| corrupt(1, e))?,
        id: id(r, 2)?,
        old_user: opt_id(r, 3)?,
        old_team: r.get(4)?,
    })
}

fn json(v: &impl serde::Serialize) -> StorageResult<String> {
    serde_json::to_string(v).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// The visibility condition for a viewer, with its three parameters
/// (?2 user, ?3 team, ?4 role).
const VISIBLE: &str = "(?4 = 'admin' OR scope_user IS NULL OR scope_user = ?2 OR extra_user = ?2
      OR (?4 = 'manager' AND ?3 IS NOT NULL AND scope_team = ?3)
      OR (?4 IN ('manager', 'support') AND ?3 IS NOT NULL AND extra_team = ?3))";

impl Tx for SqliteTx<'_> {
    fn insert_user(&mut self, user: &UserRow) -> StorageResult<()> {
        let result = self.conn.execute(
            &format!("INSERT INTO users ({USER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                user.id.0,
                user.email,
                user.name,
                user.role,
                user.team,
                user.password_hash,
                user.active
            ],
        );
        match result {
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Err(StorageError::Conflict(format!(
                    "a user with email {} already exists",
                    user.email
                )))
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    fn update_user(&mut self, user: &UserRow) -> StorageResult<()> {
        self.conn.execute(
            "UPDATE users SET email = ?2, name = ?3, role = ?4, team = ?5, password_hash = ?6, active = ?7 WHERE id = ?1",
            params![user.id.0, user.email, user.name, user.role, user.team, user.password_hash, user.active],
        )?;
        Ok(())
    }

    fn user(&mut self, uid: Id) -> StorageResult<Option<UserRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
            .query_row([uid.0], user_row)
            .optional()?)
    }

    fn user_by_email(&mut self, email: &str) -> StorageResult<Option<UserRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE email = ?1"))?
            .query_row([email], user_row)
            .optional()?)
    }

    fn users(&mut self) -> StorageResult<Vec<UserRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY name"))?
            .query_map([], user_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn upsert_device(&mut self, d: &DeviceRow) -> StorageResult<()> {
        self.conn.execute(
            &format!(
                "INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (id) DO UPDATE SET user_id = ?2, name = ?3, token_hash = ?4, created_at = ?5,
                     last_seen_at = ?6, revoked_at = ?7, last_seq = ?8, series = ?9,
                     wipe_requested_at = ?10, wipe_sent_at = ?11, lease_key = ?12"
            ),
            params![d.id.0, d.user_id.0, d.name, d.token_hash, d.created_at, d.last_seen_at, d.revoked_at, d.last_seq, d.series,
                    d.wipe_requested_at, d.wipe_sent_at, d.lease_key],
        )?;
        Ok(())
    }

    fn records_of(&mut self, entity: EntityKind) -> StorageResult<Vec<StoredRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLS} FROM records WHERE entity = ?1 AND deleted = 0"
            ))?
            .query_map([entity.name()], record_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn case_answers(&mut self) -> StorageResult<Vec<(Id, i64)>> {
        let rows: Vec<(String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT json_extract(data, '$.case_id'), min(json_extract(data, '$.occurred_at'))
                 FROM records
                 WHERE entity = 'interaction' AND json_extract(data, '$.case_id') IS NOT NULL
                   AND deleted = 0
                   AND coalesce(json_extract(data, '$.direction'), 'outbound') <> 'inbound'
                 GROUP BY 1",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, at)| id.parse().ok().map(|id| (id, at)))
            .collect())
    }

    fn insert_intake_key(&mut self, key: &IntakeKey) -> StorageResult<()> {
        self.conn.execute(
            "INSERT INTO intake_keys (id, key_hash, kind, team, name, created_at, revoked_at, routes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                key.id.0,
                key.key_hash,
                key.kind,
                key.team,
                key.name,
                key.created_at,
                key.revoked_at,
                key.routes
            ],
        )?;
        Ok(())
    }

    fn intake_key(&mut self, key_hash: &str) -> StorageResult<Option<IntakeKey>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {INTAKE_COLS} FROM intake_keys WHERE key_hash = ?1"
            ))?
            .query_row([key_hash], intake_row)
            .optional()?)
    }

    fn intake_keys(&mut self) -> StorageResult<Vec<IntakeKey>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {INTAKE_COLS} FROM intake_keys ORDER BY created_at, id"
            ))?
            .query_map([], intake_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn revoke_intake_key(&mut self, id: Id, at_ms: i64) -> StorageResult<bool> {
        Ok(self.conn.execute(
            "UPDATE intake_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
            params![id.0, at_ms],
        )? > 0)
    }

    fn next_counter(&mut self, name: &str) -> StorageResult<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO counters (name, value) VALUES (?1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            )?
            .query_row([name], |r| r.get(0))?)
    }

    fn next_device_series(&mut self) -> StorageResult<u32> {
        // The write transaction is already exclusive in SQLite.
        let series: i64 = self
            .conn
            .prepare_cached(
                "UPDATE counters SET value = value + 1 WHERE name = 'device_series' RETURNING value",
            )?
            .query_row([], |r| r.get(0))?;
        u32::try_from(series)
            .map_err(|_| StorageError::Corrupt(format!("device series {series} out of range")))
    }

    fn device(&mut self, did: Id) -> StorageResult<Option<DeviceRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"))?
            .query_row([did.0], device_row)
            .optional()?)
    }

    fn device_by_token(&mut self, token_hash: &str) -> StorageResult<Option<DeviceRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1"
            ))?
            .query_row([token_hash], device_row)
            .optional()?)
    }

    fn devices(&mut self) -> StorageResult<Vec<DeviceRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices ORDER BY created_at DESC"
            ))?
            .query_map([], device_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn lock_device(&mut self, did: Id) -> StorageResult<Option<DeviceRow>> {
        // The write transaction is already exclusive in SQLite.
        self.device(did)
    }

    fn update_device(&mut self, d: &DeviceRow) -> StorageResult<()> {
        self.upsert_device(d)
    }

    fn op_at(&mut self, device: Id, seq: i64) -> StorageResult<Option<Id>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT op_id FROM device_ops WHERE device_id = ?1 AND device_seq = ?2",
            )?
            .query_row(params![device.0, seq], |r| id(r, 0))
            .optional()?)
    }

    fn remember_op(&mut self, device: Id, seq: i64, op_id: Id) -> StorageResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO device_ops (device_id, device_seq, op_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device_id, device_seq) DO UPDATE SET op_id = ?3",
            )?
            .execute(params![device.0, seq, op_id.0])?;
        Ok(())
    }

    fn login_failures(
        &mut self,
        email: &str,
        client: &str,
        since_ms: i64,
    ) -> StorageResult<(i64, Option<i64>)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*), max(at) FROM login_failures WHERE email = ?1 AND client = ?2 AND at >= ?3",
            )?
            .query_row(params![email, client, since_ms], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
    }

    fn add_login_failure(&mut self, email: &str, client: &str, at_ms: i64) -> StorageResult<()> {
        self.conn
            .prepare_cached("INSERT INTO login_failures (email, client, at) VALUES (?1, ?2, ?3)")?
            .execute(params![email, client, at_ms])?;
        Ok(())
    }

    fn clear_login_failures(&mut self, email: &str, client: &str) -> StorageResult<()> {
        self.conn
            .prepare_cached("DELETE FROM login_failures WHERE email = ?1 AND client = ?2")?
            .execute([email, client])?;
        Ok(())
    }

    fn forget_login_failures(&mut self, before_ms: i64) -> StorageResult<()> {
        self.conn
            .prepare_cached("DELETE FROM login_failures WHERE at < ?1")?
            .execute([before_ms])?;
        Ok(())
    }

    fn next_seq(&mut self, n: i64) -> StorageResult<i64> {
        let last: i64 = self
            .conn
            .prepare_cached(
                "UPDATE counters SET value = value + ?1 WHERE name = 'change_seq' RETURNING value",
            )?
            .query_row([n], |r| r.get(0))?;
        Ok(last - n + 1)
    }

    fn last_seq(&mut self) -> StorageResult<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM counters WHERE name = 'change_seq'")?
            .query_row([], |r| r.get(0))?)
    }

    fn record(&mut self, rid: Id) -> StorageResult<Option<StoredRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {RECORD_COLS} FROM records WHERE id = ?1"))?
            .query_row([rid.0], record_row)
            .optional()?)
    }

    fn holder_of(
        &mut self,
        entity: EntityKind,
        field: &str,
        value: &str,
        except: Id,
    ) -> StorageResult<Option<Id>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM records WHERE entity = ?1 AND deleted = 0 AND id != ?4
                 AND json_extract(data, '$.' || ?2) = ?3 LIMIT 1",
            )?
            .query_row(params![entity.name(), field, value, except.0], |r| {
                r.get(0).map(Id)
            })
            .optional()?)
    }

    fn put_record(&mut self, r: &StoredRecord) -> StorageResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO records ({RECORD_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (id) DO UPDATE SET data = ?3, versions = ?4, deleted = ?5, hlc = ?6, changed_by = ?7,
                     scope_user = ?9, scope_team = ?10, extra_user = ?11, parent_id = ?12, change_seq = ?13,
                     extra_team = ?14"
            ))?
            .execute(params![
                r.entity.name(),
                r.id.0,
                json(&r.data)?,
                json(&r.versions)?,
                r.deleted,
                r.hlc.to_string(),
                r.changed_by.0,
                r.created_by.0,
                r.scope_user.map(|u| u.0),
                r.scope_team,
                r.extra_user.map(|u| u.0),
                r.parent_id.map(|a| a.0),
                r.change_seq,
                r.extra_team,
            ])?;
        Ok(())
    }

    fn children_of(&mut self, parent_id: Id) -> StorageResult<Vec<StoredRecord>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLS} FROM records WHERE parent_id = ?1"
            ))?
            .query_map([parent_id.0], record_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn add_exit(&mut self, e: &Exit) -> StorageResult<()> {
        self.conn
            .prepare_cached("INSERT INTO exits (change_seq, entity, id, old_user, old_team) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![e.change_seq, e.entity.name(), e.id.0, e.old_user.map(|u| u.0), e.old_team])?;
        Ok(())
    }

    fn changes_since(
        &mut self,
        viewer: &Viewer,
        cursor: i64,
        limit: u32,
        max_bytes: usize,
    ) -> StorageResult<Vec<StoredRecord>> {
        let sql = format!(
            "SELECT {PULL_COLS} FROM records WHERE change_seq > ?1 AND {VISIBLE} ORDER BY change_seq LIMIT ?5"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                cursor,
                viewer.user_id.0,
                viewer.team,
                viewer.role,
                i64::from(limit) + 1
            ],
            record_row,
        )?;
        // Rows are read one at a time: stop once past the byte budget.
        let mut records = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let record = row?;
            bytes += data_bytes(&record.data);
            records.push(record);
            if bytes > max_bytes {
                break;
            }
        }
        Ok(records)
    }

    fn exits_since(
        &mut self,
        viewer: &Viewer,
        cursor: i64,
        limit: u32,
    ) -> StorageResult<Vec<Exit>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT change_seq, entity, id, old_user, old_team FROM exits
                 WHERE change_seq > ?1 AND ?4 <> 'admin'
                   AND (old_user = ?2 OR (?4 IN ('manager', 'support') AND ?3 IS NOT NULL AND old_team = ?3))
                 ORDER BY change_seq LIMIT ?5",
            )?
            .query_map(
                params![
                    cursor,
                    viewer.user_id.0,
                    viewer.team,
                    viewer.role,
                    i64::from(limit) + 1
                ],
                exit_row,
            )?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn horizon(&mut self) -> StorageResult<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM counters WHERE name = 'horizon'")?
            .query_row([], |r| r.get(0))?)
    }

    fn purge_tombstones(&mut self, before_ms: i64) -> StorageResult<usize> {
        // HLC text starts with the zero-padded wall time, so it compares as text.
        let before = Hlc {
            wall_ms: before_ms.max(0).unsigned_abs(),
            counter: 0,
            node: String::new(),
        }
        .to_string();
        let max: Option<i64> = self.conn.query_row(
            "SELECT max(change_seq) FROM records WHERE deleted AND hlc < ?1",
            [&before],
            |r| r.get(0),
        )?;
        let Some(max) = max else { return Ok(0) };
        let purged = self.conn.execute(
            "DELETE FROM records WHERE deleted AND change_seq <= ?1",
            [max],
        )?;
        self.conn
            .execute("DELETE FROM exits WHERE change_seq <= ?1", [max])?;
        self.conn.execute(
            "UPDATE counters SET value = max(value, ?1) WHERE name = 'horizon'",
            [max],
        )?;
        Ok(purged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database holds password and token hashes: a new one, its WAL and
    /// the directories the server made for it are the server user's alone.
    #[cfg(unix)]
    #[test]
    fn a_new_database_and_its_directory_are_private_to_the_server_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("crm-server");
        let path = made.join("data").join("server.db");
        let db = SqliteBackend::open(&path).expect("opens");
        db.write(|tx| tx.next_seq(1)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600, "the database file");
        let wal = path.with_file_name("server.db-wal");
        assert!(wal.exists(), "WAL mode makes a -wal file");
        assert_eq!(mode(&wal), 0o600, "its WAL");
        assert_eq!(
            mode(&path.with_file_name("server.db-shm")),
            0o600,
            "its shm"
        );
        assert_eq!(mode(&made), 0o700, "the directory the server made");
        assert_eq!(mode(&made.join("data")), 0o700, "and the one inside");
        drop(db);
        // Reopening an existing database keeps it working (and as it is).
        SqliteBackend::open(&path).expect("reopens");
        assert_eq!(mode(&path), 0o600);
    }

    /// A server database of the first release, with an interaction on a lead
    /// and a conflict about an account: migrating keeps every record and gives
    /// both the record they hang under, so they move with it.
    #[test]
    fn migrating_a_first_release_database_keeps_every_record_and_finds_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let lead = Id::new();
        let account = Id::new();
        let (call, conflict, contact) = (Id::new(), Id::new(), Id::new());
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let user = Id::new();
            let mut insert = conn
                .prepare(
                    "INSERT INTO records (id, entity, data, versions, deleted, hlc, changed_by, created_by, account_id, change_seq)
                     VALUES (?1, ?2, ?3, '{}', 0, ?7, ?4, ?4, ?5, ?6)",
                )
                .unwrap();
            for (seq, (id, entity, data, parent)) in [
                (lead, "lead", serde_json::json!({"name": "Li"}), None),
                (
                    account,
                    "account",
                    serde_json::json!({"name": "Acme"}),
                    None,
                ),
                (
                    call,
                    "interaction",
                    serde_json::json!({"subject": "call", "lead_id": lead.to_string()}),
                    None,
                ),
                (
                    conflict,
                    "conflict",
                    serde_json::json!({"record_id": account.to_string()}),
                    None,
                ),
                (
                    contact,
                    "contact",
                    serde_json::json!({"account_id": account.to_string()}),
                    Some(account),
                ),
            ]
            .into_iter()
            .enumerate()
            {
                insert
                    .execute(rusqlite::params![
                        id.0,
                        entity,
                        data.to_string(),
                        user.0,
                        parent.map(|p: Id| p.0),
                        seq as i64 + 1,
                        Hlc::zero("server").to_string()
                    ])
                    .unwrap();
            }
        }
        let db = SqliteBackend::open(&path).expect("migrates");
        db.read(|tx| {
            let children = |tx: &mut dyn Tx, parent: Id| -> StorageResult<Vec<Id>> {
                let mut ids: Vec<Id> = tx.children_of(parent)?.into_iter().map(|r| r.id).collect();
                ids.sort();
                Ok(ids)
            };
            assert_eq!(
                children(tx, lead)?,
                vec![call],
                "the call hangs under its lead"
            );
            let mut under_account = vec![conflict, contact];
            under_account.sort();
            assert_eq!(children(tx, account)?, under_account);
            for id in [lead, account, call, conflict, contact] {
                assert!(tx.record(id)?.is_some(), "every record is kept");
            }
            Ok(())
        })
        .unwrap();
    }

    /// A database of the fifth version with devices registered: migrating
    /// gives each a series in the order they were registered (then by id),
    /// and the next device the one after.
    #[test]
    fn migrating_gives_every_registered_device_a_series_in_the_order_they_came() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let ana = Id::new();
        // (id, registered at): the first and third came at the same moment.
        let devices = [
            (Id(Uuid::from_u128(5)), 2_000),
            (Id(Uuid::from_u128(9)), 1_000),
            (Id(Uuid::from_u128(3)), 2_000),
        ];
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..5] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 5).unwrap();
            conn.execute(
                "INSERT INTO users (id, email, name, role, team, password_hash, active)
                 VALUES (?1, 'ana@example.com', 'Ana', 'rep', NULL, '', 1)",
                [ana.0],
            )
            .unwrap();
            for (device, at) in devices {
                conn.execute(
                    "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seq)
                     VALUES (?1, ?2, 'laptop', ?3, ?4, 0)",
                    params![device.0, ana.0, device.to_string(), at],
                )
                .unwrap();
            }
        }
        let db = SqliteBackend::open(&path).expect("migrates");
        let series = db
            .read(|tx| {
                devices
                    .iter()
                    .map(|(device, _)| Ok(tx.device(*device)?.map(|d| d.series)))
                    .collect::<StorageResult<Vec<_>>>()
            })
            .unwrap();
        assert_eq!(
            series,
            [Some(3), Some(1), Some(2)],
            "by registration, then by id"
        );
        assert_eq!(
            db.write(|tx| tx.next_device_series()).unwrap(),
            4,
            "the next device's series comes after them"
        );
    }

    /// A database of the third version, with conflicts as earlier servers
    /// left them: one seen by an extra user, one about an account given to
    /// someone else since, one whose record was purged and that fell into
    /// everyone's view once resolved, and one about a team-wide exchange
    /// rate. Migrating gives each its record's book, and exits to whoever
    /// held one and may no longer see it.
    #[test]
    fn migrating_keeps_conflicts_in_their_records_book() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let rep = |role: &str, team: Option<&str>| UserRow {
            id: Id::new(),
            email: format!("{}@example.com", Id::new()),
            name: role.into(),
            role: role.into(),
            team: team.map(Into::into),
            password_hash: String::new(),
            active: true,
        };
        let (ana, ben, mia, cy, root) = (
            rep("rep", Some("north")),
            rep("rep", Some("north")),
            rep("manager", Some("north")),
            rep("rep", Some("south")),
            rep("admin", None),
        );
        let (kept, given, rate) = (Id::new(), Id::new(), Id::new());
        let (extra, moved, orphan, team_wide) = (Id::new(), Id::new(), Id::new(), Id::new());
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            for u in [&ana, &ben, &mia, &cy, &root] {
                conn.execute(
                    "INSERT INTO users (id, email, name, role, team, password_hash, active) VALUES (?1, ?2, ?3, ?4, ?5, '', 1)",
                    params![u.id.0, u.email, u.name, u.role, u.team],
                )
                .unwrap();
            }
            let mut insert = conn
                .prepare(
                    "INSERT INTO records (id, entity, data, versions, deleted, hlc, changed_by, created_by,
                                          scope_user, scope_team, extra_user, parent_id, change_seq)
                     VALUES (?1, ?2, ?3, '{}', 0, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .unwrap();
            let about = |entity: &str, record: Id| serde_json::json!({"entity": entity, "record_id": record.to_string()});
            let north = Some("north");
            for (seq, (id, entity, data, user, team, extra_user, parent)) in [
                (
                    kept,
                    "account",
                    serde_json::json!({}),
                    Some(ana.id),
                    north,
                    None,
                    None,
                ),
                (
                    given,
                    "account",
                    serde_json::json!({}),
                    Some(cy.id),
                    Some("south"),
                    None,
                    None,
                ),
                (
                    rate,
                    "exchange_rate",
                    serde_json::json!({}),
                    None,
                    None,
                    None,
                    None,
                ),
                // About Ana's account, and seen by Ben, the other author.
                (
                    extra,
                    "conflict",
                    about("account", kept),
                    Some(ana.id),
                    north,
                    Some(ben.id),
                    None,
                ),
                // About an account given to Cy since.
                (
                    moved,
                    "conflict",
                    about("account", given),
                    Some(ana.id),
                    north,
                    None,
                    None,
                ),
                // About a purged deal, resolved: nobody's book.
                (
                    orphan,
                    "conflict",
                    about("opportunity", Id::new()),
                    None,
                    None,
                    None,
                    Some(Id::new()),
                ),
                (
                    team_wide,
                    "conflict",
                    about("exchange_rate", rate),
                    None,
                    None,
                    None,
                    None,
                ),
            ]
            .into_iter()
            .enumerate()
            {
                insert
                    .execute(params![
                        id.0,
                        entity,
                        data.to_string(),
                        Hlc::zero("server").to_string(),
                        ana.id.0,
                        user.map(|u: Id| u.0),
                        team,
                        extra_user.map(|u: Id| u.0),
                        parent.map(|p: Id| p.0),
                        seq as i64 + 1,
                    ])
                    .unwrap();
            }
            conn.execute(
                "UPDATE counters SET value = 7 WHERE name = 'change_seq'",
                [],
            )
            .unwrap();
        }
        let db = SqliteBackend::open(&path).expect("migrates");
        db.read(|tx| {
            let viewer = |u: &UserRow| Viewer {
                user_id: u.id,
                role: u.role.clone(),
                team: u.team.clone(),
            };
            let sees = |tx: &mut dyn Tx, u: &UserRow, id: Id| -> StorageResult<bool> {
                let r = tx.record(id)?.expect("every conflict is kept");
                Ok(viewer(u).sees(&r))
            };
            let exits_of = |tx: &mut dyn Tx, u: &UserRow| -> StorageResult<Vec<Id>> {
                Ok(tx
                    .exits_since(&viewer(u), 0, 100)?
                    .into_iter()
                    .map(|e| e.id)
                    .collect())
            };
            let extra_now = tx.record(extra)?.unwrap();
            assert_eq!(extra_now.extra_user, None, "no extra user");
            assert_eq!(extra_now.parent_id, Some(kept), "it hangs under its record");
            assert!(sees(tx, &ana, extra)? && !sees(tx, &ben, extra)?);
            assert!(
                exits_of(tx, &ben)?.contains(&extra),
                "Ben's laptop drops it"
            );

            assert!(sees(tx, &cy, moved)?, "the account's new owner sees it");
            assert!(!sees(tx, &ana, moved)? && !sees(tx, &mia, moved)?);
            assert!(exits_of(tx, &ana)?.contains(&moved));
            assert!(tx.record(moved)?.unwrap().change_seq > 7, "pulled anew");

            for u in [&ana, &ben, &mia, &cy] {
                assert!(
                    !sees(tx, u, orphan)?,
                    "the purged record's conflict is nobody's"
                );
                assert!(exits_of(tx, u)?.contains(&orphan), "every laptop drops it");
            }
            assert!(sees(tx, &root, orphan)?, "but an admin's");
            for u in [&ana, &cy] {
                assert!(
                    sees(tx, u, team_wide)?,
                    "a team-wide record's conflict stays so"
                );
            }
            let last = tx.last_seq()?;
            let mut seqs: Vec<i64> = tx
                .exits_since(&viewer(&ana), 0, 100)?
                .into_iter()
                .map(|e| e.change_seq)
                .collect();
            seqs.dedup();
            assert!(
                seqs.iter().all(|s| *s > 7 && *s <= last),
                "exits are numbered after every change"
            );
            Ok(())
        })
        .unwrap();
    }

    /// A database of the seventh version, with a case given to a support
    /// engineer, its history and a reply written under the account.
    /// Migrating gives the case, its event and its reply their holder (the
    /// engineer and his team), hangs the reply under the case, and numbers
    /// them anew so the engineer's laptop pulls them.
    #[test]
    fn migrating_gives_cases_and_what_hangs_under_them_their_holders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let (ana, sam, sue) = (Id::new(), Id::new(), Id::new());
        let (account, case, event, reply) = (Id::new(), Id::new(), Id::new(), Id::new());
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..7] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 7).unwrap();
            for (id, role, team) in [
                (ana, "rep", "north"),
                (sam, "support", "service"),
                (sue, "support", "service"),
            ] {
                conn.execute(
                    "INSERT INTO users (id, email, name, role, team, password_hash, active) VALUES (?1, ?2, ?3, ?4, ?5, '', 1)",
                    params![id.0, format!("{id}@example.com"), role, role, team],
                )
                .unwrap();
            }
            let mut insert = conn
                .prepare(
                    "INSERT INTO records (id, entity, data, versions, deleted, hlc, changed_by, created_by,
                                          scope_user, scope_team, extra_user, parent_id, change_seq)
                     VALUES (?1, ?2, ?3, '{}', 0, ?4, ?5, ?5, ?5, 'north', NULL, ?6, ?7)",
                )
                .unwrap();
            let hlc = Hlc::zero("server").to_string();
            for (seq, (id, entity, data, parent)) in [
                (account, "account", serde_json::json!({"name": "Acme"}), None),
                (
                    case,
                    "case",
                    serde_json::json!({"account_id": account.to_string(), "owner_id": sam.to_string(), "team": null}),
                    Some(account),
                ),
                (event, "case_event", serde_json::json!({"case_id": case.to_string()}), Some(case)),
                (
                    reply,
                    "interaction",
                    serde_json::json!({"account_id": account.to_string(), "case_id": case.to_string()}),
                    Some(account),
                ),
            ]
            .into_iter()
            .enumerate()
            {
                insert
                    .execute(params![id.0, entity, data.to_string(), hlc, ana.0, parent.map(|p: Id| p.0), seq as i64 + 1])
                    .unwrap();
            }
            conn.execute(
                "UPDATE counters SET value = 4 WHERE name = 'change_seq'",
                [],
            )
            .unwrap();
        }
        let db = SqliteBackend::open(&path).expect("migrates");
        db.read(|tx| {
            let support = |user_id: Id| Viewer {
                user_id,
                role: "support".into(),
                team: Some("service".into()),
            };
            for id in [case, event, reply] {
                let r = tx.record(id)?.unwrap();
                assert_eq!(
                    (r.extra_user, r.extra_team.as_deref()),
                    (Some(sam), Some("service")),
                    "{} is held by Sam and his team",
                    r.entity
                );
                assert_eq!(r.scope_user, Some(ana), "and stays in Ana's book");
                assert!(r.change_seq > 4, "numbered anew, so it is pulled");
                assert!(support(sam).sees(&r) && support(sue).sees(&r));
            }
            assert_eq!(
                tx.record(reply)?.unwrap().parent_id,
                Some(case),
                "the reply hangs under its case"
            );
            let account = tx.record(account)?.unwrap();
            assert!(!support(sam).sees(&account), "the account stays Ana's");
            assert_eq!(account.change_seq, 1);
            assert_eq!(tx.last_seq()?, 7, "three records numbered anew");
            Ok(())
        })
        .unwrap();
    }
}
