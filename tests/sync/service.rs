//! Service cases between laptops and the real server: cases are numbered
//! under each device's series; two laptops escalating the same case offline
//! make one escalation per clock and level after sync, and one raise of its
//! priority, with no conflict; a rep may not change the service levels.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use crm_domain::EntityKind;
use crm_store::{NewCase, RecordQuery};
use serde_json::json;

use crate::{converge, team};

fn escalations(laptop: &crm_system_tests::Laptop) -> Vec<(String, String, i64)> {
    laptop
        .store
        .records(
            EntityKind::CaseEvent,
            &RecordQuery {
                limit: Some(500),
                ..RecordQuery::default()
            },
        )
        .unwrap()
        .rows
        .into_iter()
        .filter(|e| e.fields["kind"] == json!("escalation"))
        .map(|e| {
            (
                e.fields["case_id"].as_str().unwrap().to_owned(),
                e.fields["target"].as_str().unwrap().to_owned(),
                e.fields["level"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn two_laptops_escalating_one_case_offline_make_one_escalation() {
    let server = team();
    let mut boss = crm_system_tests::Laptop::logged_in(&server, "boss@example.com");
    boss.store
        .calendar_set(&[
            ("tz", json!("Asia/Shanghai")),
            ("days", json!("mon-fri")),
            ("hours", json!("09:00-18:00")),
        ])
        .expect("a manager sets the calendar");
    boss.store
        .sla_policy_set(&[
            ("priority", json!("high")),
            ("first_response", json!("1h")),
            ("resolution", json!("1d")),
            ("raise_to", json!("urgent")),
        ])
        .expect("a manager sets a policy");
    boss.sync();

    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    ana.sync();
    let account = ana.account("上海机电");
    let case = ana
        .store
        .case_add(NewCase {
            account_id: account,
            subject: "水泵漏水".into(),
            priority: Some("high".into()),
            ..NewCase::default()
        })
        .unwrap();
    let number = ana.field(EntityKind::Case, case, "number").unwrap();
    let series = ana.store.series().unwrap().unwrap();
    assert_eq!(number, json!(format!("C{series}-00001")));
    ana.sync();
    boss.sync();
    assert!(
        boss.field(EntityKind::Case, case, "subject").is_some(),
        "the manager holds the team's cases"
    );

    // Both offline, both past the first-response due time, a week later.
    let later = Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap();
    let by_ana = ana.store.escalate(later).unwrap();
    let by_boss = boss.store.escalate(later).unwrap();
    assert_eq!(
        by_ana.escalated.len(),
        2,
        "both clocks past due: {by_ana:?}"
    );
    assert_eq!(
        by_boss.escalated, by_ana.escalated,
        "the same escalations, computed alike"
    );

    converge(&mut [&mut ana, &mut boss]);
    for laptop in [&ana, &boss] {
        let seen = escalations(laptop);
        let unique: BTreeSet<_> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), 2, "one record per clock and level: {seen:?}");
        assert_eq!(unique.len(), 2);
        assert_eq!(
            laptop.field(EntityKind::Case, case, "priority"),
            Some(json!("urgent"))
        );
        assert!(
            laptop.store.open_conflicts().unwrap().is_empty(),
            "the same raise from two laptops is no conflict"
        );
    }
    assert!(
        ana.store.escalate(later).unwrap().escalated.is_empty(),
        "escalated once for the whole team"
    );
}

#[test]
fn a_rep_may_not_change_the_service_levels() {
    let server = team();
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    let refused = ana.store.sla_policy_set(&[
        ("priority", json!("low")),
        ("first_response", json!("1h")),
        ("resolution", json!("1d")),
    ]);
    assert!(
        matches!(refused, Err(crm_store::StoreError::Forbidden { .. })),
        "a rep is refused on the laptop: {refused:?}"
    );
}
