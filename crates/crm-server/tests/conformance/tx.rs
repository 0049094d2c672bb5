//! The storage contract of [`Tx`], method by method: what both backends must
//! do the same way for the sync rules written over them to hold.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Id};
use crm_server::backend::{Backend, DeviceRow, Exit, FieldVersion, StorageError, StoredRecord};
use serde_json::{Value, json};

use crate::support::{MINUTE, NOW, conformance, hlc, record, user, viewer};

conformance!(db:
    users_are_unique_by_email,
    devices_upsert_and_are_found_by_token_and_lock,
    device_series_are_handed_out_once_and_never_shared,
    login_failures_are_counted_per_email_and_client_within_the_window,
    sequence_numbers_are_contiguous_and_survive_only_committed_writes,
    records_round_trip_every_field,
    put_record_replaces_all_but_identity,
    children_are_found_by_their_account,
    changes_since_shows_each_viewer_their_scope,
    changes_since_pages_in_sequence_order,
    exits_concern_the_old_user_and_their_manager,
    purging_tombstones_moves_the_horizon,
);

fn users_are_unique_by_email(db: &impl Backend) {
    let ana = user("ana@example.com", "ana", "rep", Some("north"));
    let ben = user("ben@example.com", "ben", "manager", None);
    db.write(|tx| {
        tx.insert_user(&ana)?;
        tx.insert_user(&ben)
    })
    .expect("two users with different emails");

    let mut impostor = user("ana@example.com", "another ana", "admin", None);
    let refused = db.write(|tx| tx.insert_user(&impostor));
    assert!(
        matches!(refused, Err(StorageError::Conflict(_))),
        "a second user with a taken email is a Conflict, got {refused:?}"
    );

    db.read(|tx| {
        assert_eq!(
            tx.user(ana.id)?,
            Some(ana.clone()),
            "found by id, every field as stored"
        );
        assert_eq!(tx.user_by_email("ben@example.com")?, Some(ben.clone()));
        assert_eq!(
            tx.user(impostor.id)?,
            None,
            "the refused user was not stored"
        );
        assert_eq!(tx.user_by_email("nobody@example.com")?, None);
        assert_eq!(
            tx.users()?,
            vec![ana.clone(), ben.clone()],
            "everyone, by name"
        );
        Ok(())
    })
    .unwrap();

    // Updating replaces every field but the id.
    impostor.id = ana.id;
    impostor.email = "ana.b@example.com".into();
    impostor.active = false;
    impostor.team = None;
    db.write(|tx| tx.update_user(&impostor)).unwrap();
    db.read(|tx| {
        assert_eq!(tx.user(ana.id)?, Some(impostor.clone()));
        assert_eq!(
            tx.user_by_email("ana@example.com")?,
            None,
            "the old email is free again"
        );
        Ok(())
    })
    .unwrap();
    let again = user("ana@example.com", "new ana", "rep", None);
    db.write(|tx| tx.insert_user(&again))
        .expect("a freed email can be taken");
}

fn devices_upsert_and_are_found_by_token_and_lock(db: &impl Backend) {
    let ana = user("ana@example.com", "ana", "rep", None);
    db.write(|tx| tx.insert_user(&ana)).unwrap();
    let laptop = DeviceRow {
        id: Id::new(),
        user_id: ana.id,
        name: "ana's laptop".into(),
        token_hash: "aaaa".into(),
        created_at: NOW,
        last_seen_at: None,
        revoked_at: None,
        last_seq: 0,
        series: 1,
        wipe_requested_at: None,
        wipe_sent_at: None,
        lease_key: None,
    };
    let phone = DeviceRow {
        id: Id::new(),
        name: "ana's other laptop".into(),
        token_hash: "bbbb".into(),
        created_at: NOW + MINUTE,
        series: 2,
        ..laptop.clone()
    };
    db.write(|tx| {
        tx.upsert_device(&laptop)?;
        tx.upsert_device(&phone)
    })
    .unwrap();
    db.read(|tx| {
        assert_eq!(tx.device(laptop.id)?, Some(laptop.clone()));
        assert_eq!(tx.device_by_token("bbbb")?, Some(phone.clone()));
        assert_eq!(tx.device_by_token("cccc")?, None);
        assert_eq!(tx.device(Id::new())?, None);
        assert_eq!(
            tx.devices()?,
            vec![phone.clone(), laptop.clone()],
            "newest first"
        );
        Ok(())
    })
    .unwrap();

    // A new login on the same laptop replaces its token: the old one stops working.
    let relogin = DeviceRow {
        token_hash: "dddd".into(),
        created_at: NOW + 2 * MINUTE,
        last_seq: 7,
        ..laptop.clone()
    };
    db.write(|tx| tx.upsert_device(&relogin)).unwrap();
    db.read(|tx| {
        assert_eq!(
            tx.device_by_token("aaaa")?,
            None,
            "the replaced token no longer matches"
        );
        assert_eq!(tx.device_by_token("dddd")?, Some(relogin.clone()));
        assert_eq!(
            tx.devices()?.len(),
            2,
            "an upsert of a known id adds no device"
        );
        Ok(())
    })
    .unwrap();

    // Locking returns the row; an update saves sequence, last-seen and revocation.
    let mut locked = db
        .write(|tx| tx.lock_device(relogin.id))
        .unwrap()
        .expect("a known device locks");
    assert_eq!(locked, relogin);
    assert_eq!(db.write(|tx| tx.lock_device(Id::new())).unwrap(), None);
    locked.last_seq = 42;
    locked.last_seen_at = Some(NOW + 3 * MINUTE);
    locked.revoked_at = Some(NOW + 4 * MINUTE);
    db.write(|tx| tx.update_device(&locked)).unwrap();
    assert_eq!(db.read(|tx| tx.device(relogin.id)).unwrap(), Some(locked));
}

/// A series names a device in every document number its laptop makes: the
/// counter hands each out once, a write that fails gives back the number it
/// took, and no two devices are stored with one.
fn device_series_are_handed_out_once_and_never_shared(db: &impl Backend) {
    let ana = user("ana@example.com", "ana", "rep", None);
    db.write(|tx| tx.insert_user(&ana)).unwrap();
    let taken = db
        .write(|tx| Ok((tx.next_device_series()?, tx.next_device_series()?)))
        .unwrap();
    assert_eq!(taken, (1, 2), "a new database starts at 1");
    let failed: Result<u32, _> = db.write(|tx| {
        tx.next_device_series()?;
        Err(StorageError::Conflict("the registration failed".into()))
    });
    assert!(failed.is_err());
    let laptop = DeviceRow {
        id: Id::new(),
        user_id: ana.id,
        name: "ana's laptop".into(),
        token_hash: "aaaa".into(),
        created_at: NOW,
        last_seen_at: None,
        revoked_at: None,
        last_seq: 0,
        series: db.write(|tx| tx.next_device_series()).unwrap(),
        wipe_requested_at: None,
        wipe_sent_at: None,
        lease_key: None,
    };
    assert_eq!(laptop.series, 3, "the failed write's number was given back");
    db.write(|tx| tx.upsert_device(&laptop)).unwrap();
    let twin = DeviceRow {
        id: Id::new(),
        token_hash: "bbbb".into(),
        ..laptop.clone()
    };
    assert!(
        db.write(|tx| tx.upsert_device(&twin)).is_err(),
        "a second device with a series another holds is refused"
    );
    assert_eq!(db.read(|tx| tx.device(twin.id)).unwrap(), None);
    assert_eq!(
        db.read(|tx| tx.device(laptop.id))
            .unwrap()
            .map(|d| d.series),
        Some(3)
    );
}

fn login_failures_are_counted_per_email_and_client_within_the_window(db: &impl Backend) {
    let (home, away) = ("192.0.2.1", "2001:db8::/64");
    db.write(|tx| {
        for at in [NOW - 20 * MINUTE, NOW - 10 * MINUTE, NOW - MINUTE, NOW] {
            tx.add_login_failure("ana@example.com", home, at)?;
        }
        tx.add_login_failure("ana@example.com", away, NOW - 2 * MINUTE)?;
        tx.add_login_failure("ben@example.com", home, NOW)
    })
    .unwrap();
    db.read(|tx| {
        assert_eq!(
            tx.login_failures("ana@example.com", home, NOW - 15 * MINUTE)?,
            (3, Some(NOW)),
            "only those since the time, and the last one's time"
        );
        assert_eq!(
            tx.login_failures("ana@example.com", home, NOW - MINUTE)?,
            (2, Some(NOW)),
            "the bound is inclusive"
        );
        assert_eq!(tx.login_failures("ana@example.com", home, 0)?.0, 4);
        assert_eq!(
            tx.login_failures("ana@example.com", away, 0)?,
            (1, Some(NOW - 2 * MINUTE)),
            "each client address has its own"
        );
        assert_eq!(tx.login_failures("ben@example.com", home, 0)?.0, 1);
        assert_eq!(tx.login_failures("cy@example.com", home, 0)?, (0, None));
        Ok(())
    })
    .unwrap();
    db.write(|tx| tx.clear_login_failures("ana@example.com", home))
        .unwrap();
    db.read(|tx| {
        assert_eq!(
            tx.login_failures("ana@example.com", home, 0)?.0,
            0,
            "cleared after a success"
        );
        assert_eq!(
            tx.login_failures("ana@example.com", away, 0)?.0,
            1,
            "the other client keeps its own"
        );
        assert_eq!(
            tx.login_failures("ben@example.com", home, 0)?.0,
            1,
            "other emails keep theirs"
        );
        Ok(())
    })
    .unwrap();
    db.write(|tx| tx.forget_login_failures(NOW - MINUTE))
        .unwrap();
    db.read(|tx| {
        assert_eq!(
            tx.login_failures("ana@example.com", away, 0)?.0,
            0,
            "older than the bound: forgotten"
        );
        assert_eq!(
            tx.login_failures("ben@example.com", home, 0)?.0,
            1,
            "newer: kept"
        );
        Ok(())
    })
    .unwrap();
}

fn sequence_numbers_are_contiguous_and_survive_only_committed_writes(db: &impl Backend) {
    assert_eq!(
        db.read(|tx| tx.last_seq()).unwrap(),
        0,
        "a new database has handed out nothing"
    );
    assert_eq!(
        db.write(|tx| tx.next_seq(1)).unwrap(),
        1,
        "the sequence starts at 1"
    );
    let (a, b, c) = db
        .write(|tx| Ok((tx.next_seq(3)?, tx.next_seq(1)?, tx.last_seq()?)))
        .unwrap();
    assert_eq!(
        (a, b, c),
        (2, 5, 5),
        "a block of 3 is 2..=4; the next number follows it"
    );

    // A write that fails hands nothing out: its numbers are taken again.
    let failed: Result<i64, _> = db.write(|tx| {
        tx.next_seq(10)?;
        Err(StorageError::Conflict("the caller gave up".into()))
    });
    assert!(failed.is_err());
    assert_eq!(
        db.read(|tx| tx.last_seq()).unwrap(),
        5,
        "a rolled-back write leaves no gap"
    );
    assert_eq!(db.write(|tx| tx.next_seq(1)).unwrap(), 6);

    // Nor does it leave anything else behind.
    let ghost = user("ghost@example.com", "ghost", "rep", None);
    let failed: Result<(), _> = db.write(|tx| {
        tx.insert_user(&ghost)?;
        Err(StorageError::Conflict("the caller gave up".into()))
    });
    assert!(failed.is_err());
    assert_eq!(
        db.read(|tx| tx.user(ghost.id)).unwrap(),
        None,
        "rolled back"
    );
}

/// Field values of every shape sync carries, and some it might.
fn awkward_data() -> BTreeMap<String, Value> {
    [
        ("name", json!("Zoë \"Ltd\" \\ 株式会社 🚀")),
        ("empty", json!("")),
        ("nothing", Value::Null),
        ("amount", json!(i64::MAX)),
        ("negative", json!(i64::MIN)),
        ("big", json!(u64::MAX)),
        ("ratio", json!(0.125)),
        ("flag", json!(false)),
        ("tags", json!(["a", "b", "a"])),
        (
            "nested",
            json!({"mine": {"x": [1, null, "y"]}, "theirs": []}),
        ),
        ("multi line", json!("line one\nline two\ttabbed")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn records_round_trip_every_field(db: &impl Backend) {
    let (ana, ben) = (Id::new(), Id::new());
    let account = Id::new();
    let data = awkward_data();
    let versions: BTreeMap<String, FieldVersion> = data
        .keys()
        .enumerate()
        .map(|(i, k)| {
            let v = FieldVersion {
                hlc: hlc(NOW + i as i64, "00000000000000a1"),
                by: if i % 2 == 0 { ana } else { ben },
            };
            (k.clone(), v)
        })
        .collect();
    let full = StoredRecord {
        entity: EntityKind::Contact,
        id: Id::new(),
        data,
        versions,
        deleted: true,
        hlc: crm_domain::Hlc {
            wall_ms: NOW.unsigned_abs(),
            counter: 99_999,
            node: "node-with-dashes".into(),
        },
        changed_by: ben,
        created_by: ana,
        scope_user: Some(ana),
        scope_team: Some("north".into()),
        extra_user: Some(ben),
        extra_team: None,
        parent_id: Some(account),
        change_seq: 1,
    };
    let bare = StoredRecord {
        scope_user: None,
        scope_team: None,
        extra_user: None,
        extra_team: None,
        parent_id: None,
        ..record(EntityKind::Conflict, 2, ana)
    };
    db.write(|tx| {
        tx.next_seq(2)?;
        tx.put_record(&full)?;
        tx.put_record(&bare)
    })
    .unwrap();
    db.read(|tx| {
        assert_eq!(
            tx.record(full.id)?,
            Some(full.clone()),
            "every field and JSON value comes back as put"
        );
        assert_eq!(
            tx.record(bare.id)?,
            Some(bare.clone()),
            "absent options stay absent"
        );
        assert_eq!(tx.record(Id::new())?, None);
        Ok(())
    })
    .unwrap();
}

fn put_record_replaces_all_but_identity(db: &impl Backend) {
    let (ana, ben) = (Id::new(), Id::new());
    let first = StoredRecord {
        data: [("name".to_owned(), json!("Acme"))].into(),
        ..record(EntityKind::Account, 1, ana)
    };
    db.write(|tx| {
        tx.next_seq(1)?;
        tx.put_record(&first)
    })
    .unwrap();
    let second = StoredRecord {
        data: [
            ("name".to_owned(), json!("Acme Corp")),
            ("phone".to_owned(), json!("+1 555")),
        ]
        .into(),
        versions: [(
            "phone".to_owned(),
            FieldVersion {
                hlc: hlc(NOW + 1, "b"),
                by: ben,
            },
        )]
        .into(),
        deleted: true,
        hlc: hlc(NOW + 1, "b"),
        changed_by: ben,
        scope_user: Some(ben),
        scope_team: Some("south".into()),
        extra_user: Some(ana),
        extra_team: None,
        parent_id: Some(Id::new()),
        change_seq: 2,
        ..first.clone()
    };
    db.write(|tx| {
        tx.next_seq(1)?;
        tx.put_record(&second)
    })
    .unwrap();
    assert_eq!(
        db.read(|tx| tx.record(first.id)).unwrap(),
        Some(second.clone()),
        "a second put replaces the record"
    );
    let pulled = StoredRecord {
        versions: BTreeMap::new(),
        ..second
    };
    assert_eq!(
        db.read(|tx| tx.changes_since(&viewer(ana, "admin", None), 0, 10, usize::MAX))
            .unwrap(),
        vec![pulled],
        "one row per record, at its newest sequence number (without field versions: pulls do not send them)"
    );
}

fn children_are_found_by_their_account(db: &impl Backend) {
    let ana = Id::new();
    let (acme, globex) = (Id::new(), Id::new());
    let mut contact = StoredRecord {
        parent_id: Some(acme),
        ..record(EntityKind::Contact, 1, ana)
    };
    let call = StoredRecord {
        parent_id: Some(acme),
        ..record(EntityKind::Interaction, 2, ana)
    };
    let other = StoredRecord {
        parent_id: Some(globex),
        ..record(EntityKind::Task, 3, ana)
    };
    let orphan = record(EntityKind::Lead, 4, ana);
    db.write(|tx| {
        tx.next_seq(4)?;
        for r in [&contact, &call, &other, &orphan] {
            tx.put_record(r)?;
        }
        Ok(())
    })
    .unwrap();
    let ids = |db: &dyn Fn() -> Vec<StoredRecord>| {
        let mut ids: Vec<Id> = db().into_iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    let mut expected = vec![contact.id, call.id];
    expected.sort();
    assert_eq!(
        ids(&|| db.read(|tx| tx.children_of(acme)).unwrap()),
        expected
    );
    assert_eq!(
        ids(&|| db.read(|tx| tx.children_of(Id::new())).unwrap()),
        Vec::<Id>::new()
    );

    // A contact moved to another account hangs under that one.
    contact.parent_id = Some(globex);
    contact.change_seq = 5;
    db.write(|tx| {
        tx.next_seq(1)?;
        tx.put_record(&contact)
    })
    .unwrap();
    assert_eq!(
        ids(&|| db.read(|tx| tx.children_of(acme)).unwrap()),
        vec![call.id]
    );
    let mut expected = vec![contact.id, other.id];
    expected.sort();
    assert_eq!(
        ids(&|| db.read(|tx| tx.children_of(globex)).unwrap()),
        expected
    );
}

fn changes_since_shows_each_viewer_their_scope(db: &impl Backend) {
    let (ana, ben, cy, mia, zed, admin) = (
        Id::new(),
        Id::new(),
        Id::new(),
        Id::new(),
        Id::new(),
        Id::new(),
    );
    let owned = |seq: i64, user: Id, team: Option<&str>| StoredRecord {
        scope_user: Some(user),
        scope_team: team.map(Into::into),
        ..record(EntityKind::Account, seq, user)
    };
    let anas = owned(1, ana, Some("north"));
    let bens = owned(2, ben, Some("north"));
    let cys = owned(3, cy, Some("south"));
    let everyones = StoredRecord {
        scope_user: None,
        ..record(EntityKind::User, 4, admin)
    };
    // A conflict in ana's book that cy took part in.
    let shared = StoredRecord {
        extra_user: Some(cy),
        extra_team: None,
        ..owned(5, ana, Some("north"))
    };
    let teamless = owned(6, zed, None);
    let all = [&anas, &bens, &cys, &everyones, &shared, &teamless];
    db.write(|tx| {
        tx.next_seq(all.len() as i64)?;
        for r in all {
            tx.put_record(r)?;
        }
        Ok(())
    })
    .unwrap();

    let seen = |v: crm_server::backend::Viewer| -> Vec<i64> {
        db.read(|tx| tx.changes_since(&v, 0, 100, usize::MAX))
            .unwrap()
            .iter()
            .map(|r| r.change_seq)
            .collect()
    };
    assert_eq!(
        seen(viewer(ana, "rep", Some("north"))),
        [1, 4, 5],
        "a rep: own records and everyone's"
    );
    assert_eq!(
        seen(viewer(ben, "rep", Some("north"))),
        [2, 4],
        "not a teammate's"
    );
    assert_eq!(
        seen(viewer(cy, "rep", Some("south"))),
        [3, 4, 5],
        "and what they are the extra user of"
    );
    assert_eq!(
        seen(viewer(mia, "manager", Some("north"))),
        [1, 2, 4, 5],
        "a manager: the whole team's"
    );
    assert_eq!(
        seen(viewer(mia, "manager", None)),
        [4],
        "a manager without a team: no team's (in particular not the teamless records)"
    );
    assert_eq!(
        seen(viewer(zed, "rep", None)),
        [4, 6],
        "a teamless rep: own records"
    );
    assert_eq!(
        seen(viewer(admin, "admin", None)),
        [1, 2, 3, 4, 5, 6],
        "an admin: everything"
    );

    // The backend agrees with the rule the sync code applies to single records.
    for v in [
        viewer(ana, "rep", Some("north")),
        viewer(cy, "rep", Some("south")),
        viewer(mia, "manager", Some("north")),
        viewer(mia, "manager", None),
        viewer(zed, "rep", None),
        viewer(admin, "admin", None),
    ] {
        let expected: Vec<i64> = all
            .iter()
            .filter(|r| v.sees(r))
            .map(|r| r.change_seq)
            .collect();
        assert_eq!(
            seen(v.clone()),
            expected,
            "changes_since and Viewer::sees agree for {v:?}"
        );
    }
}

fn changes_since_pages_in_sequence_order(db: &impl Backend) {
    let ana = Id::new();
    let ben = Id::new();
    // Written out of order, and interleaved with another rep's records.
    let mut seqs: Vec<i64> = (1..=20).collect();
    seqs.reverse();
    db.write(|tx| {
        tx.next_seq(20)?;
        for seq in &seqs {
            let owner = if seq % 3 == 0 { ben } else { ana };
            tx.put_record(&record(EntityKind::Account, *seq, owner))?;
        }
        Ok(())
    })
    .unwrap();
    let anas: Vec<i64> = (1..=20).filter(|s| s % 3 != 0).collect();
    let rep = viewer(ana, "rep", None);
    let after = |cursor: i64, limit: u32| -> Vec<i64> {
        db.read(|tx| tx.changes_since(&rep, cursor, limit, usize::MAX))
            .unwrap()
            .iter()
            .map(|r| r.change_seq)
            .collect()
    };
    assert_eq!(after(0, 100), anas, "in sequence order, only ana's");
    assert_eq!(
        after(10, 100),
        anas.iter().copied().filter(|s| *s > 10).collect::<Vec<_>>(),
        "after the cursor only"
    );
    assert_eq!(after(20, 100), Vec::<i64>::new());
    // A page holds at least `limit` rows when there are that many (sync
    // reads one more to know whether more follow), and is a prefix.
    let page = after(0, 5);
    assert!(page.len() == 5 || page.len() == 6, "{page:?}");
    assert_eq!(
        page,
        anas[..page.len()],
        "a page is the start of the sequence"
    );
}

fn exits_concern_the_old_user_and_their_manager(db: &impl Backend) {
    let (ana, ben, mia, admin) = (Id::new(), Id::new(), Id::new(), Id::new());
    let exit = |seq: i64, user: Option<Id>, team: Option<&str>| Exit {
        change_seq: seq,
        entity: EntityKind::Contact,
        id: Id::new(),
        old_user: user,
        old_team: team.map(Into::into),
    };
    let exits = [
        exit(1, Some(ana), Some("north")),
        exit(2, Some(ben), Some("north")),
        exit(3, Some(ana), None),
        exit(4, Some(ben), Some("south")),
        exit(5, Some(ana), Some("north")),
    ];
    db.write(|tx| {
        tx.next_seq(5)?;
        for e in &exits {
            tx.add_exit(e)?;
        }
        Ok(())
    })
    .unwrap();
    let seen = |v: crm_server::backend::Viewer, cursor: i64| -> Vec<Exit> {
        db.read(|tx| tx.exits_since(&v, cursor, 100)).unwrap()
    };
    let at = |seqs: &[i64]| -> Vec<Exit> {
        exits
            .iter()
            .filter(|e| seqs.contains(&e.change_seq))
            .cloned()
            .collect()
    };
    assert_eq!(
        seen(viewer(ana, "rep", Some("north")), 0),
        at(&[1, 3, 5]),
        "the old user's, every field kept"
    );
    assert_eq!(
        seen(viewer(ana, "rep", Some("north")), 3),
        at(&[5]),
        "after the cursor only"
    );
    assert_eq!(
        seen(viewer(ben, "rep", Some("north")), 0),
        at(&[2, 4]),
        "a rep is not told of a teammate's exits"
    );
    assert_eq!(
        seen(viewer(mia, "manager", Some("north")), 0),
        at(&[1, 2, 5]),
        "a manager: the team's"
    );
    assert_eq!(
        seen(viewer(mia, "manager", None), 0),
        at(&[]),
        "a manager without a team: only their own"
    );
    assert_eq!(
        seen(viewer(admin, "admin", None), 0),
        at(&[]),
        "nothing ever leaves an admin's scope"
    );
    let page = db
        .read(|tx| tx.exits_since(&viewer(ana, "rep", None), 0, 1))
        .unwrap();
    assert!(
        !page.is_empty() && page.len() <= 2 && page[..] == at(&[1, 3, 5])[..page.len()],
        "{page:?}"
    );
}

fn purging_tombstones_moves_the_horizon(db: &impl Backend) {
    let ana = Id::new();
    assert_eq!(db.read(|tx| tx.horizon()).unwrap(), 0, "nothing purged yet");
    let day = 24 * 60 * MINUTE;
    let dated = |seq: i64, at: i64, deleted: bool| StoredRecord {
        deleted,
        hlc: hlc(at, "0000000000000001"),
        ..record(EntityKind::Contact, seq, ana)
    };
    let old_live = dated(1, NOW - 400 * day, false);
    let old_tombstone = dated(3, NOW - 300 * day, true);
    let young_tombstone = dated(5, NOW - 10 * day, true);
    let old_exit = Exit {
        change_seq: 2,
        entity: EntityKind::Contact,
        id: Id::new(),
        old_user: Some(ana),
        old_team: None,
    };
    let young_exit = Exit {
        change_seq: 4,
        ..old_exit.clone()
    };
    db.write(|tx| {
        tx.next_seq(5)?;
        tx.put_record(&old_live)?;
        tx.add_exit(&old_exit)?;
        tx.put_record(&old_tombstone)?;
        tx.add_exit(&young_exit)?;
        tx.put_record(&young_tombstone)
    })
    .unwrap();

    let purged = db.write(|tx| tx.purge_tombstones(NOW - 180 * day)).unwrap();
    assert_eq!(purged, 1, "only the tombstone older than the retention");
    db.read(|tx| {
        assert_eq!(
            tx.horizon()?,
            3,
            "the horizon is the newest purged sequence number"
        );
        assert_eq!(tx.record(old_tombstone.id)?, None);
        assert_eq!(
            tx.record(old_live.id)?,
            Some(old_live.clone()),
            "live records are never purged"
        );
        assert_eq!(
            tx.record(young_tombstone.id)?,
            Some(young_tombstone.clone())
        );
        let rep = viewer(ana, "rep", None);
        assert_eq!(
            tx.exits_since(&rep, 0, 10)?,
            vec![young_exit.clone()],
            "exits up to the horizon go too"
        );
        Ok(())
    })
    .unwrap();

    assert_eq!(
        db.write(|tx| tx.purge_tombstones(NOW - 180 * day)).unwrap(),
        0,
        "purging again finds nothing"
    );
    assert_eq!(
        db.read(|tx| tx.horizon()).unwrap(),
        3,
        "and keeps the horizon"
    );
    assert_eq!(db.write(|tx| tx.purge_tombstones(NOW)).unwrap(), 1);
    assert_eq!(
        db.read(|tx| tx.horizon()).unwrap(),
        5,
        "the horizon only moves forward"
    );
    assert_eq!(
        db.read(|tx| tx.last_seq()).unwrap(),
        5,
        "purging hands out no sequence numbers"
    );
}
