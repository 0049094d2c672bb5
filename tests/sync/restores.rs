//! A laptop restored by copying its data folder back (an OS backup, a disk
//! image), rather than with `crm restore`: it numbers its new changes with
//! sequence numbers it already spent. The server must not take them for
//! replays; the laptop goes on as a new device, sends them again, says so
//! once, and nothing is lost.

use crm_domain::EntityKind;
use crm_system_tests::Laptop;
use serde_json::json;

use crate::team;

#[test]
fn a_laptop_whose_data_folder_was_copied_back_loses_none_of_its_new_changes() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let before = ana.account("Before the backup");
    ana.sync();
    let backup = ana.copy_data_folder();
    // After the backup: changes sent, numbers spent.
    let after = ana.account("After the backup");
    ana.update(
        EntityKind::Account,
        before,
        &[("phone", json!("+34 600 111 222"))],
    );
    assert_eq!(ana.sync().pushed, 2);
    let old_device = ana.store.device_id();
    let old_series = ana.store.series().unwrap();
    assert!(old_series.is_some(), "the login gave the laptop a series");
    drop(ana);

    // The disk is put back as the backup had it; the rep goes on working.
    let mut ana = Laptop::open_in(backup);
    let made_after_restore = ana.account("Made after the restore");
    ana.update(
        EntityKind::Account,
        before,
        &[("website", json!("https://before.example.com"))],
    );
    assert_eq!(ana.pending(), 2);
    let out = ana.crm(&["sync"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the sync completes: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("copied back") && stdout.contains("nothing was lost"),
        "the rep is told what happened: {stdout}"
    );
    ana.reopen();
    assert_eq!(ana.pending(), 0, "both changes were sent");
    assert_ne!(ana.store.device_id(), old_device, "a new device now");
    let new_series = ana.store.series().unwrap();
    assert!(
        new_series.is_some() && new_series != old_series,
        "with a series of its own: the machine the folder came from may go on \
         numbering documents under the old one ({old_series:?} -> {new_series:?})"
    );
    assert_eq!(
        ana.field(EntityKind::Account, after, "name"),
        Some(json!("After the backup")),
        "what was sent after the backup came back by the pull"
    );

    // Told once: the next sync is an ordinary one.
    let out = ana.crm(&["sync"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !stdout.contains("copied back"),
        "{stdout}"
    );
    ana.reopen();

    // The team has everything: the change made after the restore, and both
    // edits of the same account (each field its own).
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Account, made_after_restore, "name"),
        Some(json!("Made after the restore")),
        "the change made after the restore reached the server"
    );
    assert_eq!(
        boss.field(EntityKind::Account, before, "website"),
        Some(json!("https://before.example.com"))
    );
    assert_eq!(
        boss.field(EntityKind::Account, before, "phone"),
        Some(json!("+34 600 111 222"))
    );

    // And the restored laptop goes on syncing as usual.
    ana.account("Another day");
    let summary = ana.sync();
    assert_eq!((summary.pushed, summary.rejected), (1, 0));
    assert!(!summary.restored_copy);
}
