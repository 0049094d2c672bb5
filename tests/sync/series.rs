//! Each laptop numbers the documents it makes offline (`Q7-00012`) under
//! its own series, which the team server gives it when it first registers
//! the device: two laptops never share one, so no customer sees two
//! documents with one number. A laptop restored from a backup is a new
//! device, and gets a new series.

use crm_system_tests::Laptop;

use crate::team;

fn series(laptop: &Laptop) -> u32 {
    laptop
        .store
        .series()
        .expect("reading the series")
        .expect("a logged-in laptop has a series")
}

#[test]
fn every_laptop_gets_a_series_of_its_own_and_a_restored_one_a_new_one() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let li = Laptop::logged_in(&server, "li@example.com");
    // One user on two laptops: two devices, two series.
    let ana_at_home = Laptop::logged_in(&server, "ana@example.com");
    let given = [series(&ana), series(&li), series(&ana_at_home)];
    assert!(
        given[0] != given[1] && given[0] != given[2] && given[1] != given[2],
        "every laptop its own series: {given:?}"
    );

    // Signing in again on the same laptop keeps its series: the documents
    // it made and will make are numbered under one.
    ana.login(&server, "ana@example.com");
    ana.reopen();
    assert_eq!(series(&ana), given[0]);

    // `crm restore` makes the restored database a new device: it numbers
    // nothing under the laptop's series (which may go on making documents),
    // and takes a new one when it signs in.
    let backups = tempfile::tempdir().expect("temp dir");
    let backup = backups.path().join("ana.db");
    ana.store.backup(&backup).expect("backup");
    let mut restored = Laptop::restored(tempfile::tempdir().expect("temp dir"), &backup);
    assert_eq!(
        restored.store.series().unwrap(),
        None,
        "no series until it signs in"
    );
    restored.login(&server, "ana@example.com");
    let renewed = series(&restored);
    assert!(
        !given.contains(&renewed),
        "the restored laptop gets a series nobody has: {renewed} among {given:?}"
    );
    assert_eq!(series(&ana), given[0], "the original keeps its own");
}
