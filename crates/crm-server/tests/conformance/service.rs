//! Service on the server, whoever pushes: service levels and the calendar
//! are changed only by managers and admins; a published article is
//! everyone's and leaves the others' books when taken back to draft; the
//! same escalation pushed by two laptops is one record, its priority raise
//! no conflict.

use crm_domain::{EntityKind, Id, OpKind, service};
use crm_protocol::{Outcome, codes};
use crm_server::{backend::Backend, escalation};
use serde_json::json;

use crate::support::{
    MINUTE, NOW, Team, all_records, conflicts_about, conformance, removed, stored, upserted,
};

conformance!(db:
    only_managers_and_admins_set_service_levels,
    a_published_article_is_everyones_and_a_draft_leaves_the_others,
    the_same_escalation_from_two_laptops_is_one_record,
    the_server_escalates_cases_no_laptop_is_running_for,
);

fn only_managers_and_admins_set_service_levels(db: &impl Backend) {
    let team = Team::create(db);
    let policy = [
        ("priority", json!("high")),
        ("first_response", json!("4h")),
        ("resolution", json!("2d")),
    ];
    let calendar = [
        ("name", json!("上海")),
        ("tz", json!("Asia/Shanghai")),
        ("days", json!("mon-fri")),
        ("hours", json!("09:00-18:00")),
    ];
    for op in [
        team.ana.insert(EntityKind::SlaPolicy, &policy, NOW),
        team.ana.insert(EntityKind::Calendar, &calendar, NOW),
    ] {
        let v = team.ana.push_one(db, &op);
        assert_eq!(
            (v.outcome, v.code.as_deref()),
            (Outcome::Rejected, Some(codes::FORBIDDEN)),
            "a rep may not set service levels"
        );
    }
    let ok = team.manager.push(
        db,
        &[
            team.manager.insert(EntityKind::SlaPolicy, &policy, NOW),
            team.manager.insert(EntityKind::Calendar, &calendar, NOW),
        ],
    );
    assert!(ok.iter().all(|v| v.outcome == Outcome::Applied), "{ok:?}");
    // A malformed length is refused by the check every door uses.
    let bad = team.manager.insert(
        EntityKind::SlaPolicy,
        &[
            ("priority", json!("low")),
            ("first_response", json!("four hours")),
            ("resolution", json!("2d")),
        ],
        NOW,
    );
    assert_eq!(team.manager.push_one(db, &bad).outcome, Outcome::Rejected);
}

fn a_published_article_is_everyones_and_a_draft_leaves_the_others(db: &impl Backend) {
    let team = Team::create(db);
    let draft = team.ana.insert(
        EntityKind::Article,
        &[
            ("title", json!("机械密封漏水")),
            ("body", json!("更换机械密封。")),
            ("status", json!("draft")),
            ("author_id", json!(team.ana.user.id.to_string())),
        ],
        NOW,
    );
    let id = draft.record_id;
    assert_eq!(team.ana.push_one(db, &draft).outcome, Outcome::Applied);
    let sees = |who: &crate::support::Laptop, cursor: i64| {
        let (changes, next) = who.pull_all(db, cursor);
        (
            upserted(&changes).contains(&id),
            removed(&changes).contains(&id),
            next,
        )
    };
    let (ben_sees, _, ben_at) = sees(&team.ben, 0);
    let (cy_sees, _, cy_at) = sees(&team.cy, 0);
    let (mia_sees, _, mia_at) = sees(&team.manager, 0);
    assert!(!ben_sees && !cy_sees, "a draft is its author's");
    assert!(mia_sees, "and their manager's");

    let publish = team.ana.op(
        EntityKind::Article,
        id,
        OpKind::Update,
        &[("status", json!("draft"), json!("published"))],
        NOW + MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &publish).outcome, Outcome::Applied);
    assert_eq!(stored(db, id).scope_user, None, "everyone's");
    let (ben_sees, _, ben_at) = sees(&team.ben, ben_at);
    let (cy_sees, _, cy_at) = sees(&team.cy, cy_at);
    assert!(ben_sees && cy_sees, "published: every team's");
    let (_, ana_loses, ana_at) = sees(&team.ana, 0);
    assert!(!ana_loses, "publishing takes nothing from its author");

    let unpublish = team.ana.op(
        EntityKind::Article,
        id,
        OpKind::Update,
        &[("status", json!("published"), json!("draft"))],
        NOW + 2 * MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &unpublish).outcome, Outcome::Applied);
    let (_, ben_loses, _) = sees(&team.ben, ben_at);
    let (_, cy_loses, _) = sees(&team.cy, cy_at);
    assert!(
        ben_loses && cy_loses,
        "back to draft, it leaves the others' laptops"
    );
    let (mia_sees, mia_loses, _) = sees(&team.manager, mia_at);
    assert!(mia_sees && !mia_loses, "the manager keeps the draft");
    let (ana_sees, ana_loses, _) = sees(&team.ana, ana_at);
    assert!(ana_sees && !ana_loses, "and the author");
}

fn the_same_escalation_from_two_laptops_is_one_record(db: &impl Backend) {
    let team = Team::create(db);
    let account = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    let case = team.ana.insert(
        EntityKind::Case,
        &[
            ("account_id", json!(account.record_id.to_string())),
            ("subject", json!("水泵漏水")),
            ("priority", json!("high")),
            ("status", json!("new")),
            ("opened_at", json!(NOW)),
            ("number", json!("C3-00001")),
        ],
        NOW,
    );
    let ok = team.ana.push(db, &[account, case.clone()]);
    assert!(ok.iter().all(|v| v.outcome == Outcome::Applied), "{ok:?}");
    // Ana and her manager escalate it offline: the same derived id.
    let event = service::escalation_id(case.record_id, "first_response", 2);
    let escalate = |who: &crate::support::Laptop, at: i64| {
        let mut insert = who.insert(
            EntityKind::CaseEvent,
            &[
                ("case_id", json!(case.record_id.to_string())),
                ("kind", json!("escalation")),
                ("at", json!(at)),
                ("target", json!("first_response")),
                ("level", json!(2)),
                ("from_priority", json!("high")),
                ("to_priority", json!("urgent")),
                ("author_id", json!(who.user.id.to_string())),
            ],
            at,
        );
        insert.record_id = event;
        let raise = who.op(
            EntityKind::Case,
            case.record_id,
            OpKind::Update,
            &[("priority", json!("high"), json!("urgent"))],
            at,
        );
        who.push(db, &[insert, raise])
    };
    let first = escalate(&team.ana, NOW + 5 * MINUTE);
    let second = escalate(&team.manager, NOW + 6 * MINUTE);
    assert!(
        first
            .iter()
            .chain(&second)
            .all(|v| v.outcome == Outcome::Applied),
        "{first:?} {second:?}"
    );
    let events: Vec<Id> = all_records(db)
        .into_iter()
        .filter(|r| r.entity == EntityKind::CaseEvent)
        .map(|r| r.id)
        .collect();
    assert_eq!(events, vec![event], "one escalation");
    assert_eq!(stored(db, case.record_id).data["priority"], json!("urgent"));
    assert!(
        conflicts_about(db, case.record_id).is_empty(),
        "the same raise twice is no conflict"
    );
}

/// With every laptop away, the server's own pass escalates a case past
/// due, once, with the id a laptop would give it: a laptop escalating the
/// same case later adds nothing.
fn the_server_escalates_cases_no_laptop_is_running_for(db: &impl Backend) {
    let team = Team::create(db);
    let levels = team.manager.push(
        db,
        &[
            team.manager.insert(
                EntityKind::Calendar,
                &[
                    ("name", json!("Round the clock")),
                    ("tz", json!("UTC")),
                    ("days", json!("mon-sun")),
                    ("hours", json!("00:00-24:00")),
                ],
                NOW,
            ),
            team.manager.insert(
                EntityKind::SlaPolicy,
                &[
                    ("priority", json!("high")),
                    ("first_response", json!("1h")),
                    ("resolution", json!("1d")),
                    ("warn_before", json!("30m")),
                    ("raise_to", json!("urgent")),
                ],
                NOW,
            ),
        ],
    );
    assert!(
        levels.iter().all(|v| v.outcome == Outcome::Applied),
        "{levels:?}"
    );
    let account = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    let case = team.ana.insert(
        EntityKind::Case,
        &[
            ("account_id", json!(account.record_id.to_string())),
            ("subject", json!("水泵漏水")),
            ("priority", json!("high")),
            ("status", json!("new")),
            ("opened_at", json!(NOW)),
            ("number", json!("C3-00001")),
        ],
        NOW,
    );
    let ok = team.ana.push(db, &[account, case.clone()]);
    assert!(ok.iter().all(|v| v.outcome == Outcome::Applied), "{ok:?}");

    let early = escalation::run(db, NOW + 10 * MINUTE).unwrap();
    assert_eq!((early.examined, early.escalated), (1, 0), "nothing due yet");
    let warned = escalation::run(db, NOW + 40 * MINUTE).unwrap();
    assert_eq!(
        warned.escalated, 1,
        "within 30 minutes of the first answer's due time"
    );
    let late = escalation::run(db, NOW + 2 * 60 * MINUTE).unwrap();
    assert_eq!(late.escalated, 1, "past due");
    assert_eq!(
        escalation::run(db, NOW + 3 * 60 * MINUTE)
            .unwrap()
            .escalated,
        0,
        "once"
    );
    let stored_case = stored(db, case.record_id);
    assert_eq!(
        stored_case.data["priority"],
        json!("urgent"),
        "raised by the policy"
    );
    let event = stored(
        db,
        service::escalation_id(case.record_id, "first_response", 2),
    );
    assert_eq!(event.data["level"], json!(2));
    assert_eq!(
        event.scope_user, stored_case.scope_user,
        "in the case's book"
    );

    // Ana's laptop, back, escalates the same case offline: one record.
    let mut insert = team.ana.insert(
        EntityKind::CaseEvent,
        &[
            ("case_id", json!(case.record_id.to_string())),
            ("kind", json!("escalation")),
            ("at", json!(NOW + 2 * 60 * MINUTE)),
            ("target", json!("first_response")),
            ("level", json!(2)),
        ],
        NOW + 2 * 60 * MINUTE,
    );
    insert.record_id = service::escalation_id(case.record_id, "first_response", 2);
    assert_eq!(team.ana.push_one(db, &insert).outcome, Outcome::Applied);
    let events = all_records(db)
        .into_iter()
        .filter(|r| r.entity == EntityKind::CaseEvent && r.data["level"] == json!(2))
        .count();
    assert_eq!(events, 1);
}
