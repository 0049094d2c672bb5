//! Handing a departing rep's records to someone else.

use crm_domain::{EntityKind, Id, OpKind};
use crm_store::{Reassigned, StoreError};
use serde_json::json;

use crate::{Fixture, assert_unchanged, id_value, insert, reference, snapshot, update, user};

fn owned_account(fx: &mut Fixture, name: &str, owner: Id) -> Id {
    insert(
        &mut fx.store,
        EntityKind::Account,
        &[("name", json!(name)), ("owner_id", id_value(owner))],
    )
}

fn owned_deal(fx: &mut Fixture, account: Id, owner: Id) -> Id {
    insert(
        &mut fx.store,
        EntityKind::Opportunity,
        &[
            ("account_id", id_value(account)),
            ("name", json!("Renewal")),
            ("currency", json!("CNY")),
            ("owner_id", id_value(owner)),
        ],
    )
}

fn assigned_task(fx: &mut Fixture, title: &str, assignee: Id) -> Id {
    insert(
        &mut fx.store,
        EntityKind::Task,
        &[("title", json!(title)), ("assignee_id", id_value(assignee))],
    )
}

#[test]
fn reassign_moves_accounts_leads_deals_and_open_tasks_only() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let bob = user(&mut fx.store, "Bob");
    let carol = user(&mut fx.store, "Carol");

    let mine = [
        owned_account(&mut fx, "ACME", me),
        owned_account(&mut fx, "北京星辰科技有限公司", me),
    ];
    let carols = owned_account(&mut fx, "Globex", carol);
    let my_lead = insert(
        &mut fx.store,
        EntityKind::Lead,
        &[("name", json!("Ana Méndez")), ("owner_id", id_value(me))],
    );
    let open_deal = owned_deal(&mut fx, mine[0], me);
    let won_deal = owned_deal(&mut fx, mine[1], me);
    fx.store.move_deal(won_deal, "won", None).unwrap();
    let carols_deal = owned_deal(&mut fx, carols, carol);
    let open_tasks = [
        assigned_task(&mut fx, "Call back", me),
        assigned_task(&mut fx, "Send quote", me),
    ];
    let done_task = assigned_task(&mut fx, "Visit", me);
    fx.store.complete_task(done_task, None).unwrap();
    let carols_task = assigned_task(&mut fx, "Carol's visit", carol);
    let queued = fx.store.outbox_len().unwrap();

    let moved = fx
        .store
        .reassign(me, bob)
        .expect("reassigning to an active colleague works");

    assert_eq!(
        moved,
        Reassigned {
            accounts: 2,
            leads: 1,
            opportunities: 2,
            tasks: 2,
            other: 0
        },
        "the counts must say what moved"
    );
    for id in mine {
        assert_eq!(
            fx.store.account(id).unwrap().owner_id,
            Some(bob),
            "my accounts go to Bob"
        );
    }
    assert_eq!(fx.store.lead(my_lead).unwrap().owner_id, Some(bob));
    assert_eq!(fx.store.opportunity(open_deal).unwrap().owner_id, Some(bob));
    assert_eq!(
        fx.store.opportunity(won_deal).unwrap().owner_id,
        Some(bob),
        "closed deals move too"
    );
    for id in open_tasks {
        assert_eq!(
            reference(&fx.store, EntityKind::Task, id, "assignee_id"),
            Some(bob),
            "open promises go to Bob"
        );
    }
    assert_eq!(
        reference(&fx.store, EntityKind::Task, done_task, "assignee_id"),
        Some(me),
        "a kept promise stays with who kept it"
    );
    assert_eq!(
        fx.store.account(carols).unwrap().owner_id,
        Some(carol),
        "Carol's account is untouched"
    );
    assert_eq!(
        fx.store.opportunity(carols_deal).unwrap().owner_id,
        Some(carol)
    );
    assert_eq!(
        reference(&fx.store, EntityKind::Task, carols_task, "assignee_id"),
        Some(carol)
    );

    let ops = fx.store.outbox(100).unwrap();
    let new_ops = &ops[queued as usize..];
    assert_eq!(new_ops.len(), 7, "one synced edit per moved record");
    for op in new_ops {
        assert_eq!(op.kind, OpKind::Update);
        let field = if op.entity == EntityKind::Task {
            "assignee_id"
        } else {
            "owner_id"
        };
        let keys: Vec<&String> = op.fields.keys().collect();
        assert_eq!(keys, [field], "only the owner changes");
        assert_eq!(
            op.fields[field].base,
            id_value(me),
            "the base is the old owner"
        );
        assert_eq!(op.fields[field].new, id_value(bob));
    }
}

#[test]
fn reassigning_someone_with_nothing_changes_nothing() {
    let mut fx = Fixture::create();
    let bob = user(&mut fx.store, "Bob");
    let carol = user(&mut fx.store, "Carol");
    let before = snapshot(&fx.store);
    assert_eq!(
        fx.store.reassign(carol, bob).unwrap(),
        Reassigned::default()
    );
    assert_unchanged(&before, &fx.store, "reassigning a user who owns nothing");
}

#[test]
fn reassigning_to_oneself_a_deleted_an_inactive_or_an_unknown_user_is_refused() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let gone = user(&mut fx.store, "Deleted Dave");
    let left = user(&mut fx.store, "Inactive Irene");
    owned_account(&mut fx, "ACME", me);
    assigned_task(&mut fx, "Call back", me);
    fx.store
        .write(|w| w.delete(EntityKind::User, gone))
        .unwrap();
    update(
        &mut fx.store,
        EntityKind::User,
        left,
        &[("active", json!(false))],
    );
    let before = snapshot(&fx.store);

    let err = fx
        .store
        .reassign(me, me)
        .expect_err("reassigning to oneself is meaningless");
    assert!(
        matches!(err, StoreError::Rule(crm_store::Rule::SamePerson)),
        "to oneself: expected same_person, got {err:?}"
    );
    let err = fx
        .store
        .reassign(me, gone)
        .expect_err("a deleted user cannot own records");
    assert!(
        matches!(err, StoreError::NotFound { entity: EntityKind::User, id } if id == gone),
        "to a deleted user: expected NotFound, got {err:?}"
    );
    let err = fx
        .store
        .reassign(me, left)
        .expect_err("records cannot go to someone who has left");
    assert!(
        matches!(err, StoreError::Rule(crm_store::Rule::UserLeft { .. })),
        "to an inactive user: expected user_left, got {err:?}"
    );
    let err = fx.store.reassign(me, Id::new()).expect_err("no such user");
    assert!(
        matches!(err, StoreError::NotFound { .. }),
        "to an unknown user: expected NotFound, got {err:?}"
    );

    assert_unchanged(&before, &fx.store, "refused reassignments");
}
