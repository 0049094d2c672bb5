//! The transactional outbox: every local write appends exactly the op sync
//! will push, in the same transaction, with a gapless device sequence.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::DateTime;
use crm_domain::{EntityKind, Id, OpKind, Problem, change::SCHEMA_VERSION};
use crm_store::StoreError;
use serde_json::{Value, json};

use crate::{Fixture, account, assert_unchanged, count, id_value, insert, snapshot, update, user};

fn seqs(fx: &Fixture) -> Vec<i64> {
    fx.store
        .outbox(1000)
        .unwrap()
        .iter()
        .map(|op| op.device_seq)
        .collect()
}

#[test]
fn an_insert_queues_one_op_with_every_new_value_and_no_base() {
    let mut fx = Fixture::create();
    assert_eq!(
        fx.store.outbox_len().unwrap(),
        0,
        "creating the store queues nothing"
    );

    let id = insert(
        &mut fx.store,
        EntityKind::Account,
        &[
            ("name", json!("ACME")),
            ("phone", json!("+86 10 1234 5678")),
            ("tags", json!(["vip"])),
        ],
    );

    let ops = fx.store.outbox(100).unwrap();
    assert_eq!(
        ops.len(),
        1,
        "one insert must queue exactly one op: {ops:?}"
    );
    let op = &ops[0];
    assert_eq!(op.entity, EntityKind::Account);
    assert_eq!(op.kind, OpKind::Insert);
    assert_eq!(op.record_id, id, "the op must name the new record");
    assert_eq!(op.device_seq, 1, "the first op of a device is number 1");
    assert_eq!(op.device_id, fx.store.device_id());
    assert_eq!(
        op.author_id,
        fx.store.user_id(),
        "the op must carry who made the edit"
    );
    assert_eq!(
        op.schema_version, 1,
        "stamped with the oldest version that can carry it (no field of version {SCHEMA_VERSION} is set), so an older server still takes it"
    );
    assert_eq!(op.fields["name"].new, json!("ACME"));
    assert_eq!(op.fields["phone"].new, json!("+86 10 1234 5678"));
    assert_eq!(op.fields["tags"].new, json!(["vip"]));
    // Defaults filled in by the database travel too, so every copy agrees.
    assert_eq!(
        op.fields["kind"].new,
        json!("company"),
        "the default kind must be in the op"
    );
    assert_eq!(
        op.fields["lifecycle"].new,
        json!("prospect"),
        "the default lifecycle must be in the op"
    );
    for (field, change) in &op.fields {
        assert_eq!(
            change.base,
            Value::Null,
            "an insert has no base value, but {field} has one"
        );
        assert!(
            !change.new.is_null(),
            "unset fields must be left out of an insert op, {field} is null"
        );
    }
    assert!(
        !op.fields.contains_key("industry"),
        "an unset field must not be sent"
    );
}

#[test]
fn every_op_gets_the_next_device_seq_and_a_later_clock() {
    let mut fx = Fixture::create();
    let a = account(&mut fx.store, "ACME");
    let b = account(&mut fx.store, "Globex");
    update(
        &mut fx.store,
        EntityKind::Account,
        a,
        &[("industry", json!("Software"))],
    );
    fx.store
        .write(|w| {
            w.update(EntityKind::Account, b, &[("region", json!("上海"))])?;
            w.delete(EntityKind::Account, a)
        })
        .unwrap();

    let ops = fx.store.outbox(100).unwrap();
    let seqs: Vec<i64> = ops.iter().map(|op| op.device_seq).collect();
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4, 5],
        "one op per change, numbered without gaps"
    );
    for pair in ops.windows(2) {
        assert!(
            pair[0].hlc < pair[1].hlc,
            "a later op must have a later HLC: {} then {}",
            pair[0].hlc,
            pair[1].hlc
        );
        assert_ne!(pair[0].op_id, pair[1].op_id, "op ids must be unique");
    }
    let kinds: Vec<OpKind> = ops.iter().map(|op| op.kind).collect();
    assert_eq!(
        kinds,
        [
            OpKind::Insert,
            OpKind::Insert,
            OpKind::Update,
            OpKind::Update,
            OpKind::Delete
        ]
    );
}

#[test]
fn an_update_queues_base_and_new_of_the_changed_fields_only() {
    let mut fx = Fixture::create();
    let id = insert(
        &mut fx.store,
        EntityKind::Account,
        &[("name", json!("ACME")), ("industry", json!("Software"))],
    );
    let changed = update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[
            ("name", json!("ACME")),
            ("industry", json!("Logistics")),
            ("phone", json!("+86 21 5555 0000")),
        ],
    );
    assert!(
        changed,
        "a write that changes two fields must say it changed something"
    );

    let ops = fx.store.outbox(100).unwrap();
    assert_eq!(ops.len(), 2, "insert + one update");
    let op = &ops[1];
    assert_eq!(op.kind, OpKind::Update);
    assert_eq!(op.record_id, id);
    let fields: Vec<&str> = op.fields.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        ["industry", "phone"],
        "the unchanged name must not be in the op"
    );
    assert_eq!(
        op.fields["industry"].base,
        json!("Software"),
        "base is the value the edit started from"
    );
    assert_eq!(op.fields["industry"].new, json!("Logistics"));
    assert_eq!(
        op.fields["phone"].base,
        Value::Null,
        "an empty field's base is null"
    );
    assert_eq!(op.fields["phone"].new, json!("+86 21 5555 0000"));

    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("phone", Value::Null)],
    );
    let op = &fx.store.outbox(100).unwrap()[2];
    assert_eq!(
        op.fields["phone"].base,
        json!("+86 21 5555 0000"),
        "clearing a field keeps its base"
    );
    assert_eq!(
        op.fields["phone"].new,
        Value::Null,
        "clearing a field sends null"
    );
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let mut fx = Fixture::create();
    let id = insert(
        &mut fx.store,
        EntityKind::Account,
        &[
            ("name", json!("ACME")),
            ("tags", json!(["vip", "重点客户"])),
            ("phone", json!("+86 10 1234 5678")),
        ],
    );
    let before = snapshot(&fx.store);
    let history = fx.store.history(id).unwrap().len();

    let changed = update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[
            ("name", json!("ACME")),
            ("tags", json!(["vip", "重点客户"])),
            ("phone", json!("+86 10 1234 5678")),
        ],
    );

    assert!(
        !changed,
        "writing the values a record already has is not a change"
    );
    assert_unchanged(&before, &fx.store, "an update with unchanged values");
    assert_eq!(
        fx.store.history(id).unwrap().len(),
        history,
        "no history for a non-change"
    );
}

#[test]
fn an_unchanged_yes_no_field_is_not_a_change_and_is_queued_as_a_bool() {
    // `active` is stored as 0/1 but its canonical value is true/false; the two
    // must compare equal, and the outbox must carry the canonical form, or the
    // server would see a base of 1 against its own `true` as a conflict.
    let mut fx = Fixture::create();
    let bob = user(&mut fx.store, "Bob");
    let insert_op = fx.store.outbox(100).unwrap().pop().unwrap();
    assert_eq!(
        insert_op.fields["active"].new,
        json!(true),
        "a new user is active, as a bool"
    );

    let before = snapshot(&fx.store);
    let changed = update(
        &mut fx.store,
        EntityKind::User,
        bob,
        &[("active", json!(true))],
    );
    assert!(
        !changed,
        "setting active to true on an active user is not a change"
    );
    assert_unchanged(&before, &fx.store, "an unchanged yes/no field");

    assert!(update(
        &mut fx.store,
        EntityKind::User,
        bob,
        &[("active", json!(false))]
    ));
    let op = fx.store.outbox(100).unwrap().pop().unwrap();
    assert_eq!(
        op.fields["active"].base,
        json!(true),
        "the base must be the canonical bool"
    );
    assert_eq!(op.fields["active"].new, json!(false));
}

#[test]
fn a_write_that_fails_half_way_leaves_nothing_and_consumes_no_seq() {
    let mut fx = Fixture::create();
    account(&mut fx.store, "ACME");
    account(&mut fx.store, "Globex");
    let before = snapshot(&fx.store);
    let accounts_fts = count(&fx.store, "accounts_fts", "");
    assert_eq!(accounts_fts, 2, "both committed accounts are indexed");

    let nowhere = Id::new();
    let err = fx
        .store
        .write(|w| {
            w.insert(EntityKind::Account, &[("name", json!("Initech"))])?;
            w.insert(
                EntityKind::Contact,
                &[
                    ("account_id", id_value(nowhere)),
                    ("name", json!("Peter Gibbons")),
                ],
            )
        })
        .expect_err("a contact at an account that does not exist must be refused");
    match &err {
        StoreError::Invalid(inv) => {
            assert_eq!(inv.field, "account_id", "the error must name the bad field");
            assert_eq!(inv.problem, Problem::Missing);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }

    assert_unchanged(&before, &fx.store, "a write whose second step failed");
    assert_eq!(
        count(&fx.store, "accounts", "name = 'Initech'"),
        0,
        "the first insert must be rolled back"
    );
    assert_eq!(
        count(&fx.store, "accounts_fts", ""),
        accounts_fts,
        "no index entry may survive a rollback"
    );
    assert!(
        crate::found(&fx.store, "Initech").is_empty(),
        "a rolled-back record must not be found"
    );

    account(&mut fx.store, "Umbrella");
    assert_eq!(
        seqs(&fx),
        vec![1, 2, 3],
        "the failed write must not use up a sequence number"
    );

    fx.reopen();
    account(&mut fx.store, "Hooli");
    assert_eq!(
        seqs(&fx),
        vec![1, 2, 3, 4],
        "after a restart the sequence continues without a gap"
    );
}

#[test]
fn a_write_the_caller_abandons_is_rolled_back() {
    let mut fx = Fixture::create();
    account(&mut fx.store, "ACME");
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .write(|w| -> crm_store::Result<()> {
            let id = w.insert(EntityKind::Account, &[("name", json!("Initech"))])?;
            w.update(EntityKind::Account, id, &[("industry", json!("Software"))])?;
            Err(StoreError::Refused("the user pressed cancel".into()))
        })
        .expect_err("the closure's error must come back");
    assert!(matches!(err, StoreError::Refused(_)), "got {err:?}");
    assert_unchanged(
        &before,
        &fx.store,
        "a write whose closure returned an error",
    );
}

#[test]
fn a_panic_inside_a_write_leaves_nothing_and_the_store_keeps_working() {
    let mut fx = Fixture::create();
    account(&mut fx.store, "ACME");
    let before = snapshot(&fx.store);
    let store = &mut fx.store;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        store
            .write(|w| -> crm_store::Result<()> {
                w.insert(EntityKind::Account, &[("name", json!("Initech"))])?;
                panic!("simulated crash in the middle of a write");
            })
            .ok();
    }));
    assert!(outcome.is_err(), "the panic must propagate");
    assert_unchanged(&before, &fx.store, "a write interrupted by a panic");
    account(&mut fx.store, "Umbrella");
    assert_eq!(
        seqs(&fx),
        vec![1, 2],
        "the interrupted write must not use up a sequence number"
    );
}

#[test]
fn two_handles_on_one_file_share_one_gapless_sequence() {
    // The desktop app and the command line can have the same database open at
    // once. Each write must continue from the sequence and clock the file
    // holds, not from what its own handle saw when it was opened.
    let mut fx = Fixture::create();
    let mut cli =
        crm_store::Store::open(fx.store.path()).expect("a second handle on the same file");
    account(&mut fx.store, "ACME");
    account(&mut cli, "Globex");
    account(&mut fx.store, "Initech");

    let ops = fx.store.outbox(100).unwrap();
    assert_eq!(
        ops.iter().map(|op| op.device_seq).collect::<Vec<_>>(),
        [1, 2, 3],
        "writes through either handle are numbered in one sequence"
    );
    for pair in ops.windows(2) {
        assert!(
            pair[0].hlc < pair[1].hlc,
            "and ordered by one clock: {} then {}",
            pair[0].hlc,
            pair[1].hlc
        );
    }
}

#[test]
fn queued_ops_survive_a_restart_unchanged() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, "北京星辰科技有限公司");
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("region", json!("北京"))],
    );
    let ops = fx.store.outbox(100).unwrap();
    fx.reopen();
    assert_eq!(
        fx.store.outbox(100).unwrap(),
        ops,
        "a restart must neither lose nor alter queued ops"
    );
}

#[test]
fn the_clock_never_runs_backwards_even_when_the_wall_clock_does() {
    let mut fx = Fixture::create();
    account(&mut fx.store, "ACME");
    // The laptop's clock is reset to 1970 (dead CMOS battery).
    fx.store
        .set_now(|| DateTime::from_timestamp_millis(1_000).unwrap());
    account(&mut fx.store, "Globex");
    fx.reopen();
    fx.store
        .set_now(|| DateTime::from_timestamp_millis(2_000).unwrap());
    account(&mut fx.store, "Initech");

    let ops = fx.store.outbox(100).unwrap();
    assert_eq!(ops.len(), 3);
    for pair in ops.windows(2) {
        assert!(
            pair[0].hlc < pair[1].hlc,
            "edits must stay ordered when the wall clock steps back, also across a restart: {} then {}",
            pair[0].hlc,
            pair[1].hlc
        );
    }
}

/// A device numbers its documents under the series the server gave it:
/// none before a login, the login's, a renewed device's own (never the old
/// one's, which the copy it was made from may still use), and none from a
/// server that gives none.
#[test]
fn the_series_is_the_one_the_server_last_gave_this_device() {
    let mut fx = Fixture::create();
    assert_eq!(fx.store.series().unwrap(), None, "not logged in");
    let me = crm_domain::User {
        id: fx.store.user_id(),
        name: crate::ME.into(),
        email: Some("li.wei@example.com".into()),
        role: "rep".into(),
        team: Some("North".into()),
        active: true,
    };
    let url = "https://crm.example.com";
    fx.store
        .record_login(url, "li.wei@example.com", "token", &me, Some(3))
        .unwrap();
    assert_eq!(fx.store.series().unwrap(), Some(3));
    fx.store
        .renew_device(Id::new(), "renewed", Some(9))
        .unwrap();
    assert_eq!(fx.store.series().unwrap(), Some(9), "the new device's own");
    fx.reopen();
    assert_eq!(fx.store.series().unwrap(), Some(9), "kept in the file");
    fx.store
        .record_login(url, "li.wei@example.com", "token", &me, None)
        .unwrap();
    assert_eq!(
        fx.store.series().unwrap(),
        None,
        "an older server gives none, and the laptop keeps none"
    );
}
