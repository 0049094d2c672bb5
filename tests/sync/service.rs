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

#[test]
fn a_published_article_is_everyones_and_a_draft_its_authors_and_managers() {
    let server = team();
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    let mut li = crm_system_tests::Laptop::logged_in(&server, "li@example.com");
    let mut sam = crm_system_tests::Laptop::logged_in(&server, "sam@example.com");
    let mut boss = crm_system_tests::Laptop::logged_in(&server, "boss@example.com");
    let article = ana
        .store
        .add(
            EntityKind::Article,
            &[
                ("title", json!("离心泵机械密封漏水的处理")),
                ("body", json!("先关闭进水阀，再更换机械密封。")),
            ],
        )
        .expect("anyone writes a draft");
    assert_eq!(
        ana.field(EntityKind::Article, article, "author_id"),
        Some(json!(ana.store.user_id().to_string())),
        "a new article names its author"
    );
    ana.sync();
    for laptop in [&mut li, &mut sam, &mut boss] {
        laptop.sync();
    }
    let title = |l: &crm_system_tests::Laptop| l.field(EntityKind::Article, article, "title");
    assert_eq!(title(&li), None, "a colleague does not see a draft");
    assert_eq!(title(&sam), None);
    assert!(title(&boss).is_some(), "the author's manager does");

    ana.update(
        EntityKind::Article,
        article,
        &[("status", json!("published"))],
    );
    ana.sync();
    for laptop in [&mut li, &mut sam, &mut boss] {
        laptop.sync();
        assert!(
            title(laptop).is_some(),
            "published: everyone's, other teams too"
        );
    }
    assert!(
        !li.store.kb_search("密封漏水", 5).unwrap().is_empty(),
        "and found offline by a Chinese substring"
    );
    ana.sync();
    assert!(title(&ana).is_some(), "the author keeps it once published");

    ana.update(EntityKind::Article, article, &[("status", json!("draft"))]);
    ana.sync();
    for laptop in [&mut li, &mut sam] {
        laptop.sync();
        assert_eq!(
            title(laptop),
            None,
            "taken back to draft, it leaves the others' laptops"
        );
    }
    boss.sync();
    assert!(title(&boss).is_some(), "the manager still holds the draft");
    ana.sync();
    assert!(title(&ana).is_some(), "and the author");
}

#[test]
fn a_web_request_reaches_its_owners_laptop_at_the_next_sync() {
    let server = team();
    let out = server.admin(
        &[
            "intake-key",
            "add",
            "--kind",
            "case",
            "--team",
            "North",
            "--name",
            "Website",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let key = printed
        .split_whitespace()
        .find(|w| w.starts_with("crmi_"))
        .unwrap_or_else(|| panic!("the key is printed once: {printed}"))
        .to_owned();
    let listed = server.admin(&["intake-key", "list"], "");
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains(&key),
        "never shown again"
    );

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!("{}/api/v1/intake/case", server.url))
        .header("content-type", "application/json")
        .header("x-crm-intake-key", &key)
        .send(
            serde_json::to_vec(&json!({
                "name": "王芳",
                "email": "wang.fang@example.cn",
                "subject": "报修：水泵漏水",
                "description": "一个月前发过邮件，没人回电话。",
            }))
            .unwrap()
            .as_slice(),
        )
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 201);
    let body: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    let case: crm_domain::Id = body["id"].as_str().unwrap().parse().unwrap();

    // North's reps take turns; whoever got it has it after a sync, with
    // the customer it came from.
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    let mut li = crm_system_tests::Laptop::logged_in(&server, "li@example.com");
    let mut sam = crm_system_tests::Laptop::logged_in(&server, "sam@example.com");
    for laptop in [&mut ana, &mut li, &mut sam] {
        laptop.sync();
    }
    let holders: Vec<&str> = [("ana", &ana), ("li", &li), ("sam", &sam)]
        .into_iter()
        .filter(|(_, l)| l.field(EntityKind::Case, case, "subject").is_some())
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        holders.len(),
        1,
        "exactly one rep of North holds it: {holders:?}"
    );
    assert_ne!(holders[0], "sam", "not another team's");
    let owner = if holders[0] == "ana" { &ana } else { &li };
    let view = owner
        .store
        .case_view(case)
        .expect("the case page opens offline");
    assert_eq!(view.line.case.fields["number"], json!("C0-00001"));
    assert_eq!(
        view.line.case.titles.get("account_id").map(String::as_str),
        Some("王芳"),
        "on the requester's customer"
    );
}

/// A support engineer of another team holds the cases given to him, their
/// history and replies, never the account they are about; he answers and
/// moves a case from his laptop, and the account's owner sees it all.
#[test]
fn a_support_engineer_works_a_case_without_holding_its_account() {
    let server = team();
    server.add_user("sue@example.com", "Sue 苏", "support", "Service");
    let mut sue = crm_system_tests::Laptop::logged_in(&server, "sue@example.com");
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    ana.sync();
    let sue_id = sue.store.user_id();
    let account = ana.account("深圳水务");
    let case = ana
        .store
        .case_add(NewCase {
            account_id: account,
            subject: "水泵漏水".into(),
            owner_id: Some(sue_id),
            ..NewCase::default()
        })
        .expect("a rep gives a case to support staff of another team");
    ana.sync();
    sue.sync();
    assert!(
        sue.field(EntityKind::Case, case, "subject").is_some(),
        "the case reaches the engineer's laptop"
    );
    assert!(
        sue.field(EntityKind::Account, account, "name").is_none(),
        "the account does not: it is Ana's book"
    );
    let mine = sue
        .store
        .cases(crm_store::CaseQueue::Open, true, None, 50)
        .unwrap();
    assert_eq!(
        mine.iter().map(|c| c.case.id).collect::<Vec<_>>(),
        vec![case],
        "it is in his queue"
    );

    sue.store.case_move(case, "in_progress", None).unwrap();
    let reply = sue
        .store
        .case_reply(case, "email", "请更换机械密封", None, false)
        .unwrap();
    let view = sue.store.case_view(case).expect("his case page opens");
    assert_eq!(
        (view.timeline.len(), view.events.len()),
        (1, 1),
        "with his reply and the move"
    );
    sue.sync();
    assert_eq!(sue.pending(), 0, "the server took his work");
    assert!(
        sue.store.rejected().unwrap().is_empty(),
        "{:?}",
        sue.store.rejected().unwrap()
    );
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Case, case, "status"),
        Some(json!("in_progress"))
    );
    assert_eq!(
        ana.field(EntityKind::Interaction, reply, "account_id"),
        Some(json!(account.to_string())),
        "the answer is in the account's history"
    );
}
