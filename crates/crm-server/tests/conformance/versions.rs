//! Peers on different synced-schema versions, and the checks every door
//! shares: an op the server's version cannot know gets its own verdict and
//! the rest go on; an older laptop is sent only what its version knows; a
//! value the field's check refuses is refused with the field named.

use crm_domain::{EntityKind, Id, OpKind, change::SCHEMA_VERSION};
use crm_protocol::{Change, Open, Outcome, PushRequest, codes};
use crm_server::{backend::Backend, sync};
use serde_json::{Value, json};

use crate::support::{NOW, Team, conformance};

conformance!(db:
    an_op_of_a_kind_or_version_the_server_does_not_know_waits_and_the_rest_go_on,
    an_older_laptop_gets_only_the_kinds_and_fields_it_knows,
    values_the_field_checks_refuse_are_refused_with_the_field_named,
    reference_data_is_kept_by_the_roles_its_description_names,
    a_planned_activity_reaches_version_3_and_a_version_2_laptop_keeps_its_to_do,
);

fn an_op_of_a_kind_or_version_the_server_does_not_know_waits_and_the_rest_go_on(db: &impl Backend) {
    let team = Team::create(db);
    let first = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Before"))], NOW);
    // A kind a newer app added, as the wire carries it: it parses, as unknown.
    let mut unknown = serde_json::to_value(team.ana.insert(
        EntityKind::Account,
        &[("name", json!("X"))],
        NOW,
    ))
    .unwrap();
    unknown["entity"] = json!("purchase_order");
    let mut newer = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Newer"))], NOW);
    newer.schema_version = SCHEMA_VERSION + 1;
    let last = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("After"))], NOW);
    let body = json!({ "ops": [first, unknown, newer, last] });
    let request: PushRequest =
        serde_json::from_value(body).expect("one unknown op never fails the push");
    assert!(matches!(request.ops[1], Open::Unknown(_)));
    let pushed: Vec<sync::Pushed> = request
        .ops
        .into_iter()
        .map(|op| sync::Pushed::read(op).expect("every op has an id and a sequence number"))
        .collect();
    let verdicts = db
        .write(|tx| {
            sync::push(
                tx,
                &team.ana.user,
                team.ana.device_id,
                SCHEMA_VERSION,
                &pushed,
                NOW,
            )
        })
        .unwrap();
    let outcomes: Vec<(Outcome, Option<&str>)> = verdicts
        .iter()
        .map(|v| (v.outcome, v.code.as_deref()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Outcome::Applied, None),
            (Outcome::Rejected, Some(codes::SERVER_TOO_OLD)),
            (Outcome::Rejected, Some(codes::SERVER_TOO_OLD)),
            (Outcome::Applied, None),
        ],
        "each op its own verdict; the queue goes on past what the server cannot know"
    );
    assert!(
        verdicts[1]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("purchase_order")),
        "the verdict names what the server does not know: {:?}",
        verdicts[1].message
    );
}

fn an_older_laptop_gets_only_the_kinds_and_fields_it_knows(db: &impl Backend) {
    let team = Team::create(db);
    let me = json!(team.ana.user.id.to_string());
    let acme = team.ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Acme")),
            ("owner_id", me),
            ("tier", json!("key")),
        ],
        NOW,
    );
    assert_eq!(team.ana.push_one(db, &acme).outcome, Outcome::Applied);
    let rate = team.manager.insert(
        EntityKind::ExchangeRate,
        &[
            ("day", json!("2026-12-01")),
            ("from_currency", json!("USD")),
            ("to_currency", json!("CNY")),
            ("rate", json!("7.1234")),
        ],
        NOW,
    );
    assert_eq!(team.manager.push_one(db, &rate).outcome, Outcome::Applied);

    let upserts = |changes: &[Change]| -> Vec<(EntityKind, Id, Vec<String>)> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::Upsert(s) => Some((s.entity, s.id, s.fields.keys().cloned().collect())),
                Change::Remove { .. } => None,
            })
            .collect()
    };
    let old = team.ana.pull_as(db, 1, 0, 1_000);
    let old = upserts(&old.changes);
    assert!(
        old.iter()
            .all(|(kind, ..)| *kind != EntityKind::ExchangeRate),
        "exchange rates came in version 2: {old:?}"
    );
    let (_, _, fields) = old
        .iter()
        .find(|(_, id, _)| *id == acme.record_id)
        .expect("the account itself is for every version");
    assert!(fields.contains(&"name".to_owned()));
    assert!(
        !fields.contains(&"tier".to_owned()),
        "the tier came in version 2, so a version-1 laptop never holds it and its edits never erase it: {fields:?}"
    );

    let new = upserts(&team.ana.pull_as(db, 2, 0, 1_000).changes);
    assert!(
        new.iter()
            .any(|(kind, id, _)| *kind == EntityKind::ExchangeRate && *id == rate.record_id)
    );
    let (_, _, fields) = new.iter().find(|(_, id, _)| *id == acme.record_id).unwrap();
    assert!(fields.contains(&"tier".to_owned()));

    // The version-1 laptop edits the phone: the tier stays.
    let phone = team.ana.op(
        EntityKind::Account,
        acme.record_id,
        OpKind::Update,
        &[("phone", Value::Null, json!("+34 600 000 000"))],
        NOW + 1,
    );
    let mut phone = phone;
    phone.schema_version = 1;
    assert_eq!(team.ana.push_one(db, &phone).outcome, Outcome::Applied);
    let record = db.read(|tx| tx.record(acme.record_id)).unwrap().unwrap();
    assert_eq!(record.data["tier"], json!("key"));
    assert_eq!(record.data["phone"], json!("+34 600 000 000"));
}

fn values_the_field_checks_refuse_are_refused_with_the_field_named(db: &impl Backend) {
    let team = Team::create(db);
    let refused = |entity: EntityKind, fields: &[(&str, Value)], field: &str| {
        let op = team.ana.insert(entity, fields, NOW);
        let v = team.ana.push_one(db, &op);
        assert_eq!(v.outcome, Outcome::Rejected, "{fields:?}: {v:?}");
        assert_eq!(v.code.as_deref(), Some(codes::INVALID_OP));
        let message = v.message.unwrap_or_default();
        assert!(message.contains(field), "names {field}: {message}");
        assert!(
            db.read(|tx| tx.record(op.record_id)).unwrap().is_none(),
            "nothing of a refused op is stored"
        );
    };
    refused(
        EntityKind::Account,
        &[("name", json!("Acme")), ("lifecycle", json!("friend"))],
        "lifecycle",
    );
    refused(
        EntityKind::Account,
        &[("name", json!("Acme")), ("email", json!("not-an-email"))],
        "email",
    );
    refused(
        EntityKind::Lead,
        &[("name", json!("Li Wei")), ("score", json!(900))],
        "score",
    );
    // A record missing a value every laptop's table requires would stop
    // every sync that pulls it.
    refused(
        EntityKind::Contact,
        &[("name", json!("No account"))],
        "account_id",
    );
}

fn reference_data_is_kept_by_the_roles_its_description_names(db: &impl Backend) {
    let team = Team::create(db);
    let rate = |day: &str| {
        vec![
            ("day", json!(day)),
            ("from_currency", json!("EUR")),
            ("to_currency", json!("CNY")),
            ("rate", json!("7.8")),
        ]
    };
    let by_rep = team
        .ana
        .insert(EntityKind::ExchangeRate, &rate("2026-12-01"), NOW);
    let v = team.ana.push_one(db, &by_rep);
    assert_eq!(v.code.as_deref(), Some(codes::FORBIDDEN), "{v:?}");
    let by_manager = team
        .manager
        .insert(EntityKind::ExchangeRate, &rate("2026-12-02"), NOW);
    assert_eq!(
        team.manager.push_one(db, &by_manager).outcome,
        Outcome::Applied
    );
    // Team-wide: every rep reads it.
    let seen = team.ben.pull_all(db, 0).0;
    assert!(
        seen.iter()
            .any(|c| matches!(c, Change::Upsert(s) if s.id == by_manager.record_id))
    );
}

fn a_planned_activity_reaches_version_3_and_a_version_2_laptop_keeps_its_to_do(db: &impl Backend) {
    let team = Team::create(db);
    let me = json!(team.ana.user.id.to_string());
    let acme = team.ana.insert(
        EntityKind::Account,
        &[("name", json!("Acme")), ("owner_id", me.clone())],
        NOW,
    );
    assert_eq!(team.ana.push_one(db, &acme).outcome, Outcome::Applied);
    let todo = team.ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Send the quote")),
            ("assignee_id", me.clone()),
        ],
        NOW,
    );
    let visit = team.ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Factory tour")),
            ("activity", json!("visit")),
            ("starts_at", json!(NOW + 86_400_000)),
            ("place", json!("Calle Mayor 1")),
            ("account_id", json!(acme.record_id.to_string())),
            ("assignee_id", me),
        ],
        NOW,
    );
    assert_eq!(team.ana.push_one(db, &todo).outcome, Outcome::Applied);
    assert_eq!(team.ana.push_one(db, &visit).outcome, Outcome::Applied);

    let fields_of = |schema: u32| -> Vec<String> {
        team.ana
            .pull_as(db, schema, 0, 1_000)
            .changes
            .iter()
            .find_map(|c| match c {
                Change::Upsert(s) if s.id == visit.record_id => {
                    Some(s.fields.keys().cloned().collect())
                }
                _ => None,
            })
            .expect("the task itself is for every version")
    };
    let old = fields_of(2);
    assert!(old.contains(&"title".to_owned()));
    for planned in ["activity", "starts_at", "place", "attendees"] {
        assert!(
            !old.contains(&planned.to_owned()),
            "{planned} came in version 3: {old:?}"
        );
    }
    assert!(fields_of(3).contains(&"place".to_owned()));

    // The version-2 laptop renames the task: the plan stays.
    let mut rename = team.ana.op(
        EntityKind::Task,
        visit.record_id,
        OpKind::Update,
        &[("title", json!("Factory tour"), json!("Tour and lunch"))],
        NOW + 1,
    );
    rename.schema_version = 2;
    assert_eq!(team.ana.push_one(db, &rename).outcome, Outcome::Applied);
    let record = db.read(|tx| tx.record(visit.record_id)).unwrap().unwrap();
    assert_eq!(record.data["title"], json!("Tour and lunch"));
    assert_eq!(record.data["activity"], json!("visit"));
    assert_eq!(record.data["place"], json!("Calle Mayor 1"));
}
