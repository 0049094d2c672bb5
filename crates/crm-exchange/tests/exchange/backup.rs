//! Backups are consistent copies; a restore checks what it restores.

use crm_domain::EntityKind;
use crm_store::{Store, StoreError};
use serde_json::json;

use crate::{Fixture, count, insert};

fn snapshot(store: &Store) -> (i64, i64, i64, Vec<String>) {
    let names = store
        .record_ids(EntityKind::Account)
        .unwrap()
        .into_iter()
        .map(|id| store.account(id).unwrap().name)
        .collect();
    (
        count(store, "accounts"),
        count(store, "leads"),
        store.outbox_len().unwrap(),
        names,
    )
}

#[test]
fn backup_then_restore_gives_the_same_data() {
    let Fixture { mut store, dir } = Fixture::new();
    insert(
        &mut store,
        EntityKind::Account,
        &[("name", json!("北京星辰科技有限公司"))],
    );
    insert(
        &mut store,
        EntityKind::Lead,
        &[("name", json!("José Méndez"))],
    );
    let before = snapshot(&store);
    let file = dir.path().join("backups/crm-2026-11-23.db");
    let info = store.backup(&file).unwrap();
    assert!(info.bytes > 0);
    assert!(
        !dir.path().join("backups/crm-2026-11-23.db-wal").exists(),
        "a backup is one self-contained file"
    );
    let again = store.backup(&file).unwrap_err();
    assert_eq!(
        again.code(),
        "refused",
        "an existing file is not overwritten"
    );
    let backup_bytes = std::fs::read(&file).unwrap();

    // Work goes on after the backup, then the user restores it.
    insert(&mut store, EntityKind::Account, &[("name", json!("Later"))]);
    let live = store.path().to_owned();
    drop(store);
    let restored = Store::restore(&live, &file).unwrap();
    let previous = restored.previous.expect("the replaced database is kept");
    assert!(previous.exists());
    let live_store = Store::open(&live).unwrap();
    assert_eq!(
        snapshot(&live_store),
        before,
        "the backup's data, nothing after it"
    );
    let kept = Store::open(&previous).unwrap();
    assert_eq!(
        count(&kept, "accounts"),
        2,
        "the replaced database still has the later work"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        backup_bytes,
        "the backup itself is only read"
    );
}

#[test]
fn restoring_a_file_that_is_not_a_crm_backup_is_refused_and_changes_nothing() {
    let fx = Fixture::new();
    let live = fx.store.path().to_owned();
    let bytes_before = std::fs::read(&live).unwrap();
    let text = fx.dir.path().join("contacts.csv");
    std::fs::write(&text, "name,phone\nAna,123\n").unwrap();
    let err = Store::restore(&live, &text).unwrap_err();
    assert!(matches!(err, StoreError::NotCrmDatabase(_)), "{err:?}");

    let other_sqlite = fx.dir.path().join("other.db");
    rusqlite::Connection::open(&other_sqlite)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let err = Store::restore(&live, &other_sqlite).unwrap_err();
    assert!(matches!(err, StoreError::NotCrmDatabase(_)), "{err:?}");
    let err = Store::restore(&live, &fx.dir.path().join("missing.db")).unwrap_err();
    assert_eq!(err.code(), "io");

    assert_eq!(
        std::fs::read(&live).unwrap(),
        bytes_before,
        "the live database is untouched"
    );
    let names: Vec<_> = std::fs::read_dir(fx.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("before-restore")),
        "nothing was moved aside: {names:?}"
    );
}

#[cfg(unix)]
#[test]
fn the_book_and_its_backups_are_the_owners_alone_and_hold_no_credential() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let Fixture { mut store, dir } = Fixture::new();
    assert_eq!(
        mode(store.path()),
        0o600,
        "other local users cannot read it"
    );
    let user = crm_domain::User {
        id: store.user_id(),
        name: "Li Wei".into(),
        email: Some("li.wei@example.com".into()),
        role: "rep".into(),
        team: None,
        active: true,
    };
    store
        .record_login(
            "https://crm.example.com",
            "li.wei@example.com",
            "secret-token",
            &user,
            Some(7),
        )
        .unwrap();
    let file = dir.path().join("usb/crm-backup.db");
    store.backup(&file).unwrap();
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir.path().join("usb")), 0o700);
    let copy = rusqlite::Connection::open(&file).unwrap();
    let token: Option<String> = copy
        .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
        .unwrap();
    assert_eq!(token, None, "a lost backup does not sign anyone in");
    assert!(
        !String::from_utf8_lossy(&std::fs::read(&file).unwrap()).contains("secret-token"),
        "not even in a free page"
    );
    assert_eq!(
        store.sync_config().unwrap().unwrap().token.as_deref(),
        Some("secret-token"),
        "the laptop itself stays signed in"
    );

    // Restored elsewhere, the copy is a new device: while this laptop goes
    // on numbering documents under its series, the copy numbers none until
    // it signs in and the server gives it its own.
    let elsewhere = dir.path().join("elsewhere/crm.db");
    Store::restore(&elsewhere, &file).unwrap();
    let copy = Store::open(&elsewhere).unwrap();
    assert_eq!(copy.series().unwrap(), None, "not this laptop's series");
    assert_eq!(store.series().unwrap(), Some(7));
}
