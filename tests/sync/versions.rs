//! Case 11: laptop and server on different schema versions, both ways. The
//! queue is never dropped; the answer says who must update.

use crm_domain::{EntityKind, change::SCHEMA_VERSION};
use crm_system_tests::Laptop;

use crate::team;

fn set_schema_version(laptop: &Laptop, version: i64) {
    laptop
        .store
        .conn()
        .execute("UPDATE outbox SET schema_version = ?1", [version])
        .expect("rewrite the queued ops' version");
}

#[test]
fn case_11_a_newer_laptop_and_an_older_laptop() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let account = ana.account("Versioned SL");
    // Ops written by a newer app than the server knows.
    set_schema_version(&ana, i64::from(SCHEMA_VERSION) + 1);
    let err = ana.try_sync().expect_err("server too old");
    assert!(
        matches!(&err, crm_sync::SyncError::Server { code, .. } if code == "server_too_old"),
        "{err}"
    );
    assert_eq!(ana.pending(), 1, "the queue is kept");
    // Ops from an app too old for the server.
    set_schema_version(&ana, 0);
    let err = ana.try_sync().expect_err("upgrade required");
    assert!(
        matches!(&err, crm_sync::SyncError::Server { code, .. } if code == "upgrade_required"),
        "{err}"
    );
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(ana.pending(), 1, "the queue is kept");
    // After the update, everything goes through.
    set_schema_version(&ana, i64::from(SCHEMA_VERSION));
    ana.sync();
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert!(boss.field(EntityKind::Account, account, "name").is_some());
}
