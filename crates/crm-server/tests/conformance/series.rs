//! A device's series: a number no other device of the team has, under which
//! its laptop numbers the documents it makes offline (`Q7-00012`: series 7,
//! its 12th quote), so no customer sees two documents with one number. The
//! server gives it when it first registers a device (a login with a new
//! device id, or a restored laptop renewed as a new device), and a device
//! keeps it for its later logins.

use std::{collections::BTreeSet, sync::Barrier, thread};

use crm_domain::Id;
use crm_server::{
    Database,
    auth::{self, Attempt, Registration},
    backend::{Backend, DeviceRow},
};

use crate::support::{Fixture, NOW, Team, conformance};

conformance!(db:
    each_device_gets_its_own_series_and_keeps_it_when_it_logs_in_again,
    a_renewed_device_gets_a_series_of_its_own,
);
conformance!(fixture: devices_registered_at_once_by_two_servers_never_share_a_series);

const PASSWORD: &str = "correct horse battery";

/// Every device's series, which must all differ.
fn all_series(db: &impl Backend) -> BTreeSet<u32> {
    let devices = db.read(|tx| tx.devices()).unwrap();
    let series: BTreeSet<u32> = devices.iter().map(|d| d.series).collect();
    assert_eq!(
        series.len(),
        devices.len(),
        "no two devices share a series: {devices:?}"
    );
    series
}

fn each_device_gets_its_own_series_and_keeps_it_when_it_logs_in_again(db: &impl Backend) {
    let team = Team::create(db);
    let mut ana = team.ana.user.clone();
    ana.password_hash = auth::hash_password(PASSWORD);
    db.write(|tx| tx.update_user(&ana)).unwrap();
    let login = |device_id: Id| -> Registration {
        auth::login(
            db,
            Attempt {
                email: "ana@example.com",
                password: PASSWORD,
                device_id,
                device_name: "Ana's laptop",
                client: "192.0.2.1",
                now_ms: NOW,
            },
        )
        .expect("Ana logs in")
        .1
    };
    let before = all_series(db);
    let (laptop, other) = (Id::new(), Id::new());
    let first = login(laptop);
    let second = login(other);
    assert_ne!(first.series, second.series, "two new devices, two series");
    for s in [first.series, second.series] {
        assert!(
            !before.contains(&s),
            "a new device takes a series nobody has"
        );
    }
    assert_eq!(all_series(db).len(), before.len() + 2);

    // Logging in again on the same laptop (a new token) keeps its series,
    // so the documents it made and will make stay under one.
    let again = login(laptop);
    assert_ne!(again.token, first.token);
    assert_eq!(
        again.series, first.series,
        "the same device keeps its series"
    );
    let stored = db.read(|tx| tx.device(laptop)).unwrap().unwrap();
    assert_eq!(stored.series, first.series);
    // So does a device registered before (the team's), logging in again.
    let registered = db
        .read(|tx| tx.device(team.ana.device_id))
        .unwrap()
        .unwrap();
    assert_eq!(login(team.ana.device_id).series, registered.series);
    assert_eq!(all_series(db).len(), before.len() + 2, "no device added");
}

/// A disk image of a laptop may live on in another machine under the old
/// device: the renewed device must not number documents under its series.
fn a_renewed_device_gets_a_series_of_its_own(db: &impl Backend) {
    let team = Team::create(db);
    let device: DeviceRow = db
        .read(|tx| tx.device(team.ana.device_id))
        .unwrap()
        .unwrap();
    let renewed_id = Id::new();
    let renewal = auth::renew_device(db, &device, renewed_id, NOW).unwrap();
    assert_ne!(renewal.series, device.series, "a series of its own");
    assert_eq!(
        db.read(|tx| tx.device(renewed_id))
            .unwrap()
            .map(|d| d.series),
        Some(renewal.series)
    );
    assert_eq!(
        db.read(|tx| tx.device(device.id))
            .unwrap()
            .map(|d| d.series),
        Some(device.series),
        "the old device keeps its own"
    );
    // A second copy of the same image, renewed too: a third series.
    let another = auth::renew_device(db, &device, Id::new(), NOW).unwrap();
    assert!(![device.series, renewal.series].contains(&another.series));
    all_series(db);
}

/// Two server processes over one database (several stateless processes
/// serve one team on PostgreSQL), each registering devices from two threads
/// at once: every device gets a series of its own, handed out one after
/// another.
fn devices_registered_at_once_by_two_servers_never_share_a_series(fx: &Fixture) {
    const THREADS_PER_SERVER: usize = 2;
    const EACH: usize = 20;
    let other = Database::open(&fx.url).expect("a second server process opens the database");
    let team = Team::create(&fx.db);
    let before = all_series(&fx.db);
    let device = fx
        .db
        .read(|tx| tx.device(team.ana.device_id))
        .unwrap()
        .unwrap();
    let servers = [&fx.db, &other];
    let barrier = Barrier::new(servers.len() * THREADS_PER_SERVER);
    let given: Vec<u32> = thread::scope(|s| {
        let threads: Vec<_> = servers
            .iter()
            .flat_map(|db| std::iter::repeat_n(*db, THREADS_PER_SERVER))
            .map(|db| {
                let (barrier, device) = (&barrier, &device);
                s.spawn(move || {
                    barrier.wait();
                    (0..EACH)
                        .map(|_| {
                            auth::renew_device(db, device, Id::new(), NOW)
                                .expect("a device registers")
                                .series
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("a registering thread"))
            .collect()
    });
    let distinct: BTreeSet<u32> = given.iter().copied().collect();
    assert_eq!(distinct.len(), given.len(), "no series handed out twice");
    assert!(distinct.is_disjoint(&before));
    let last = before.last().copied().unwrap_or(0);
    let expected = u32::try_from(given.len()).unwrap();
    assert_eq!(
        distinct,
        (last + 1..=last + expected).collect(),
        "one after another, none skipped"
    );
    assert_eq!(all_series(&fx.db).len(), before.len() + given.len());
}
