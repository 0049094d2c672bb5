//! One change to a list's selection: each record changed as a person's single
//! edit (its own op, its own history), all in one transaction, under the
//! same rights.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Id, OpKind, User};
use crm_store::{BulkAction, Bulked, RecordQuery, Selection, StoreError};
use serde_json::json;

use crate::{Fixture, account, assert_unchanged, count, id_value, insert, snapshot, user};

fn tagged(fx: &Fixture, id: Id) -> serde_json::Value {
    fx.store.record(EntityKind::Account, id).unwrap().fields["tags"].clone()
}

#[test]
fn assigning_tagging_deleting_and_restoring_a_selection_counts_and_queues_one_op_a_record() {
    let mut fx = Fixture::create();
    let bob = user(&mut fx.store, "Bob");
    let picked = [
        account(&mut fx.store, "ACME"),
        account(&mut fx.store, "北京星辰科技有限公司"),
        account(&mut fx.store, "Méndez y Asociados"),
    ];
    let other = account(&mut fx.store, "Globex");
    // A deal under ACME goes with it, as when one account is handed over.
    let deal = crate::deal(&mut fx.store, picked[0], "ACME renewal", "proposal");
    let me = fx.store.user_id();
    crate::update(
        &mut fx.store,
        EntityKind::Opportunity,
        deal,
        &[("owner_id", id_value(me))],
    );
    for id in picked {
        crate::update(
            &mut fx.store,
            EntityKind::Account,
            id,
            &[("owner_id", id_value(me))],
        );
    }
    let queued = fx.store.outbox_len().unwrap() as usize;
    let owner_changes = count(&fx.store, "field_history", "field = 'owner_id'");
    let ids = Selection::Ids(picked.to_vec());

    let done = fx
        .store
        .bulk(EntityKind::Account, &ids, &BulkAction::Assign(bob))
        .unwrap();
    assert_eq!(
        done,
        Bulked {
            selected: 3,
            changed: 3,
            unchanged: 0,
            ids: picked.to_vec(),
        }
    );
    let ops = fx.store.outbox(1000).unwrap()[queued..].to_vec();
    let accounts: Vec<_> = ops
        .iter()
        .filter(|op| op.entity == EntityKind::Account)
        .collect();
    assert_eq!(accounts.len(), 3, "one update op per account: {ops:?}");
    for op in &accounts {
        assert_eq!(op.kind, OpKind::Update);
        assert!(picked.contains(&op.record_id));
        assert_eq!(op.fields["owner_id"].new, id_value(bob));
    }
    assert!(
        ops.iter()
            .any(|op| op.entity == EntityKind::Opportunity && op.record_id == deal),
        "the deal follows its account, as with a single hand-over"
    );
    assert_eq!(
        count(&fx.store, "field_history", "field = 'owner_id'") - owner_changes,
        4,
        "history per record: three accounts and the deal"
    );
    let owner = |fx: &Fixture, id: Id| {
        fx.store.record(EntityKind::Account, id).unwrap().fields["owner_id"].clone()
    };
    assert_ne!(owner(&fx, other), id_value(bob), "unselected stays");

    // Tag: records that have the tag already are left alone.
    crate::update(
        &mut fx.store,
        EntityKind::Account,
        picked[1],
        &[("tags", json!(["VIP"]))],
    );
    let queued = fx.store.outbox_len().unwrap() as usize;
    let done = fx
        .store
        .bulk(EntityKind::Account, &ids, &BulkAction::Tag("vip".into()))
        .unwrap();
    assert_eq!((done.changed, done.unchanged), (2, 1), "{done:?}");
    assert_eq!(done.ids, vec![picked[0], picked[2]], "the changed ones");
    assert_eq!(fx.store.outbox_len().unwrap() as usize, queued + 2);
    assert_eq!(tagged(&fx, picked[0]), json!(["vip"]));
    assert_eq!(tagged(&fx, picked[1]), json!(["VIP"]));

    // Delete, then restore every one: one op each, and all come back.
    let queued = fx.store.outbox_len().unwrap() as usize;
    let done = fx
        .store
        .bulk(EntityKind::Account, &ids, &BulkAction::Delete)
        .unwrap();
    assert_eq!(done.changed, 3);
    let ops = fx.store.outbox(1000).unwrap()[queued..].to_vec();
    assert_eq!(ops.len(), 3);
    assert!(ops.iter().all(|op| op.kind == OpKind::Delete));
    assert_eq!(
        count(&fx.store, "accounts", "deleted_at IS NULL"),
        1,
        "only Globex is left"
    );
    let done = fx
        .store
        .bulk(EntityKind::Account, &ids, &BulkAction::Restore)
        .unwrap();
    assert_eq!(done.changed, 3);
    assert_eq!(count(&fx.store, "accounts", "deleted_at IS NULL"), 4);
    assert_eq!(
        fx.store.outbox(1000).unwrap()[queued + 3..]
            .iter()
            .filter(|op| op.kind == OpKind::Restore)
            .count(),
        3
    );
}

#[test]
fn select_all_matching_takes_every_record_the_filter_and_search_find() {
    let mut fx = Fixture::create();
    for (name, region) in [
        ("ACME Beijing", "Beijing"),
        ("ACME Madrid", "Madrid"),
        ("Globex Beijing", "Beijing"),
        ("Initech", "Beijing"),
    ] {
        insert(
            &mut fx.store,
            EntityKind::Account,
            &[("name", json!(name)), ("region", json!(region))],
        );
    }
    let matching = |region: Option<&str>, text: Option<&str>| {
        Selection::Matching(RecordQuery {
            filter: region
                .map(|r| ("region".to_owned(), json!(r)))
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            text: text.map(str::to_owned),
            limit: Some(1),
            ..RecordQuery::default()
        })
    };
    let s = &fx.store;
    assert_eq!(
        s.selected(EntityKind::Account, &matching(Some("Beijing"), None))
            .unwrap()
            .len(),
        3,
        "the page size does not limit a selection"
    );
    assert_eq!(
        s.selected(
            EntityKind::Account,
            &matching(Some("Beijing"), Some("acme"))
        )
        .unwrap()
        .len(),
        1
    );
    let done = fx
        .store
        .bulk(
            EntityKind::Account,
            &matching(None, Some("acme")),
            &BulkAction::Tag("fair 2026".into()),
        )
        .unwrap();
    assert_eq!(done.changed, 2);
}

#[test]
fn a_selection_with_an_unknown_record_changes_nothing() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .bulk(
            EntityKind::Account,
            &Selection::Ids(vec![acme, Id::new()]),
            &BulkAction::Delete,
        )
        .expect_err("an unknown record stops the whole change");
    assert_eq!(err.code(), "not_found");
    assert_unchanged(&before, &fx.store, "a refused bulk delete");
    // A kind without tags or without an owner cannot be tagged or given.
    let contact = crate::contact(&mut fx.store, acme, "Ana");
    let err = fx
        .store
        .bulk(
            EntityKind::Contact,
            &Selection::Ids(vec![contact]),
            &BulkAction::Tag("vip".into()),
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(i) if i.field == "tags"),
        "{err}"
    );
}

/// Sign this laptop in as a rep of team North (no server needed: the
/// rights are the laptop's own, the ones a single edit obeys).
fn as_rep(fx: &mut Fixture) {
    let me = fx.store.user_id();
    fx.store
        .record_login(
            "https://crm.example.com",
            "li.wei@example.com",
            "token",
            &User {
                id: me,
                name: crate::ME.into(),
                email: Some("li.wei@example.com".into()),
                role: "rep".into(),
                team: Some("North".into()),
                active: true,
            },
            None,
        )
        .unwrap();
}

#[test]
fn a_rep_cannot_bulk_change_what_a_single_edit_may_not() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let globex = account(&mut fx.store, "Globex");
    let rate = insert(
        &mut fx.store,
        EntityKind::ExchangeRate,
        &[
            ("day", json!("2026-12-01")),
            ("from_currency", json!("EUR")),
            ("to_currency", json!("CNY")),
            (
                "rate",
                EntityKind::ExchangeRate
                    .parse_field("rate", "7.8", None)
                    .unwrap(),
            ),
        ],
    );
    let sam = insert(
        &mut fx.store,
        EntityKind::User,
        &[
            ("name", json!("Sam South")),
            ("role", json!("rep")),
            ("team", json!("South")),
        ],
    );
    let north = insert(
        &mut fx.store,
        EntityKind::User,
        &[
            ("name", json!("Ana")),
            ("role", json!("rep")),
            ("team", json!("North")),
        ],
    );
    as_rep(&mut fx);
    let before = snapshot(&fx.store);
    let both = Selection::Ids(vec![acme, globex]);

    // Another team's rep is out of a rep's giving, for one record or many.
    let single = fx
        .store
        .edit(EntityKind::Account, acme, &[("owner_id", id_value(sam))])
        .unwrap_err();
    let err = fx
        .store
        .bulk(EntityKind::Account, &both, &BulkAction::Assign(sam))
        .expect_err("a rep gives only within their team");
    assert_eq!(err.code(), single.code());
    assert_eq!(err.code(), "other_team");
    // Exchange rates are managers' and admins'.
    let err = fx
        .store
        .bulk(
            EntityKind::ExchangeRate,
            &Selection::Ids(vec![rate]),
            &BulkAction::Delete,
        )
        .expect_err("a rep may not delete exchange rates");
    assert_eq!(err.code(), "forbidden");
    assert_unchanged(&before, &fx.store, "refused bulk changes");

    // Within the team it goes through.
    let done = fx
        .store
        .bulk(EntityKind::Account, &both, &BulkAction::Assign(north))
        .unwrap();
    assert_eq!(done.changed, 2);
}
