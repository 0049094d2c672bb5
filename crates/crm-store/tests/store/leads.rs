//! Converting a lead into an account, a contact and a deal in one step.

use crm_domain::{EntityKind, Id, OpKind};
use crm_store::{LeadConversion, StoreError};
use serde_json::json;

use crate::{Fixture, JAN_2026_MS, assert_unchanged, id_value, insert, reference, snapshot};

const COMPANY: &str = "Transportes Méndez S.L.";

/// A lead with a company, a call logged against it and a promise made to it.
fn lead_with_history(fx: &mut Fixture) -> (Id, Id, Id) {
    let me = fx.store.user_id();
    let lead = insert(
        &mut fx.store,
        EntityKind::Lead,
        &[
            ("name", json!("Ana Méndez")),
            ("company", json!(COMPANY)),
            ("title", json!("Jefa de Compras")),
            ("email", json!("ana@mendez.example.es")),
            ("phone", json!("+34 911 234 567")),
            ("source", json!("exhibition")),
            ("owner_id", id_value(me)),
        ],
    );
    let call = insert(
        &mut fx.store,
        EntityKind::Interaction,
        &[
            ("kind", json!("call")),
            ("occurred_at", json!(JAN_2026_MS)),
            ("subject", json!("Primera llamada")),
            ("lead_id", id_value(lead)),
            ("author_id", id_value(me)),
        ],
    );
    let task = insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!("Enviar la oferta")),
            ("due_date", json!("2026-02-01")),
            ("assignee_id", id_value(me)),
            ("lead_id", id_value(lead)),
        ],
    );
    (lead, call, task)
}

#[test]
fn conversion_makes_account_contact_and_deal_and_carries_the_history_over() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let (lead, call, task) = lead_with_history(&mut fx);
    let queued_before = fx.store.outbox_len().unwrap();

    let done = fx
        .store
        .convert_lead(lead, LeadConversion::default())
        .expect("an open lead converts");
    assert_eq!(
        (done.interactions_moved, done.tasks_moved),
        (1, 1),
        "the call and the promise move over"
    );

    let account = fx.store.account(done.account_id).unwrap();
    assert_eq!(
        account.name, COMPANY,
        "the new account is named after the lead's company"
    );
    assert_eq!(account.kind, "company");
    assert_eq!(
        account.owner_id,
        Some(me),
        "the account goes to the lead's owner"
    );
    assert_eq!(account.phone.as_deref(), Some("+34 911 234 567"));

    let contact = fx.store.contact(done.contact_id).unwrap();
    assert_eq!(
        contact.account_id, done.account_id,
        "the contact works at the new account"
    );
    assert_eq!(contact.name, "Ana Méndez");
    assert_eq!(contact.title.as_deref(), Some("Jefa de Compras"));
    assert_eq!(contact.emails, ["ana@mendez.example.es"]);
    assert_eq!(contact.phones, ["+34 911 234 567"]);

    let deal = fx.store.opportunity(done.opportunity_id).unwrap();
    assert_eq!(deal.account_id, done.account_id);
    assert_eq!(
        deal.lead_id,
        Some(lead),
        "the deal remembers the lead it came from"
    );
    assert_eq!(deal.stage, "qualification");
    assert_eq!(
        deal.amount.currency.code(),
        "CNY",
        "no amount given: zero in the device's currency"
    );
    assert_eq!(deal.name, format!("{COMPANY}: Ana Méndez"));

    let moved = fx.store.interaction(call).unwrap();
    assert_eq!(
        moved.account_id,
        Some(done.account_id),
        "the call now belongs to the account"
    );
    assert_eq!(
        moved.contact_id,
        Some(done.contact_id),
        "and to the new contact"
    );
    assert_eq!(
        reference(&fx.store, EntityKind::Task, task, "account_id"),
        Some(done.account_id),
        "the promise now belongs to the account"
    );

    let view = fx.store.account_view(done.account_id, 50).unwrap();
    assert!(
        view.timeline.entries.iter().any(|e| e.id == call),
        "the call shows on the account's timeline"
    );
    assert!(
        view.open_tasks.iter().any(|t| t.id == task),
        "the promise shows on the account's page"
    );
    assert!(view.contacts.iter().any(|c| c.id == done.contact_id));
    assert!(
        view.open_opportunities
            .iter()
            .any(|o| o.id == done.opportunity_id)
    );
    let timeline = fx.store.timeline(done.account_id, None, 10).unwrap();
    assert_eq!(
        timeline.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        [call]
    );

    let converted = fx.store.lead(lead).unwrap();
    assert_eq!(converted.status, "converted");
    assert_eq!(converted.converted_account_id, Some(done.account_id));
    assert_eq!(converted.converted_contact_id, Some(done.contact_id));
    assert_eq!(
        converted.converted_opportunity_id,
        Some(done.opportunity_id)
    );

    let ops = fx.store.outbox(100).unwrap();
    let new_ops: Vec<(EntityKind, OpKind, Id)> = ops
        .iter()
        .skip(queued_before as usize)
        .map(|op| (op.entity, op.kind, op.record_id))
        .collect();
    assert_eq!(
        new_ops,
        [
            (EntityKind::Account, OpKind::Insert, done.account_id),
            (EntityKind::Contact, OpKind::Insert, done.contact_id),
            (EntityKind::Opportunity, OpKind::Insert, done.opportunity_id),
            (EntityKind::Interaction, OpKind::Update, call),
            (EntityKind::Task, OpKind::Update, task),
            (EntityKind::Lead, OpKind::Update, lead),
        ],
        "every record the conversion made or changed must be queued for sync"
    );
    let lead_op = ops.last().unwrap();
    assert_eq!(lead_op.fields["status"].base, json!("new"));
    assert_eq!(lead_op.fields["status"].new, json!("converted"));
    assert_eq!(
        lead_op.fields["converted_account_id"].new,
        id_value(done.account_id)
    );
    let seqs: Vec<i64> = ops.iter().map(|op| op.device_seq).collect();
    assert_eq!(
        seqs,
        (1..=ops.len() as i64).collect::<Vec<_>>(),
        "no gaps in the sequence"
    );
}

#[test]
fn a_lead_converts_only_once() {
    let mut fx = Fixture::create();
    let (lead, _, _) = lead_with_history(&mut fx);
    fx.store
        .convert_lead(lead, LeadConversion::default())
        .unwrap();
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .convert_lead(lead, LeadConversion::default())
        .expect_err("a converted lead must not make a second account");
    assert!(
        matches!(&err, StoreError::Rule(crm_store::Rule::LeadClosed { status, .. }) if status == "converted"),
        "expected the coded lead_closed refusal, got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "converting a converted lead");
}

#[test]
fn a_disqualified_lead_is_not_converted() {
    let mut fx = Fixture::create();
    let (lead, _, _) = lead_with_history(&mut fx);
    fx.store.disqualify_lead(lead, "no budget").unwrap();
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .convert_lead(lead, LeadConversion::default())
        .expect_err("disqualified");
    assert!(
        matches!(&err, StoreError::Rule(crm_store::Rule::LeadClosed { status, .. }) if status == "disqualified"),
        "expected the coded lead_closed refusal, got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "converting a disqualified lead");
}

#[test]
fn conversion_into_an_account_that_does_not_exist_writes_nothing() {
    let mut fx = Fixture::create();
    let (lead, call, _) = lead_with_history(&mut fx);
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .convert_lead(
            lead,
            LeadConversion {
                account_id: Some(Id::new()),
                ..LeadConversion::default()
            },
        )
        .expect_err("the chosen account does not exist");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                entity: EntityKind::Account,
                ..
            }
        ),
        "expected NotFound(account), got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "a conversion into a missing account");
    assert_eq!(
        fx.store.lead(lead).unwrap().status,
        "new",
        "the lead stays open"
    );
    assert_eq!(
        fx.store.interaction(call).unwrap().account_id,
        None,
        "the call stays with the lead"
    );
}

#[test]
fn a_conversion_that_fails_half_way_writes_nothing() {
    // Attach to an existing account, so the contact is written first; the deal
    // then fails because the lead's owner has been deleted from the directory.
    let mut fx = Fixture::create();
    let existing = crate::account(&mut fx.store, COMPANY);
    let bob = crate::user(&mut fx.store, "Bob");
    let lead = insert(
        &mut fx.store,
        EntityKind::Lead,
        &[("name", json!("Ana Méndez")), ("owner_id", id_value(bob))],
    );
    fx.store.write(|w| w.delete(EntityKind::User, bob)).unwrap();
    let before = snapshot(&fx.store);

    let result = fx.store.convert_lead(
        lead,
        LeadConversion {
            account_id: Some(existing),
            ..LeadConversion::default()
        },
    );
    assert!(
        result.is_err(),
        "the deal cannot be owned by a deleted user, got {result:?}"
    );
    assert_unchanged(
        &before,
        &fx.store,
        "a conversion that failed after writing the contact",
    );
    assert!(
        fx.store.contacts_of(existing).unwrap().is_empty(),
        "the contact must be rolled back"
    );
}

#[test]
fn conversion_into_an_existing_account_makes_no_new_account() {
    let mut fx = Fixture::create();
    let existing = crate::account(&mut fx.store, "Grupo Méndez");
    let (lead, call, _) = lead_with_history(&mut fx);
    let accounts = crate::count(&fx.store, "accounts", "");
    let done = fx
        .store
        .convert_lead(
            lead,
            LeadConversion {
                account_id: Some(existing),
                deal_name: Some("Flota 2026".into()),
                amount: Some(crm_domain::Money::parse("250000", "EUR".parse().unwrap()).unwrap()),
            },
        )
        .unwrap();
    assert_eq!(done.account_id, existing);
    assert_eq!(
        crate::count(&fx.store, "accounts", ""),
        accounts,
        "no second account for the same customer"
    );
    assert_eq!(
        fx.store.account(existing).unwrap().name,
        "Grupo Méndez",
        "the existing account keeps its name"
    );
    let deal = fx.store.opportunity(done.opportunity_id).unwrap();
    assert_eq!(deal.name, "Flota 2026");
    assert_eq!(
        (deal.amount.minor, deal.amount.currency.code()),
        (25_000_000, "EUR")
    );
    assert_eq!(
        fx.store.interaction(call).unwrap().account_id,
        Some(existing)
    );
}

#[test]
fn a_lead_without_a_company_becomes_an_individual_customer() {
    let mut fx = Fixture::create();
    let lead = insert(&mut fx.store, EntityKind::Lead, &[("name", json!("王伟"))]);
    let done = fx
        .store
        .convert_lead(lead, LeadConversion::default())
        .unwrap();
    let account = fx.store.account(done.account_id).unwrap();
    assert_eq!(
        account.name, "王伟",
        "with no company the account is named after the person"
    );
    assert_eq!(account.kind, "individual");
    assert_eq!(
        fx.store.opportunity(done.opportunity_id).unwrap().name,
        "王伟"
    );
    assert_eq!((done.interactions_moved, done.tasks_moved), (0, 0));
}
