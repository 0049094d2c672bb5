//! Fresh databases for each test (an SQLite file, or a PostgreSQL database of
//! its own), a small team to sync with, and a builder for the ops laptops push.

use std::{
    collections::BTreeMap,
    io::Write,
    sync::atomic::{AtomicI64, Ordering},
};

use crm_domain::{EntityKind, FieldChange, Hlc, Id, Op, OpKind, change::SCHEMA_VERSION};
use crm_protocol::{Change, PullResponse, Verdict};
use crm_server::{
    Database,
    backend::{Backend, DeviceRow, StoredRecord, UserRow, Viewer},
    sync,
};
use serde_json::Value;
use tempfile::TempDir;

/// The server's clock in every sync test: 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000_000;
/// One minute, for spacing clocks.
pub const MINUTE: i64 = 60_000;
/// The environment variable naming the PostgreSQL server to test against
/// (`scripts/pg start` prints it).
pub const PG_ENV: &str = "CRM_TEST_PG";

/// One test's database. `db` is declared first so it closes before the
/// temporary directory goes or the PostgreSQL database is dropped.
pub struct Fixture {
    pub db: Database,
    /// The URL `db` was opened with, for opening a second handle (a second
    /// server process) on the same database.
    pub url: String,
    _cleanup: Cleanup,
}

/// A database nobody has opened yet (no schema).
pub struct Empty {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = self {
            // FORCE: a pool may still be closing its connections.
            let dropped =
                postgres::Client::connect(admin_url, postgres::NoTls).and_then(|mut admin| {
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                });
            if let Err(e) = dropped {
                let _ = writeln!(
                    std::io::stderr(),
                    "conformance: could not drop test database {name}: {e}"
                );
            }
        }
    }
}

impl Empty {
    /// A path for a new SQLite file in a temporary directory.
    pub fn sqlite() -> Empty {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Empty {
            url: format!("sqlite://{}", dir.path().join("server.db").display()),
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new database on the PostgreSQL server `CRM_TEST_PG` names. The
    /// PostgreSQL tests are ignored by a plain `cargo test`; run (as
    /// `scripts/test` and CI do, with `--include-ignored`) without a server,
    /// they fail: a test that passes without running is a lie.
    pub fn postgres(test: &str) -> Option<Empty> {
        let admin_url = match std::env::var(PG_ENV) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => panic!(
                "{test} runs on PostgreSQL and {PG_ENV} is not set: eval \"$(scripts/pg start)\" first"
            ),
        };
        let name = format!("crm_test_{}", Id::new().0.simple());
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url} does not connect: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create a test database on {admin_url}: {e}"));
        Some(Empty {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Open it as the server does (creating the schema).
    pub fn open(self) -> Fixture {
        let db = Database::open(&self.url).unwrap_or_else(|e| panic!("opening {}: {e}", self.url));
        Fixture {
            db,
            url: self.url,
            _cleanup: self.cleanup,
        }
    }
}

impl Fixture {
    /// A new SQLite database in a temporary directory.
    pub fn sqlite() -> Fixture {
        let fx = Empty::sqlite().open();
        assert!(matches!(fx.db, Database::Sqlite(_)));
        fx
    }

    /// A new PostgreSQL database of its own, or `None` when `CRM_TEST_PG` is
    /// not set.
    pub fn postgres(test: &str) -> Option<Fixture> {
        let fx = Empty::postgres(test)?.open();
        assert!(matches!(fx.db, Database::Postgres(_)));
        Some(fx)
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{authority}/{name}{query}")
}

/// One conformance test per backend: `name::sqlite` always runs, and
/// `name::postgres` when `CRM_TEST_PG` is set. `conformance!(db: f, ...)`
/// hands the test `&Database`; `conformance!(fixture: f, ...)` the whole
/// [`Fixture`] (to open a second handle); `conformance!(empty: f, ...)` an
/// [`Empty`] database nobody opened yet.
macro_rules! conformance {
    (db: $($name:ident),+ $(,)?) => { $(
        mod $name {
            #[test]
            fn sqlite() {
                let fx = crate::support::Fixture::sqlite();
                super::$name(&fx.db);
            }

            #[test]
            #[ignore = "needs PostgreSQL: CRM_TEST_PG (scripts/test starts one and runs it)"]
            fn postgres() {
                if let Some(fx) = crate::support::Fixture::postgres(module_path!()) {
                    super::$name(&fx.db);
                }
            }
        }
    )+ };
    (fixture: $($name:ident),+ $(,)?) => { $(
        mod $name {
            #[test]
            fn sqlite() {
                let fx = crate::support::Fixture::sqlite();
                super::$name(&fx);
            }

            #[test]
            #[ignore = "needs PostgreSQL: CRM_TEST_PG (scripts/test starts one and runs it)"]
            fn postgres() {
                if let Some(fx) = crate::support::Fixture::postgres(module_path!()) {
                    super::$name(&fx);
                }
            }
        }
    )+ };
    (empty: $($name:ident),+ $(,)?) => { $(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(crate::support::Empty::sqlite());
            }

            #[test]
            #[ignore = "needs PostgreSQL: CRM_TEST_PG (scripts/test starts one and runs it)"]
            fn postgres() {
                if let Some(empty) = crate::support::Empty::postgres(module_path!()) {
                    super::$name(empty);
                }
            }
        }
    )+ };
}
pub(crate) use conformance;

/// An HLC at `ms`, on node `node`.
pub fn hlc(ms: i64, node: &str) -> Hlc {
    Hlc {
        wall_ms: ms.unsigned_abs(),
        counter: 0,
        node: node.into(),
    }
}

/// A user row (with a placeholder password hash: hashing is auth's business,
/// and slow).
pub fn user(email: &str, name: &str, role: &str, team: Option<&str>) -> UserRow {
    UserRow {
        id: Id::new(),
        email: email.into(),
        name: name.into(),
        role: role.into(),
        team: team.map(Into::into),
        password_hash: "$argon2id$placeholder".into(),
        active: true,
    }
}

/// A record with every field set, for storage round trips.
pub fn record(entity: EntityKind, change_seq: i64, by: Id) -> StoredRecord {
    StoredRecord {
        entity,
        id: Id::new(),
        data: BTreeMap::new(),
        versions: BTreeMap::new(),
        deleted: false,
        hlc: hlc(NOW, "0000000000000001"),
        changed_by: by,
        created_by: by,
        scope_user: Some(by),
        scope_team: None,
        extra_user: None,
        extra_team: None,
        parent_id: None,
        change_seq,
    }
}

/// A viewer.
pub fn viewer(user_id: Id, role: &str, team: Option<&str>) -> Viewer {
    Viewer {
        user_id,
        role: role.into(),
        team: team.map(Into::into),
    }
}

/// A laptop of one user: it numbers its ops and stamps them with its node.
pub struct Laptop {
    pub user: UserRow,
    pub device_id: Id,
    node: String,
    seq: AtomicI64,
}

impl Laptop {
    /// The laptop `device_id` of `user`, its ops stamped by node `n`.
    pub fn new(user: UserRow, device_id: Id, n: u8) -> Laptop {
        Laptop {
            user,
            device_id,
            node: format!("{n:016x}"),
            seq: AtomicI64::new(0),
        }
    }

    /// The next op of this laptop, dated `at_ms`. `fields` are (name, base, new).
    pub fn op(
        &self,
        entity: EntityKind,
        record_id: Id,
        kind: OpKind,
        fields: &[(&str, Value, Value)],
        at_ms: i64,
    ) -> Op {
        let device_seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        Op {
            op_id: Id::new(),
            device_id: self.device_id,
            device_seq,
            entity,
            record_id,
            kind,
            fields: fields
                .iter()
                .map(|(name, base, new)| {
                    (
                        (*name).to_owned(),
                        FieldChange {
                            base: base.clone(),
                            new: new.clone(),
                        },
                    )
                })
                .collect(),
            hlc: hlc(at_ms, &self.node),
            author_id: self.user.id,
            schema_version: SCHEMA_VERSION,
        }
    }

    /// An insert of a new record, every field from null.
    pub fn insert(&self, entity: EntityKind, fields: &[(&str, Value)], at_ms: i64) -> Op {
        let fields: Vec<_> = fields
            .iter()
            .map(|(n, v)| (*n, Value::Null, v.clone()))
            .collect();
        self.op(entity, Id::new(), OpKind::Insert, &fields, at_ms)
    }

    /// A delete, by someone who last saw the record as of `seen`.
    pub fn delete(&self, entity: EntityKind, record_id: Id, seen: &Hlc, at_ms: i64) -> Op {
        let seen = Value::String(seen.to_string());
        self.op(
            entity,
            record_id,
            OpKind::Delete,
            &[(sync::SEEN_FIELD, seen, Value::Null)],
            at_ms,
        )
    }

    /// Push `ops` as this laptop, at the server time [`NOW`].
    pub fn push(&self, db: &impl Backend, ops: &[Op]) -> Vec<Verdict> {
        self.push_at(db, ops, NOW)
    }

    /// Push `ops` as this laptop at server time `now_ms`.
    pub fn push_at(&self, db: &impl Backend, ops: &[Op], now_ms: i64) -> Vec<Verdict> {
        let pushed: Vec<sync::Pushed> = ops.iter().cloned().map(sync::Pushed::Op).collect();
        let verdicts = db
            .write(|tx| {
                sync::push(
                    tx,
                    &self.user,
                    self.device_id,
                    SCHEMA_VERSION,
                    &pushed,
                    now_ms,
                )
            })
            .expect("a push is stored");
        assert_eq!(verdicts.len(), ops.len(), "one verdict per op");
        verdicts
    }

    /// Push one op and return its verdict.
    pub fn push_one(&self, db: &impl Backend, op: &Op) -> Verdict {
        self.push(db, std::slice::from_ref(op)).remove(0)
    }

    /// This user as a pull sees them.
    pub fn viewer(&self) -> Viewer {
        sync::viewer_of(&self.user)
    }

    /// One page of this user's changes after `cursor`, as this build's
    /// laptop reads it.
    pub fn pull(&self, db: &impl Backend, cursor: i64, limit: u32) -> Page {
        self.pull_as(db, SCHEMA_VERSION, cursor, limit)
    }

    /// One page as a laptop speaking synced-schema `schema` reads it.
    pub fn pull_as(&self, db: &impl Backend, schema: u32, cursor: i64, limit: u32) -> Page {
        let viewer = self.viewer();
        let page = db
            .read(|tx| sync::pull(tx, &viewer, schema, cursor, limit))
            .expect("a pull reads");
        Page::from(page)
    }

    /// Every change after `cursor`, page by page; returns them and the final cursor.
    pub fn pull_all(&self, db: &impl Backend, cursor: i64) -> (Vec<Change>, i64) {
        let mut cursor = cursor;
        let mut changes = Vec::new();
        loop {
            let page = self.pull(db, cursor, 1_000);
            assert!(!page.resync, "no resync expected");
            changes.extend(page.changes);
            cursor = page.cursor;
            if !page.more {
                return (changes, cursor);
            }
        }
    }
}

/// The team every sync test works with: north has a manager and two reps,
/// south one rep, and an admin without a team.
pub struct Team {
    pub admin: Laptop,
    pub manager: Laptop,
    pub ana: Laptop,
    pub ben: Laptop,
    pub cy: Laptop,
}

impl Team {
    /// Store the team's users (published to the directory, as `user add`
    /// does) and one registered laptop each.
    pub fn create(db: &impl Backend) -> Team {
        Team {
            admin: Team::join(db, "admin@example.com", "admin", "admin", None, 1),
            manager: Team::join(db, "mia@example.com", "mia", "manager", Some("north"), 2),
            ana: Team::join(db, "ana@example.com", "ana", "rep", Some("north"), 3),
            ben: Team::join(db, "ben@example.com", "ben", "rep", Some("north"), 4),
            cy: Team::join(db, "cy@example.com", "cy", "rep", Some("south"), 5),
        }
    }

    /// One more member with a registered laptop (`n` numbers its device).
    pub fn join(
        db: &impl Backend,
        email: &str,
        name: &str,
        role: &str,
        team: Option<&str>,
        n: u8,
    ) -> Laptop {
        let user = user(email, name, role, team);
        let device_id = Id::new();
        db.write(|tx| {
            tx.insert_user(&user)?;
            sync::publish_user(tx, &user, hlc(NOW - 60 * MINUTE, "server"))?;
            let series = tx.next_device_series()?;
            tx.upsert_device(&DeviceRow {
                id: device_id,
                user_id: user.id,
                name: format!("{name}'s laptop"),
                token_hash: format!("token-of-{device_id}"),
                created_at: NOW - i64::from(n) * MINUTE,
                last_seen_at: None,
                revoked_at: None,
                last_seq: 0,
                series,
                wipe_requested_at: None,
                wipe_sent_at: None,
                lease_key: None,
            })
        })
        .expect("storing a team member");
        Laptop::new(user, device_id, n)
    }
}

/// A stored record, which must exist.
pub fn stored(db: &impl Backend, id: Id) -> StoredRecord {
    db.read(|tx| tx.record(id))
        .expect("reading a record")
        .unwrap_or_else(|| panic!("record {id} is stored"))
}

/// Every stored record as a pull reads them (the admin's view, oldest change
/// first, without field versions).
pub fn all_records(db: &impl Backend) -> Vec<StoredRecord> {
    let admin = viewer(Id::new(), "admin", None);
    db.read(|tx| tx.changes_since(&admin, 0, u32::MAX - 1, usize::MAX))
        .expect("reading every record")
}

/// Conflict records about `record_id`.
pub fn conflicts_about(db: &impl Backend, record_id: Id) -> Vec<StoredRecord> {
    all_records(db)
        .into_iter()
        .filter(|r| {
            r.entity == EntityKind::Conflict
                && r.data.get("record_id") == Some(&Value::String(record_id.to_string()))
        })
        .collect()
}

/// The ids a pull upserted.
pub fn upserted(changes: &[Change]) -> Vec<Id> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Upsert(r) => Some(r.id),
            Change::Remove { .. } => None,
        })
        .collect()
}

/// The ids a pull removed.
pub fn removed(changes: &[Change]) -> Vec<Id> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Remove { id, .. } => Some(*id),
            Change::Upsert(_) => None,
        })
        .collect()
}

/// A pull page whose changes were all understood (a test's laptop speaks the
/// server's version).
#[derive(Debug, Clone)]
pub struct Page {
    /// Changes in sequence order.
    pub changes: Vec<Change>,
    /// The cursor to save.
    pub cursor: i64,
    /// Whether more pages follow.
    pub more: bool,
    /// Start again from 0.
    pub resync: bool,
}

impl From<PullResponse> for Page {
    fn from(page: PullResponse) -> Self {
        Page {
            changes: page
                .changes
                .into_iter()
                .map(|c| c.into_known().expect("every change is understood"))
                .collect(),
            cursor: page.cursor,
            more: page.more,
            resync: page.resync,
        }
    }
}
