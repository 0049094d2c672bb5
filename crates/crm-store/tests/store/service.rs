//! Service on a real store: a case's flow (a closed case is reopened before
//! anyone works on it), its SLA clocks under the team's calendar with the
//! clock stopped while the customer is awaited, escalation once per case,
//! clock and level, satisfaction, and the knowledge base found by Chinese
//! substrings.

use chrono::{DateTime, TimeZone, Utc};
use crm_domain::{EntityKind, Id};
use crm_store::{CaseQueue, NewCase, Store, StoreError};
use serde_json::json;

use crate::{Fixture, account, count, snapshot};

/// A moment on a Shanghai wall clock in March 2027 (Monday the 1st).
fn sh(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2027, 3, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn monday_0900() -> DateTime<Utc> {
    sh(1, 9, 0)
}
fn monday_1000() -> DateTime<Utc> {
    sh(1, 10, 0)
}
fn monday_1200() -> DateTime<Utc> {
    sh(1, 12, 0)
}
fn monday_1230() -> DateTime<Utc> {
    sh(1, 12, 30)
}
fn monday_1330() -> DateTime<Utc> {
    sh(1, 13, 30)
}
fn tuesday_1000() -> DateTime<Utc> {
    sh(2, 10, 0)
}

fn rule_code(e: StoreError) -> String {
    match e {
        StoreError::Rule(rule) => rule.code().to_owned(),
        StoreError::Invalid(i) => format!("{}:{}", i.field, i.problem.code()),
        other => panic!("expected a refusal, got {other}"),
    }
}

/// Shanghai business hours (09:00-12:00, 13:00-18:00, Monday to Friday) and
/// a high-priority policy: answer within 2h, resolve within 1d, warn 1h
/// before, raise to urgent once past due.
fn service_levels(store: &mut Store) {
    store
        .calendar_set(&[
            ("tz", json!("Asia/Shanghai")),
            ("days", json!("mon-fri")),
            ("hours", json!("09:00-12:00,13:00-18:00")),
        ])
        .expect("a calendar with working hours");
    let policy = store
        .typed(
            EntityKind::SlaPolicy,
            &[
                ("priority", "high"),
                ("first_response", "2h"),
                ("resolution", "1d"),
                ("warn_before", "1h"),
                ("raise_to", "urgent"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            None,
        )
        .unwrap();
    store.sla_policy_set(&policy).unwrap();
}

fn open_case(store: &mut Store, account: Id, subject: &str, priority: &str) -> Id {
    store
        .case_add(NewCase {
            account_id: account,
            subject: subject.into(),
            priority: Some(priority.into()),
            channel: Some("phone".into()),
            ..NewCase::default()
        })
        .expect("opening a case for an existing account")
}

#[test]
fn a_case_moves_by_its_flow_and_a_closed_one_is_reopened_first() {
    let mut f = Fixture::create();
    let acme = account(&mut f.store, "上海机电有限公司");
    let case = open_case(&mut f.store, acme, "水泵漏水", "normal");
    let view = f.store.case_view(case).unwrap();
    assert_eq!(
        view.line.case.fields["number"],
        json!("C-00001"),
        "numbered before any login"
    );
    assert_eq!(view.line.case.fields["status"], json!("new"));

    f.store
        .case_move(case, "closed", Some("客户自行解决"))
        .unwrap();
    let before = snapshot(&f.store);
    let refused = f.store.case_move(case, "in_progress", None).unwrap_err();
    assert_eq!(
        rule_code(refused),
        "case_move",
        "closed -> in progress skips reopening"
    );
    crate::assert_unchanged(&before, &f.store, "a refused move writes nothing");
    let refused = f
        .store
        .case_reply(case, "call", "回访", None, false)
        .unwrap_err();
    assert_eq!(rule_code(refused), "case_closed");

    f.store.case_move(case, "reopened", None).unwrap();
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.line.case.fields["status"], json!("in_progress"));
    let moves: Vec<(String, String)> = view
        .events
        .iter()
        .map(|e| {
            (
                e.fields["from_status"].as_str().unwrap().to_owned(),
                e.fields["to_status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("new".into(), "closed".into()),
            ("closed".into(), "in_progress".into())
        ]
    );
    assert_eq!(view.events[0].fields["note"], json!("客户自行解决"));
    // A person's edit cannot set the status around the flow.
    let refused = f
        .store
        .edit(EntityKind::Case, case, &[("status", json!("closed"))])
        .unwrap_err();
    assert_eq!(rule_code(refused), "status:system_only");
}

#[test]
fn the_clocks_run_in_working_time_and_stop_while_the_customer_is_awaited() {
    let mut f = Fixture::create();
    service_levels(&mut f.store);
    let acme = account(&mut f.store, "Acme");
    f.store.set_now(monday_1000);
    let case = open_case(&mut f.store, acme, "Pump leaks", "high");

    let clock = f
        .store
        .case_view(case)
        .unwrap()
        .line
        .clock
        .expect("a policy covers high");
    // 10:00 + 2h of working time, up to lunch.
    assert_eq!(clock.first_response.due, Some(sh(1, 12, 0)));
    // 1d is the calendar's day (8h): 10-12, 13-18 is 7h, then Tuesday 09-10.
    assert_eq!(clock.resolution.due, Some(sh(2, 10, 0)));

    // An inbound message is not an answer; ours is, and starts the work.
    f.store.set_now(monday_1200);
    f.store
        .case_reply(case, "email", "Photo of the leak", None, true)
        .unwrap();
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.line.case.fields["status"], json!("new"));
    assert!(
        view.line.clock.unwrap().first_response.breached,
        "due at 12:00, not answered"
    );
    f.store.set_now(monday_1230);
    f.store
        .case_reply(case, "call", "Called back", None, false)
        .unwrap();
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.line.case.fields["status"], json!("in_progress"));
    let first = view.line.clock.unwrap().first_response;
    assert_eq!(first.met, Some(sh(1, 12, 30)));
    assert!(first.breached, "answered, but late");

    // Waiting on the customer from 13:30 (2.5h of the 8h used) to Tuesday
    // 10:00: the resolution is due 5.5 working hours later, 16:30.
    f.store.set_now(monday_1330);
    f.store
        .case_move(case, "waiting", Some("Waiting for the part number"))
        .unwrap();
    let waiting = f.store.case_view(case).unwrap().line.clock.unwrap();
    assert_eq!(waiting.resolution.due, None, "not known while waiting");
    assert_eq!(waiting.resolution.left, Some(330));
    f.store.set_now(tuesday_1000);
    f.store.case_move(case, "in_progress", None).unwrap();
    let clock = f.store.case_view(case).unwrap().line.clock.unwrap();
    assert_eq!(clock.resolution.due, Some(sh(2, 16, 30)));
    assert!(!clock.resolution.breached);
}

#[test]
fn a_case_escalates_once_per_clock_and_level_and_is_raised_when_past_due() {
    let mut f = Fixture::create();
    service_levels(&mut f.store);
    let acme = account(&mut f.store, "Acme");
    f.store.set_now(monday_0900);
    let case = open_case(&mut f.store, acme, "Pump leaks", "high");
    let calm = open_case(&mut f.store, acme, "Question about the manual", "low");

    // 10:15: 45 minutes left to answer, within the hour's warning.
    let pass = f.store.escalate(sh(1, 10, 15)).unwrap();
    assert_eq!(pass.examined, 2);
    let got: Vec<(Id, String, i64)> = pass
        .escalated
        .iter()
        .map(|e| (e.case_id, e.target.clone(), e.level))
        .collect();
    assert_eq!(got, vec![(case, "first_response".to_owned(), 1)]);
    assert!(
        pass.escalated[0].raised_to.is_none(),
        "a warning raises nothing"
    );
    assert!(
        f.store
            .escalate(sh(1, 10, 30))
            .unwrap()
            .escalated
            .is_empty(),
        "the same level is not escalated twice"
    );

    // Past due: level 2, priority raised to urgent, the history says so.
    let pass = f.store.escalate(sh(1, 11, 5)).unwrap();
    assert_eq!(pass.escalated.len(), 1);
    assert_eq!(pass.escalated[0].level, 2);
    assert_eq!(pass.escalated[0].raised_to.as_deref(), Some("urgent"));
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.line.case.fields["priority"], json!("urgent"));
    assert_eq!(view.line.level, 2);
    let escalations = count(
        &f.store,
        "case_events",
        "kind = 'escalation' AND deleted_at IS NULL",
    );
    assert_eq!(escalations, 2);
    assert!(
        f.store
            .escalate(sh(1, 11, 30))
            .unwrap()
            .escalated
            .is_empty()
    );
    let _ = calm; // No policy for low: never escalated, listed as open.

    f.store.set_now(monday_1200);
    let breached = f.store.cases(CaseQueue::Breached, false, None, 10).unwrap();
    // Raised to urgent, which has no policy: no clock any more.
    assert!(breached.is_empty());
    let escalated = f
        .store
        .cases(CaseQueue::Escalated, false, None, 10)
        .unwrap();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].case.id, case);
    assert_eq!(
        f.store
            .cases(CaseQueue::Open, false, None, 10)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn breached_cases_come_first_in_the_queue() {
    let mut f = Fixture::create();
    service_levels(&mut f.store);
    let acme = account(&mut f.store, "Acme");
    f.store.set_now(monday_0900);
    let early = open_case(&mut f.store, acme, "Early", "high");
    f.store.set_now(monday_1000);
    let later = open_case(&mut f.store, acme, "Later", "high");
    f.store.set_now(monday_1200);
    let lines = f.store.cases(CaseQueue::Open, false, None, 10).unwrap();
    let ids: Vec<Id> = lines.iter().map(|l| l.case.id).collect();
    assert_eq!(ids, vec![early, later]);
    assert!(lines[0].clock.unwrap().breached());
    assert_eq!(
        f.store
            .cases(CaseQueue::Breached, false, None, 10)
            .unwrap()
            .iter()
            .map(|l| l.case.id)
            .collect::<Vec<_>>(),
        vec![early, later],
        "12:00 is the due time of the later one too"
    );
}

#[test]
fn bad_service_levels_are_refused_naming_the_field() {
    let mut f = Fixture::create();
    let before = snapshot(&f.store);
    let e = f
        .store
        .calendar_set(&[
            ("tz", json!("Asia/Shanghai")),
            ("days", json!("mon-fri")),
            ("hours", json!("18:00-09:00")),
        ])
        .unwrap_err();
    assert_eq!(rule_code(e), "hours:working_hours");
    let e = f
        .store
        .calendar_set(&[
            ("tz", json!("Mars/Olympus")),
            ("days", json!("mon-fri")),
            ("hours", json!("09:00-18:00")),
        ])
        .unwrap_err();
    assert_eq!(rule_code(e), "tz:time_zone");
    let typed = f.store.typed(
        EntityKind::SlaPolicy,
        &[("first_response".to_owned(), "four hours".to_owned())]
            .into_iter()
            .collect(),
        None,
    );
    assert_eq!(rule_code(typed.unwrap_err()), "first_response:duration");
    crate::assert_unchanged(&before, &f.store, "refusals write nothing");
}

#[test]
fn satisfaction_is_asked_of_resolved_cases_on_its_scale() {
    let mut f = Fixture::create();
    let acme = account(&mut f.store, "Acme");
    let case = open_case(&mut f.store, acme, "Pump leaks", "normal");
    let e = f
        .store
        .survey_add("csat", Some(case), None, "5", None, "staff")
        .unwrap_err();
    assert_eq!(rule_code(e), "case_not_resolved");
    f.store.case_move(case, "resolved", None).unwrap();
    for bad in ["0", "6", "x"] {
        let e = f
            .store
            .survey_add("csat", Some(case), None, bad, None, "staff")
            .unwrap_err();
        assert!(
            rule_code(e).starts_with("score:"),
            "CSAT {bad} is off its 1-5 scale"
        );
    }
    f.store
        .survey_add("csat", Some(case), None, "4", Some("快"), "staff")
        .unwrap();
    f.store
        .survey_add("nps", None, Some(acme), "9", None, "staff")
        .unwrap();
    let e = f
        .store
        .survey_add("nps", None, Some(acme), "11", None, "staff")
        .unwrap_err();
    assert!(rule_code(e).starts_with("score:"));
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.surveys.len(), 1);
    assert_eq!(view.surveys[0].fields["score"], json!(4));
    assert_eq!(
        view.surveys[0].fields["account_id"],
        json!(acme.to_string())
    );
}

#[test]
fn articles_are_found_by_chinese_substrings_suggested_and_counted() {
    let mut f = Fixture::create();
    let article = |store: &mut Store, title: &str, body: &str, status: &str| {
        store
            .add(
                EntityKind::Article,
                &[
                    ("title", json!(title)),
                    ("body", json!(body)),
                    ("status", json!(status)),
                    ("language", json!("zh")),
                ],
            )
            .unwrap()
    };
    let seal = article(
        &mut f.store,
        "离心泵机械密封漏水的处理",
        "先关闭进水阀，再更换机械密封。",
        "published",
    );
    let _draft = article(&mut f.store, "机械密封草稿", "未完成", "draft");
    let hits = f.store.kb_search("密封漏", 10).unwrap();
    assert_eq!(
        hits.first().map(|h| h.id),
        Some(seal),
        "a substring in the middle of a title"
    );

    let acme = account(&mut f.store, "Acme");
    let case = open_case(&mut f.store, acme, "离心泵 漏水", "normal");
    let view = f.store.case_view(case).unwrap();
    let suggested: Vec<Id> = view.suggested.iter().map(|h| h.id).collect();
    assert_eq!(
        suggested,
        vec![seal],
        "published articles only, from the case's words"
    );

    f.store.case_solve(case, seal, Some("按文章处理")).unwrap();
    assert_eq!(f.store.article_uses(seal).unwrap(), 1);
    let view = f.store.case_view(case).unwrap();
    assert_eq!(view.line.case.fields["status"], json!("resolved"));
    assert_eq!(view.solution.map(|a| a.id), Some(seal));
    assert!(
        f.store.case_story(case).unwrap().contains("离心泵 漏水"),
        "an article written from the case starts from its story"
    );
}

#[test]
fn a_refused_case_names_what_is_wrong() {
    let mut f = Fixture::create();
    let acme = account(&mut f.store, "Acme");
    let before = snapshot(&f.store);
    let e = f
        .store
        .case_add(NewCase {
            account_id: acme,
            subject: "  ".into(),
            ..NewCase::default()
        })
        .unwrap_err();
    assert_eq!(rule_code(e), "subject:empty");
    let e = f
        .store
        .case_add(NewCase {
            account_id: acme,
            subject: "Leak".into(),
            priority: Some("asap".into()),
            ..NewCase::default()
        })
        .unwrap_err();
    assert_eq!(rule_code(e), "priority:one_of");
    crate::assert_unchanged(&before, &f.store, "nothing written");
}

#[test]
fn the_managers_view_counts_load_breaches_resolution_and_satisfaction() {
    let mut f = Fixture::create();
    service_levels(&mut f.store);
    let acme = account(&mut f.store, "Acme");
    f.store.set_now(monday_0900);
    let leak = open_case(&mut f.store, acme, "Leak", "high");
    let manual = open_case(&mut f.store, acme, "Manual", "high");
    f.store
        .edit(EntityKind::Case, manual, &[("category", json!("安装"))])
        .unwrap();
    f.store.set_now(monday_1000);
    f.store.case_move(leak, "resolved", None).unwrap();
    f.store
        .survey_add("csat", Some(leak), None, "4", None, "staff")
        .unwrap();
    f.store.set_now(monday_1330);
    let view = f.store.service_view().unwrap();
    assert_eq!(view.by_status.get("new"), Some(&1));
    assert_eq!(view.by_priority.get("high"), Some(&1));
    assert_eq!(
        view.breached, 1,
        "the manual's first answer was due at 11:00"
    );
    let me = &view.engineers[0];
    assert_eq!(me.name.as_deref(), Some(crate::ME));
    assert_eq!((me.open, me.breached, me.resolved), (1, 1, 1));
    assert_eq!(
        me.median_resolution_minutes,
        Some(60),
        "09:00 to 10:00 in working time"
    );
    assert_eq!((me.csat, me.csat_answers), (Some(4.0), 1));
    let install = view.categories.iter().find(|c| c.key == "安装").unwrap();
    assert_eq!((install.open, install.resolved), (1, 0));
    assert_eq!(view.months.len(), 1);
    assert_eq!(view.months[0].key, "2027-03");
}

#[test]
fn an_account_lists_its_open_cases_first_then_the_others_newest_first() {
    let mut f = Fixture::create();
    service_levels(&mut f.store);
    let acme = account(&mut f.store, "Acme");
    let other = account(&mut f.store, "Other");
    f.store.set_now(monday_0900);
    let old_done = open_case(&mut f.store, acme, "Old", "high");
    f.store.case_move(old_done, "resolved", None).unwrap();
    f.store.set_now(monday_1000);
    let calm = open_case(&mut f.store, acme, "Calm", "low");
    let late = open_case(&mut f.store, acme, "Late", "high");
    let new_done = open_case(&mut f.store, acme, "Done", "high");
    f.store.case_move(new_done, "closed", None).unwrap();
    open_case(&mut f.store, other, "Not Acme's", "high");
    f.store.set_now(monday_1330);
    let ids: Vec<Id> = f
        .store
        .account_cases(acme, 10)
        .unwrap()
        .iter()
        .map(|l| l.case.id)
        .collect();
    assert_eq!(ids, vec![late, calm, new_done, old_done]);
}
