//! Schema migrations and the refusal to open files that are not ours.

use std::{collections::BTreeMap, path::Path};

use crm_domain::{EntityKind, schema::Storage};
use crm_store::{
    Store, StoreError,
    migrations::{APPLICATION_ID, MIGRATIONS, migrate},
};
use rusqlite::Connection;

use crate::{Fixture, me};

const EXPECTED_TABLES: [&str; 16] = [
    "device",
    "users",
    "accounts",
    "contacts",
    "leads",
    "pipeline_stages",
    "opportunities",
    "interactions",
    "tasks",
    "outbox",
    "field_history",
    "accounts_fts",
    "contacts_fts",
    "leads_fts",
    "opportunities_fts",
    "interactions_fts",
];

fn tables(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn schema_sql(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn user_version(conn: &Connection) -> i64 {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// Every file in `dir` with its bytes, to prove a refused open touched nothing
/// (not the file, and no `-wal`/`-shm` left beside it).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Fail with `why` unless `dir` holds exactly the files of `before`, byte for byte.
fn assert_same_files(before: &BTreeMap<String, Vec<u8>>, dir: &Path, why: &str) {
    let after = files(dir);
    let sizes = |f: &BTreeMap<String, Vec<u8>>| {
        f.iter()
            .map(|(n, b)| (n.clone(), b.len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        sizes(&after),
        sizes(before),
        "{why}: files (name, size) differ"
    );
    for (name, bytes) in before {
        assert!(&after[name] == bytes, "{why}: the bytes of {name} changed");
    }
}

#[test]
fn every_migration_applies_to_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Connection::open(dir.path().join("empty.db")).unwrap();
    assert_eq!(user_version(&conn), 0, "a new file starts at schema 0");

    migrate(&mut conn).expect("every migration must apply to an empty database");

    assert_eq!(
        user_version(&conn),
        MIGRATIONS.len() as i64,
        "user_version must count the migrations that ran"
    );
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(
        app_id, APPLICATION_ID,
        "the file must be marked as a CRM database"
    );
    let present = tables(&conn);
    for table in EXPECTED_TABLES {
        assert!(
            present.iter().any(|t| t == table),
            "table {table} missing after migrating; have {present:?}"
        );
    }
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        integrity, "ok",
        "a freshly migrated file must pass the integrity check"
    );
}

#[test]
fn migrating_an_up_to_date_database_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Connection::open(dir.path().join("twice.db")).unwrap();
    migrate(&mut conn).unwrap();
    let schema = schema_sql(&conn);
    migrate(&mut conn).expect("running the migrations again must be a no-op, not an error");
    assert_eq!(
        schema_sql(&conn),
        schema,
        "a second run must not re-create or alter anything"
    );
    assert_eq!(user_version(&conn), MIGRATIONS.len() as i64);
}

/// The app and `crm` started together on a file from the previous version:
/// both see it old, and each step must run once, not fail the second
/// program with "table already exists" or "busy".
#[test]
fn two_programs_migrating_one_old_file_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    for round in 0..20 {
        let copy = dir.path().join(format!("old-{round}.db"));
        std::fs::copy(&path, &copy).unwrap();
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let programs: Vec<_> = (0..2)
            .map(|_| {
                let (copy, start) = (copy.clone(), std::sync::Arc::clone(&start));
                std::thread::spawn(move || {
                    let mut conn = Connection::open(&copy).unwrap();
                    conn.busy_timeout(std::time::Duration::from_secs(30))
                        .unwrap();
                    start.wait();
                    migrate(&mut conn).map_err(|e| e.to_string())
                })
            })
            .collect();
        for program in programs {
            program
                .join()
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: a program failed to migrate: {e}"));
        }
        let conn = Connection::open(&copy).unwrap();
        assert_eq!(user_version(&conn), MIGRATIONS.len() as i64);
    }
}

#[test]
fn every_domain_field_has_a_column_of_its_storage_class() {
    // The domain's field tables and the SQL schema are written separately; a
    // field without its column would only fail when someone first edits it.
    let fx = Fixture::create();
    let conn = fx.store.conn();
    for entity in EntityKind::ALL {
        let columns: BTreeMap<String, String> = conn
            .prepare(&format!(
                "SELECT name, type FROM pragma_table_info('{}')",
                entity.table()
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for def in entity.fields() {
            let ty = columns.get(def.name).unwrap_or_else(|| {
                panic!(
                    "{entity}.{} has no column in table {}",
                    def.name,
                    entity.table()
                )
            });
            let expected = match def.ty.storage() {
                Storage::Text | Storage::JsonList | Storage::Json => "TEXT",
                Storage::Integer => "INTEGER",
                Storage::Uuid => "BLOB",
            };
            assert_eq!(
                ty, expected,
                "{entity}.{} is stored in a {ty} column",
                def.name
            );
        }
        for system in [
            "id",
            "created_at",
            "created_by",
            "updated_at",
            "hlc",
            "deleted_at",
            "deleted_by",
        ] {
            assert!(
                columns.contains_key(system),
                "{} lacks the system column {system}",
                entity.table()
            );
        }
    }
}

#[test]
fn the_seeded_pipeline_is_the_domain_default() {
    let fx = Fixture::create();
    assert_eq!(
        fx.store.pipeline().unwrap(),
        crm_domain::entity::default_pipeline(),
        "the stages the migration inserts must be the ones the domain declares"
    );
}

#[test]
fn a_created_store_is_at_the_newest_schema_and_reopens_as_the_same_device() {
    let mut fx = Fixture::create();
    assert_eq!(user_version(fx.store.conn()), MIGRATIONS.len() as i64);
    let (device, user) = (fx.store.device_id(), fx.store.user_id());
    fx.reopen();
    assert_eq!(
        fx.store.device_id(),
        device,
        "the device id must survive a restart"
    );
    assert_eq!(
        fx.store.user_id(),
        user,
        "the current user must survive a restart"
    );
    assert_eq!(fx.store.default_currency(), "CNY");
    let me_row = fx.store.find_user(crate::ME).unwrap();
    assert_eq!(
        me_row.id, user,
        "create must record the person in the team directory"
    );
}

#[test]
fn creating_over_an_existing_crm_database_is_refused() {
    let fx = Fixture::create();
    let path = fx.store.path().to_owned();
    let err = Store::create(&path, &me()).expect_err("a second create must not replace the device");
    assert!(
        matches!(err, StoreError::Refused(_)),
        "expected Refused, got {err:?}"
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let fx = Fixture::create();
    let path = fx.store.path().to_owned();
    drop(fx.store);
    let newer = MIGRATIONS.len() as i64 + 1;
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
    }
    let before = files(fx.dir.path());

    let err = Store::open(&path).expect_err("a newer schema must not be opened");
    match err {
        StoreError::TooNew { found, known, .. } => {
            assert_eq!(found, newer, "the error must say which schema the file has");
            assert_eq!(known, MIGRATIONS.len() as i64, "and which this build knows");
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert_database_untouched(&before, fx.dir.path(), "a refused open");

    let err =
        Store::create(&path, &me()).expect_err("create must not touch a newer database either");
    assert!(
        matches!(err, StoreError::TooNew { .. }),
        "expected TooNew from create, got {err:?}"
    );
    assert_database_untouched(&before, fx.dir.path(), "a refused create");
}

/// The database file of `before` is byte-identical and nothing was written
/// beside it. Reading a WAL-mode database, even read-only, makes SQLite create
/// its `-shm` index and an empty `-wal` next to it, which a read-only
/// connection cannot remove; those are tolerated as long as the `-wal` holds
/// nothing, i.e. not one page was written.
fn assert_database_untouched(before: &BTreeMap<String, Vec<u8>>, dir: &Path, why: &str) {
    let after = files(dir);
    for (name, bytes) in before {
        let now = after
            .get(name)
            .unwrap_or_else(|| panic!("{why}: {name} disappeared"));
        assert!(
            now == bytes,
            "{why}: the bytes of {name} changed ({} -> {} bytes)",
            bytes.len(),
            now.len()
        );
    }
    for (name, bytes) in &after {
        if before.contains_key(name) {
            continue;
        }
        assert!(
            name.ends_with("-shm") || name.ends_with("-wal"),
            "{why}: created {name} beside the database"
        );
        if name.ends_with("-wal") {
            assert!(
                bytes.is_empty(),
                "{why}: {} bytes were written to {name}",
                bytes.len()
            );
        }
    }
}

#[test]
fn a_text_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    std::fs::write(
        &path,
        "name,phone\nAna Méndez,+34 911 234 567\n北京星辰科技有限公司,+86 10 1234 5678\n",
    )
    .unwrap();
    let before = files(dir.path());

    let err = Store::open(&path).expect_err("a text file is not a CRM database");
    assert!(
        matches!(err, StoreError::NotCrmDatabase(_)),
        "expected NotCrmDatabase, got {err:?}"
    );
    assert_same_files(
        &before,
        dir.path(),
        "the user's text file must be left byte-identical",
    );

    let err = Store::create(&path, &me()).expect_err("create must not overwrite a text file");
    assert!(
        matches!(err, StoreError::NotCrmDatabase(_)),
        "expected NotCrmDatabase from create, got {err:?}"
    );
    assert_same_files(
        &before,
        dir.path(),
        "create must leave the text file byte-identical",
    );
}

#[test]
fn another_applications_sqlite_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
             INSERT INTO notes (body) VALUES ('not a customer');",
        )
        .unwrap();
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(app_id, 0, "the other application left application_id at 0");
    }
    let before = files(dir.path());

    let err = Store::open(&path).expect_err("another application's database must not be opened");
    assert!(
        matches!(err, StoreError::NotCrmDatabase(_)),
        "expected NotCrmDatabase, got {err:?}"
    );
    assert_same_files(
        &before,
        dir.path(),
        "the other application's file must be left byte-identical",
    );

    let err = Store::create(&path, &me())
        .expect_err("create must not add our tables to someone else's file");
    assert!(
        matches!(err, StoreError::NotCrmDatabase(_)),
        "expected NotCrmDatabase from create, got {err:?}"
    );
    assert_same_files(
        &before,
        dir.path(),
        "create must leave the other application's file byte-identical",
    );
}

#[test]
fn an_empty_sqlite_file_of_another_application_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", 0x1234_5678)
            .unwrap();
    }
    let before = files(dir.path());
    let err =
        Store::open(&path).expect_err("a file claimed by another application must not be opened");
    assert!(
        matches!(err, StoreError::NotCrmDatabase(_)),
        "expected NotCrmDatabase, got {err:?}"
    );
    assert_same_files(&before, dir.path(), "the file must be left byte-identical");
}

#[test]
fn opening_a_missing_path_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    let err = Store::open(&path).expect_err("there is no database to open");
    assert!(
        matches!(&err, StoreError::Missing(p) if p == &path),
        "expected Missing({path:?}), got {err:?}"
    );
    assert!(
        files(dir.path()).is_empty(),
        "open must not create a file: {:?}",
        files(dir.path()).keys()
    );

    let nested = dir.path().join("not").join("there").join("crm.db");
    let err = Store::open(&nested).expect_err("there is no database to open");
    assert!(
        matches!(err, StoreError::Missing(_)),
        "expected Missing, got {err:?}"
    );
    assert!(
        !dir.path().join("not").exists(),
        "open must not create directories"
    );
}

#[test]
fn opening_an_empty_file_fails_and_leaves_it_empty() {
    // An interrupted `init` or a `touch crm.db` leaves a zero-byte file, which
    // SQLite treats as an empty database. Opening it must not turn it into a
    // half-made CRM database (schema without a device).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    std::fs::write(&path, b"").unwrap();
    let before = files(dir.path());
    let err = Store::open(&path).expect_err("an empty file holds no CRM database");
    assert!(
        matches!(err, StoreError::Missing(_)),
        "expected Missing (run init), got {err:?}"
    );
    assert_same_files(&before, dir.path(), "the empty file must stay empty");

    let store = Store::create(&path, &me()).expect("init over an empty file must work");
    assert_eq!(user_version(store.conn()), MIGRATIONS.len() as i64);
}
