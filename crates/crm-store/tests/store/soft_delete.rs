//! Soft delete: a deleted record leaves every list but stays in its table, so
//! sync can tell the server and the delete can be undone.

use crm_domain::{EntityKind, OpKind};
use crm_store::{AccountFilter, RecordQuery, StoreError};
use serde_json::json;

use crate::{
    Fixture, JAN_2026_MS, account, assert_unchanged, contact, count, deal, id_value, insert,
    interaction, snapshot,
};

#[test]
fn a_deleted_account_leaves_reads_and_lists_but_keeps_its_row() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let acme = account(&mut fx.store, "ACME");
    let globex = account(&mut fx.store, "Globex");

    fx.store
        .write(|w| w.delete(EntityKind::Account, acme))
        .unwrap();

    let err = fx
        .store
        .account(acme)
        .expect_err("a deleted account is not returned");
    assert!(
        matches!(err, StoreError::NotFound { entity: EntityKind::Account, id } if id == acme),
        "got {err:?}"
    );
    let listed: Vec<_> = fx
        .store
        .accounts(&AccountFilter::default())
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, [globex], "the list shows only live accounts");
    assert_eq!(fx.store.account_count().unwrap(), 1);

    let (deleted_at, deleted_by): (Option<i64>, Option<uuid::Uuid>) = fx
        .store
        .conn()
        .query_row(
            "SELECT deleted_at, deleted_by FROM accounts WHERE id = ?1",
            [acme.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the row must still be in the table");
    assert!(
        deleted_at.is_some(),
        "the row is marked with when it was deleted"
    );
    assert_eq!(deleted_by, Some(me.0), "and by whom");

    let op = fx.store.outbox(100).unwrap().pop().unwrap();
    assert_eq!(
        (op.entity, op.kind, op.record_id),
        (EntityKind::Account, OpKind::Delete, acme),
        "the delete is queued"
    );
    assert_eq!(
        fx.store.kind_of(acme).unwrap(),
        Some(EntityKind::Account),
        "the record is still known"
    );
}

#[test]
fn restore_brings_a_record_back_and_is_queued() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    fx.store
        .write(|w| w.delete(EntityKind::Account, acme))
        .unwrap();
    fx.store
        .write(|w| w.restore(EntityKind::Account, acme))
        .unwrap();

    assert_eq!(
        fx.store.account(acme).unwrap().stamp.deleted_at,
        None,
        "a restored account is live again"
    );
    assert_eq!(
        count(
            &fx.store,
            "accounts",
            "deleted_at IS NOT NULL OR deleted_by IS NOT NULL"
        ),
        0
    );
    let kinds: Vec<OpKind> = fx
        .store
        .outbox(100)
        .unwrap()
        .iter()
        .map(|op| op.kind)
        .collect();
    assert_eq!(kinds, [OpKind::Insert, OpKind::Delete, OpKind::Restore]);
}

#[test]
fn a_deleted_record_cannot_be_deleted_again_or_edited() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    fx.store
        .write(|w| w.delete(EntityKind::Account, acme))
        .unwrap();
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .write(|w| w.delete(EntityKind::Account, acme))
        .expect_err("already deleted");
    assert!(
        matches!(err, StoreError::NotFound { .. }),
        "a second delete: got {err:?}"
    );
    let err = fx
        .store
        .write(|w| w.update(EntityKind::Account, acme, &[("region", json!("Lima"))]))
        .expect_err("a deleted record is not edited");
    assert!(
        matches!(err, StoreError::NotFound { .. }),
        "an edit of a deleted record: got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "writes to a deleted record");

    let live = account(&mut fx.store, "Globex");
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .write(|w| w.restore(EntityKind::Account, live))
        .expect_err("not deleted");
    assert!(
        matches!(err, StoreError::NotFound { .. }),
        "restoring a live record: got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "restoring a live record");
}

#[test]
fn deleted_children_leave_every_list() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let acme = account(&mut fx.store, "ACME");
    let ana = contact(&mut fx.store, acme, "Ana Méndez");
    let bid = deal(&mut fx.store, acme, "ACME renewal", "proposal");
    let call = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS,
        "Call",
        "About the renewal",
    );
    let lead = insert(
        &mut fx.store,
        EntityKind::Lead,
        &[("name", json!("Luis Peña"))],
    );
    let task = insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!("Call back")),
            ("account_id", id_value(acme)),
            ("assignee_id", id_value(me)),
        ],
    );

    fx.store
        .write(|w| {
            w.delete(EntityKind::Contact, ana)?;
            w.delete(EntityKind::Opportunity, bid)?;
            w.delete(EntityKind::Interaction, call)?;
            w.delete(EntityKind::Lead, lead)?;
            w.delete(EntityKind::Task, task)
        })
        .unwrap();

    assert!(
        fx.store.contact(ana).is_err() && fx.store.contacts_of(acme).unwrap().is_empty(),
        "contact gone"
    );
    assert!(
        fx.store.opportunity(bid).is_err() && fx.store.opportunities(None, 50).unwrap().is_empty(),
        "deal gone"
    );
    assert!(fx.store.interaction(call).is_err(), "history entry gone");
    assert!(
        fx.store
            .timeline(acme, None, 50)
            .unwrap()
            .entries
            .is_empty(),
        "and off the timeline"
    );
    assert!(
        fx.store.lead(lead).is_err() && fx.store.leads(None, 0, 50).unwrap().is_empty(),
        "lead gone"
    );
    assert!(
        fx.store.record(EntityKind::Task, task).unwrap().deleted
            && fx
                .store
                .records(EntityKind::Task, &RecordQuery::open_tasks(None, None, None))
                .unwrap()
                .rows
                .is_empty(),
        "task gone"
    );

    let view = fx.store.account_view(acme, 50).unwrap();
    assert!(
        view.contacts.is_empty()
            && view.open_opportunities.is_empty()
            && view.open_tasks.is_empty(),
        "the account page shows none of them"
    );
    for table in [
        "contacts",
        "opportunities",
        "interactions",
        "leads",
        "tasks",
    ] {
        assert_eq!(
            count(&fx.store, table, "deleted_at IS NOT NULL"),
            1,
            "the {table} row stays, marked deleted"
        );
    }
    let deletes = fx
        .store
        .outbox(100)
        .unwrap()
        .iter()
        .filter(|op| op.kind == OpKind::Delete)
        .count();
    assert_eq!(deletes, 5, "each delete is queued for sync");
}
