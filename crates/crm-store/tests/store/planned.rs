//! Planned activities (a task with an `activity`): done, a call, visit or
//! meeting becomes one history entry of its account, in the same
//! transaction; the account page's key numbers; the history by kind.

use crm_domain::{EntityKind, Id};
use serde_json::json;

use crate::{Fixture, JAN_2026_MS, account, contact, deal, id_value, insert, interaction};

const HOUR_MS: i64 = 3_600_000;

fn planned(fx: &mut Fixture, account: Id, activity: &str, title: &str, due: &str, at: i64) -> Id {
    let me = fx.store.user_id();
    insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!(title)),
            ("activity", json!(activity)),
            ("due_date", json!(due)),
            ("starts_at", json!(at)),
            ("place", json!("Calle Mayor 1, Madrid")),
            ("attendees", json!("Ana, Luis")),
            ("account_id", id_value(account)),
            ("assignee_id", id_value(me)),
        ],
    )
}

fn history_count(fx: &Fixture, account: Id) -> usize {
    fx.store.timeline(account, None, 500).unwrap().entries.len()
}

#[test]
fn a_done_planned_visit_becomes_one_history_entry_of_its_account() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let ana = contact(&mut fx.store, acme, "Ana Méndez");
    let visit = planned(
        &mut fx,
        acme,
        "visit",
        "Factory tour",
        "2026-01-01",
        JAN_2026_MS + 10 * HOUR_MS,
    );
    fx.store
        .write(|w| w.update(EntityKind::Task, visit, &[("contact_id", id_value(ana))]))
        .unwrap();
    let queued = fx.store.outbox_len().unwrap();

    let done = fx
        .store
        .complete_task(visit, Some("  Order promised  "))
        .unwrap();
    let entry = done
        .interaction
        .expect("a planned visit is logged when done");
    let logged = fx.store.interaction(entry).unwrap();
    assert_eq!(logged.kind, "visit", "the entry is of the activity's kind");
    assert_eq!(logged.subject, "Factory tour", "titled as the task");
    assert_eq!(logged.account_id, Some(acme));
    assert_eq!(logged.contact_id, Some(ana), "with the planned contact");
    assert_eq!(logged.outcome.as_deref(), Some("Order promised"));
    assert_eq!(logged.author_id, Some(fx.store.user_id()));
    assert!(
        logged.occurred_at.timestamp_millis() <= JAN_2026_MS + 10 * HOUR_MS,
        "dated when it was to start, or now if that is still ahead"
    );
    assert_eq!(history_count(&fx, acme), 1, "exactly one history entry");
    assert_eq!(
        fx.store.outbox_len().unwrap(),
        queued + 2,
        "the task's done mark and the entry, queued as two ordinary changes"
    );

    // Done twice is refused, and writes nothing more.
    let err = fx.store.complete_task(visit, None).unwrap_err();
    assert!(err.to_string().contains("already done"), "{err}");
    assert_eq!(history_count(&fx, acme), 1);
}

#[test]
fn a_plain_todo_only_completes() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let me = fx.store.user_id();
    let todo = insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!("Send the quote")),
            ("account_id", id_value(acme)),
            ("assignee_id", id_value(me)),
        ],
    );
    let marked = planned(
        &mut fx,
        acme,
        "todo",
        "Check stock",
        "2026-01-02",
        JAN_2026_MS,
    );
    assert_eq!(
        fx.store.complete_task(todo, None).unwrap().interaction,
        None
    );
    assert_eq!(
        fx.store
            .complete_task(marked, Some("ok"))
            .unwrap()
            .interaction,
        None
    );
    assert_eq!(history_count(&fx, acme), 0);
}

#[test]
fn a_history_entry_that_cannot_be_written_leaves_the_task_open() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let call = planned(
        &mut fx,
        acme,
        "call",
        "Follow up",
        "2026-01-03",
        JAN_2026_MS,
    );
    let too_long = "x".repeat(5_000);
    assert!(fx.store.complete_task(call, Some(&too_long)).is_err());
    let view = fx.store.account_view(acme, 50).unwrap();
    assert_eq!(view.open_tasks.len(), 1, "one transaction: all or nothing");
    assert_eq!(history_count(&fx, acme), 0);
}

#[test]
fn the_key_numbers_say_where_an_account_stands_and_what_comes_next() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let other = account(&mut fx.store, "Globex");
    deal(&mut fx.store, acme, "Expansion", "proposal");
    deal(&mut fx.store, acme, "Pilot", "qualification");
    let won = deal(&mut fx.store, acme, "Renewal", "negotiation");
    fx.store.move_deal(won, "won", None).unwrap();
    let lost = deal(&mut fx.store, acme, "Old bid", "proposal");
    fx.store.move_deal(lost, "lost", Some("price")).unwrap();
    let usd = insert(
        &mut fx.store,
        EntityKind::Opportunity,
        &[
            ("account_id", id_value(acme)),
            ("name", json!("US branch")),
            ("currency", json!("USD")),
            ("amount", json!(50_000)),
        ],
    );
    deal(&mut fx.store, other, "Not ACME", "proposal");
    interaction(&mut fx.store, acme, JAN_2026_MS, "First call", "");
    interaction(&mut fx.store, acme, JAN_2026_MS + 5 * HOUR_MS, "Second", "");
    interaction(&mut fx.store, other, JAN_2026_MS + 9 * HOUR_MS, "Other", "");

    let me = fx.store.user_id();
    let todo = insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!("Quote")),
            ("due_date", json!("2026-02-01")),
            ("account_id", id_value(acme)),
            ("assignee_id", id_value(me)),
        ],
    );
    let late_visit = planned(
        &mut fx,
        acme,
        "visit",
        "Visit",
        "2026-02-01",
        JAN_2026_MS + 800 * HOUR_MS,
    );
    let early_call = planned(
        &mut fx,
        acme,
        "call",
        "Call",
        "2026-02-01",
        JAN_2026_MS + 750 * HOUR_MS,
    );
    let undated = insert(
        &mut fx.store,
        EntityKind::Task,
        &[("title", json!("Someday")), ("account_id", id_value(acme))],
    );
    let soonest = planned(
        &mut fx,
        acme,
        "meeting",
        "Kick-off",
        "2026-01-20",
        JAN_2026_MS + 480 * HOUR_MS,
    );

    let view = fx.store.account_view(acme, 50).unwrap();
    let k = &view.key_numbers;
    let sums: Vec<(i64, &str)> = k
        .open_pipeline
        .iter()
        .map(|m| (m.minor, m.currency.code()))
        .collect();
    assert_eq!(
        sums,
        [(2_000_000, "CNY"), (50_000, "USD")],
        "open deals summed per currency; won, lost and others' left out"
    );
    let won: Vec<(i64, &str)> = k.won.iter().map(|m| (m.minor, m.currency.code())).collect();
    assert_eq!(won, [(1_000_000, "CNY")]);
    assert_eq!(
        k.last_contact.map(|t| t.timestamp_millis()),
        Some(JAN_2026_MS + 5 * HOUR_MS),
        "the newest entry of this account"
    );
    let order: Vec<Id> = view.open_tasks.iter().map(|t| t.id).collect();
    assert_eq!(
        order,
        [soonest, early_call, late_visit, todo, undated],
        "by day, timed before untimed within a day, undated last"
    );
    assert_eq!(k.next_step.as_ref().map(|t| t.id), Some(soonest));
    assert_eq!(
        k.next_step.as_ref().unwrap().fields["place"],
        json!("Calle Mayor 1, Madrid")
    );
    let _ = usd;

    let empty = fx.store.account_view(other, 50).unwrap().key_numbers;
    assert!(empty.won.is_empty());
    assert_eq!(empty.next_step, None);
}

#[test]
fn the_history_is_filtered_by_kind_a_page_at_a_time() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    for i in 0..5 {
        interaction(
            &mut fx.store,
            acme,
            JAN_2026_MS + i * HOUR_MS,
            &format!("Call {i}"),
            "",
        );
    }
    let mut visits = Vec::new();
    for i in 0..3 {
        let visit = planned(
            &mut fx,
            acme,
            "visit",
            &format!("Visit {i}"),
            "2026-01-01",
            JAN_2026_MS + (10 + i) * HOUR_MS,
        );
        visits.push(
            fx.store
                .complete_task(visit, None)
                .unwrap()
                .interaction
                .unwrap(),
        );
    }
    let first = fx
        .store
        .timeline_of_kind(acme, Some("visit"), None, 2)
        .unwrap();
    assert_eq!(first.entries.len(), 2);
    assert!(first.entries.iter().all(|e| e.kind == "visit"));
    let rest = fx
        .store
        .timeline_of_kind(acme, Some("visit"), first.next, 2)
        .unwrap();
    assert_eq!(rest.next, None);
    let mut seen: Vec<Id> = first
        .entries
        .iter()
        .chain(&rest.entries)
        .map(|e| e.id)
        .collect();
    seen.sort();
    visits.sort();
    assert_eq!(seen, visits, "every visit once, no call");
    assert_eq!(
        fx.store
            .timeline_of_kind(acme, Some("meeting"), None, 50)
            .unwrap()
            .entries
            .len(),
        0
    );
    assert_eq!(
        fx.store
            .timeline_of_kind(acme, None, None, 50)
            .unwrap()
            .entries
            .len(),
        8
    );
}
