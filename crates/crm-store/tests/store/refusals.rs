//! Bad input is refused with an error that names the field, and nothing is
//! written: no row, no outbox op, no history, no index entry.

use crm_domain::{Currency, EntityKind, Id, Problem};
use crm_store::{Result, StoreError, Writer};
use serde_json::{Value, json};

use crate::{Fixture, account, assert_unchanged, id_value, snapshot};

#[test]
fn parsing_errors_name_the_field_and_the_problem() {
    let err = EntityKind::Account
        .parse_field("email", "nope", None)
        .unwrap_err();
    assert_eq!(
        err.field, "email",
        "the error must say which field is wrong"
    );
    assert_eq!(err.problem, Problem::Email);
    let message = StoreError::from(err).to_string();
    assert!(
        message.starts_with("email "),
        "the store's message must start with the field: {message}"
    );

    let err = EntityKind::Contact
        .parse_field("phones", "+86 138 0013 8000, call me", None)
        .unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("phones", Problem::Phone)
    );

    let err = EntityKind::Opportunity
        .parse_field("amount", "12000.50", None)
        .unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("amount", Problem::Currency),
        "an amount needs its currency"
    );
    let cny: Currency = "CNY".parse().unwrap();
    let err = EntityKind::Opportunity
        .parse_field("amount", "12000.505", Some(cny))
        .unwrap_err();
    assert_eq!(err.field, "amount");

    let err = EntityKind::Lead
        .parse_field("score", "101", None)
        .unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("score", Problem::Range { min: 0, max: 100 })
    );

    let err = EntityKind::Account
        .parse_field("colour", "red", None)
        .unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.problem),
        ("colour", Problem::UnknownField)
    );

    let err = EntityKind::Account
        .parse_field("name", "   ", None)
        .unwrap_err();
    assert_eq!((err.field.as_str(), err.problem), ("name", Problem::Empty));
}

/// Run `write` on a store holding an account, a deleted account and a deal,
/// and check it is refused as `Invalid(field, problem)` with nothing written.
fn refused(
    what: &str,
    field: &str,
    problem: Problem,
    write: impl FnOnce(&mut Writer<'_>, Fixtures) -> Result<()>,
) {
    let mut fx = Fixture::create();
    let live = account(&mut fx.store, "ACME");
    let gone = account(&mut fx.store, "Globex");
    fx.store
        .write(|w| w.delete(EntityKind::Account, gone))
        .unwrap();
    let deal = crate::deal(&mut fx.store, live, "ACME renewal", "proposal");
    let before = snapshot(&fx.store);
    let ids = Fixtures { live, gone, deal };

    let err = fx
        .store
        .write(|w| write(w, ids))
        .expect_err(&format!("{what} must be refused"));
    match &err {
        StoreError::Invalid(inv) => {
            assert_eq!(
                inv.field, field,
                "{what}: the error must name the field ({err})"
            );
            assert_eq!(inv.problem, problem, "{what}: wrong problem ({err})");
        }
        other => panic!("{what}: expected Invalid({field}), got {other:?}"),
    }
    assert_unchanged(&before, &fx.store, what);
}

#[derive(Clone, Copy)]
struct Fixtures {
    live: Id,
    gone: Id,
    deal: Id,
}

#[test]
fn an_unknown_field_is_refused() {
    refused(
        "an insert with an unknown field",
        "colour",
        Problem::UnknownField,
        |w, _| {
            w.insert(
                EntityKind::Account,
                &[("name", json!("Initech")), ("colour", json!("red"))],
            )
            .map(drop)
        },
    );
    refused(
        "an update of an unknown field",
        "colour",
        Problem::UnknownField,
        |w, ids| {
            w.update(EntityKind::Account, ids.live, &[("colour", json!("red"))])
                .map(drop)
        },
    );
    refused(
        "setting a system column",
        "deleted_at",
        Problem::UnknownField,
        |w, ids| {
            w.update(EntityKind::Account, ids.live, &[("deleted_at", json!(1))])
                .map(drop)
        },
    );
}

#[test]
fn a_missing_or_empty_required_name_is_refused() {
    refused(
        "an account without a name",
        "name",
        Problem::Empty,
        |w, _| {
            w.insert(EntityKind::Account, &[("industry", json!("Software"))])
                .map(drop)
        },
    );
    refused(
        "an account with a null name",
        "name",
        Problem::Empty,
        |w, _| {
            w.insert(EntityKind::Account, &[("name", Value::Null)])
                .map(drop)
        },
    );
    refused(
        "an account with a blank name",
        "name",
        Problem::Empty,
        |w, _| {
            w.insert(EntityKind::Account, &[("name", json!("   "))])
                .map(drop)
        },
    );
    refused(
        "clearing an account's name",
        "name",
        Problem::Empty,
        |w, ids| {
            w.update(EntityKind::Account, ids.live, &[("name", Value::Null)])
                .map(drop)
        },
    );
    refused(
        "blanking an account's name",
        "name",
        Problem::Empty,
        |w, ids| {
            w.update(EntityKind::Account, ids.live, &[("name", json!(""))])
                .map(drop)
        },
    );
    refused(
        "a task without a title",
        "title",
        Problem::Empty,
        |w, ids| {
            w.insert(EntityKind::Task, &[("account_id", id_value(ids.live))])
                .map(drop)
        },
    );
}

#[test]
fn a_reference_to_a_missing_or_deleted_record_is_refused() {
    refused(
        "a contact at an account that never existed",
        "account_id",
        Problem::Missing,
        |w, _| {
            w.insert(
                EntityKind::Contact,
                &[
                    ("account_id", id_value(Id::new())),
                    ("name", json!("Ana Méndez")),
                ],
            )
            .map(drop)
        },
    );
    refused(
        "a contact at a deleted account",
        "account_id",
        Problem::Missing,
        |w, ids| {
            w.insert(
                EntityKind::Contact,
                &[
                    ("account_id", id_value(ids.gone)),
                    ("name", json!("Ana Méndez")),
                ],
            )
            .map(drop)
        },
    );
    refused(
        "moving a deal to a deleted account",
        "account_id",
        Problem::Missing,
        |w, ids| {
            w.update(
                EntityKind::Opportunity,
                ids.deal,
                &[("account_id", id_value(ids.gone))],
            )
            .map(drop)
        },
    );
    refused(
        "an account owned by nobody known",
        "owner_id",
        Problem::Missing,
        |w, _| {
            w.insert(
                EntityKind::Account,
                &[
                    ("name", json!("Initech")),
                    ("owner_id", id_value(Id::new())),
                ],
            )
            .map(drop)
        },
    );
    refused(
        "a reference that is not an id",
        "account_id",
        Problem::Id,
        |w, _| {
            w.insert(
                EntityKind::Contact,
                &[("account_id", json!("ACME")), ("name", json!("Ana Méndez"))],
            )
            .map(drop)
        },
    );
    refused(
        "a reference of the wrong kind",
        "account_id",
        Problem::Missing,
        |w, ids| {
            // A deal's id is a valid id but not an account's.
            w.insert(
                EntityKind::Contact,
                &[
                    ("account_id", id_value(ids.deal)),
                    ("name", json!("Ana Méndez")),
                ],
            )
            .map(drop)
        },
    );
}

#[test]
fn an_unknown_pipeline_stage_is_refused() {
    refused(
        "a deal in an unknown stage",
        "stage",
        Problem::OneOf {
            allowed: "qualification, needs-analysis, proposal, negotiation, won, lost".into(),
        },
        |w, ids| {
            w.insert(
                EntityKind::Opportunity,
                &[
                    ("account_id", id_value(ids.live)),
                    ("name", json!("ACME expansion")),
                    ("stage", json!("maybe")),
                    ("currency", json!("CNY")),
                ],
            )
            .map(drop)
        },
    );
    refused(
        "moving a deal to an unknown stage",
        "stage",
        Problem::OneOf {
            allowed: "qualification, needs-analysis, proposal, negotiation, won, lost".into(),
        },
        |w, ids| {
            w.update(
                EntityKind::Opportunity,
                ids.deal,
                &[("stage", json!("almost-won"))],
            )
            .map(drop)
        },
    );
}

#[test]
fn move_deal_to_an_unknown_stage_is_refused_with_nothing_written() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let deal = crate::deal(&mut fx.store, acme, "ACME renewal", "proposal");
    let before = snapshot(&fx.store);
    let err = fx
        .store
        .move_deal(deal, "almost-won", None)
        .expect_err("no such stage");
    assert!(
        matches!(&err, StoreError::Invalid(inv) if inv.field == "stage"),
        "got {err:?}"
    );
    assert_unchanged(&before, &fx.store, "move_deal to an unknown stage");
    assert_eq!(fx.store.opportunity(deal).unwrap().stage, "proposal");
}

#[test]
fn a_record_missing_a_column_the_database_requires_is_refused_with_nothing_written() {
    // A contact needs its account, a deal its account and currency, a history
    // entry its time. The field tables do not mark these required, so the
    // database's NOT NULL constraints are what refuses them; whatever the
    // error, nothing may be written.
    let cases = [
        (
            "a contact without an account",
            EntityKind::Contact,
            vec![("name", json!("Ana Méndez"))],
        ),
        (
            "a deal without a currency",
            EntityKind::Opportunity,
            vec![("name", json!("ACME renewal"))],
        ),
        (
            "a history entry without a time",
            EntityKind::Interaction,
            vec![("subject", json!("Call"))],
        ),
    ];
    for (what, kind, mut fields) in cases {
        let mut fx = Fixture::create();
        let acme = account(&mut fx.store, "ACME");
        if kind == EntityKind::Opportunity {
            fields.push(("account_id", id_value(acme)));
        }
        let before = snapshot(&fx.store);
        let result = fx.store.write(|w| w.insert(kind, &fields));
        assert!(result.is_err(), "{what} must be refused, got {result:?}");
        assert_unchanged(&before, &fx.store, what);
    }
}

#[test]
fn updating_or_deleting_a_record_that_does_not_exist_is_refused() {
    let mut fx = Fixture::create();
    account(&mut fx.store, "ACME");
    let before = snapshot(&fx.store);
    let nowhere = Id::new();
    for (what, result) in [
        (
            "update",
            fx.store.write(|w| {
                w.update(EntityKind::Account, nowhere, &[("region", json!("Lima"))])
                    .map(drop)
            }),
        ),
        (
            "delete",
            fx.store.write(|w| w.delete(EntityKind::Account, nowhere)),
        ),
        (
            "restore",
            fx.store.write(|w| w.restore(EntityKind::Account, nowhere)),
        ),
    ] {
        let err = result.expect_err("there is no such record");
        assert!(
            matches!(err, StoreError::NotFound { entity: EntityKind::Account, id } if id == nowhere),
            "{what} of a missing record: expected NotFound naming it, got {err:?}"
        );
    }
    assert_unchanged(&before, &fx.store, "writes to a record that does not exist");
}

/// The check every door uses (the writer here; pulled records, imports and
/// the server use the same): values a parser would never produce, written
/// straight as canonical values, are refused with the field named.
#[test]
fn canonical_values_the_field_check_refuses_never_reach_the_tables() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "Acme");
    let before = snapshot(&fx.store);
    for (kind, fields, field) in [
        (
            EntityKind::Account,
            vec![("name", json!("X")), ("lifecycle", json!("friend"))],
            "lifecycle",
        ),
        (
            EntityKind::Account,
            vec![("name", json!("X")), ("email", json!("not-an-email"))],
            "email",
        ),
        (
            EntityKind::Lead,
            vec![("name", json!("Li")), ("score", json!(900))],
            "score",
        ),
        (
            EntityKind::ExchangeRate,
            vec![
                ("day", json!("2026-12-01")),
                ("from_currency", json!("USD")),
                ("to_currency", json!("CNY")),
                ("rate", json!(7.1)),
            ],
            "rate",
        ),
    ] {
        let err = fx
            .store
            .write(|w| w.insert(kind, &fields))
            .expect_err("refused");
        assert!(
            matches!(&err, StoreError::Invalid(i) if i.field == field),
            "{kind}.{field}: {err}"
        );
    }
    let err = fx
        .store
        .write(|w| w.update(EntityKind::Account, acme, &[("lifecycle", json!("friend"))]))
        .expect_err("an update is checked the same");
    assert!(matches!(&err, StoreError::Invalid(i) if i.field == "lifecycle"));
    assert_unchanged(&before, &fx.store, "nothing of a refused write is kept");
}

/// A person's edit cannot do what only a use case does: a lead becomes
/// converted only by converting it (with its account, contact and deal).
#[test]
fn a_persons_edit_cannot_set_what_only_the_app_sets() {
    let mut fx = Fixture::create();
    let lead = fx
        .store
        .add(EntityKind::Lead, &[("name", json!("Li Wei"))])
        .unwrap();
    let acme = account(&mut fx.store, "Acme");
    let err = fx
        .store
        .edit(EntityKind::Lead, lead, &[("status", json!("converted"))])
        .expect_err("converted only by converting");
    assert!(
        matches!(&err, StoreError::Invalid(i) if i.field == "status" && i.problem == Problem::SystemOnly),
        "{err}"
    );
    let err = fx
        .store
        .edit(
            EntityKind::Lead,
            lead,
            &[("converted_account_id", id_value(acme))],
        )
        .expect_err("set by conversion only");
    assert!(matches!(&err, StoreError::Invalid(i) if i.problem == Problem::SystemOnly));
    assert!(
        fx.store
            .edit(EntityKind::Lead, lead, &[("status", json!("working"))])
            .unwrap(),
        "other statuses are a person's to set"
    );
    // The directory is the server's.
    let err = fx
        .store
        .add(EntityKind::User, &[("name", json!("Someone"))])
        .expect_err("the team directory is kept on the server");
    assert_eq!(err.code(), "forbidden");
}

/// A pulled record this laptop cannot read (a value no check accepts) is
/// left out and counted; the rest of the page is applied and the cursor
/// moves, so one bad record never stops a sync.
#[test]
fn a_damaged_pulled_record_is_counted_and_never_fails_the_page() {
    use crm_domain::Hlc;
    use crm_protocol::{Change, RecordState};
    use std::collections::BTreeMap;
    let mut fx = Fixture::create();
    let me = crm_domain::User {
        id: fx.store.user_id(),
        name: "Li Wei".into(),
        email: Some("li.wei@example.com".into()),
        role: "rep".into(),
        team: Some("North".into()),
        active: true,
    };
    fx.store
        .record_login(
            "http://127.0.0.1:9",
            "li.wei@example.com",
            "token",
            &me,
            None,
        )
        .unwrap();
    let state = |name: Value, email: Value, seq: i64| {
        Change::Upsert(RecordState {
            entity: EntityKind::Contact,
            id: Id::new(),
            fields: BTreeMap::from([
                ("name".to_owned(), name),
                ("emails".to_owned(), email),
                ("account_id".to_owned(), json!(Id::new().to_string())),
            ]),
            deleted: false,
            hlc: Hlc::zero("server"),
            changed_by: None,
            created_by: None,
            change_seq: seq,
        })
    };
    let page = [
        state(json!("Ana"), json!(["ana@example.com"]), 1),
        // No name: a contact every table requires to have one.
        state(Value::Null, json!([]), 2),
        // A bad address in a list: the field is left empty, the record kept.
        state(json!("Bo"), json!(["not-an-email"]), 3),
    ];
    let applied = fx
        .store
        .apply_pull(&page, 3, false)
        .expect("the page applies");
    assert_eq!((applied.upserts, applied.damaged), (2, 1), "{applied:?}");
    let names: Vec<String> = fx
        .store
        .conn()
        .prepare("SELECT name FROM contacts ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["Ana", "Bo"]);
    assert_eq!(
        fx.store.sync_config().unwrap().map(|c| c.cursor),
        Some(3),
        "the cursor moves past the page"
    );
}
