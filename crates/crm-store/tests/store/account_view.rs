//! The 360° account page and paging through the contact history.

use std::collections::BTreeSet;

use crm_domain::{EntityKind, Id};
use crm_store::TimelineCursor;
use serde_json::json;

use crate::{Fixture, JAN_2026_MS, account, contact, deal, id_value, insert, interaction};

const HOUR_MS: i64 = 3_600_000;

fn task(fx: &mut Fixture, title: &str, account: Id, due: &str) -> Id {
    let me = fx.store.user_id();
    insert(
        &mut fx.store,
        EntityKind::Task,
        &[
            ("title", json!(title)),
            ("account_id", id_value(account)),
            ("assignee_id", id_value(me)),
            ("due_date", json!(due)),
        ],
    )
}

#[test]
fn the_account_page_shows_people_open_deals_open_promises_and_the_newest_history() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let acme = account(&mut fx.store, "ACME");
    let other = account(&mut fx.store, "Globex");

    let ana = contact(&mut fx.store, acme, "Ana Méndez");
    let wang = contact(&mut fx.store, acme, "王伟");
    let left = contact(&mut fx.store, acme, "Former Employee");
    fx.store
        .write(|w| w.delete(EntityKind::Contact, left))
        .unwrap();
    contact(&mut fx.store, other, "Someone Else");

    let proposal = deal(&mut fx.store, acme, "Expansion", "proposal");
    let early = deal(&mut fx.store, acme, "Pilot", "qualification");
    let won = deal(&mut fx.store, acme, "Renewal 2025", "negotiation");
    fx.store.move_deal(won, "won", None).unwrap();
    let lost = deal(&mut fx.store, acme, "Old bid", "proposal");
    fx.store.move_deal(lost, "lost", Some("price")).unwrap();
    deal(&mut fx.store, other, "Globex deal", "proposal");

    task(&mut fx, "Send quote", acme, "2026-02-10");
    task(&mut fx, "Call back", acme, "2026-02-01");
    let kept = task(&mut fx, "Visit", acme, "2026-01-15");
    fx.store.complete_task(kept, None).unwrap();
    task(&mut fx, "Globex call", other, "2026-01-20");

    let old = interaction(&mut fx.store, acme, JAN_2026_MS, "First call", "Intro");
    let newer = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS + 2 * HOUR_MS,
        "Visit",
        "Factory tour",
    );
    let newest = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS + 5 * HOUR_MS,
        "Meeting",
        "Scope agreed",
    );
    let removed = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS + 3 * HOUR_MS,
        "Wrong entry",
        "Typo",
    );
    fx.store
        .write(|w| w.delete(EntityKind::Interaction, removed))
        .unwrap();
    interaction(
        &mut fx.store,
        other,
        JAN_2026_MS + 9 * HOUR_MS,
        "Globex call",
        "Not ACME",
    );

    let view = fx.store.account_view(acme, 50).unwrap();
    assert_eq!(view.account.id, acme);
    assert_eq!(view.account.name, "ACME");

    let people: BTreeSet<Id> = view.contacts.iter().map(|c| c.id).collect();
    assert_eq!(
        people,
        BTreeSet::from([ana, wang]),
        "the account's people, without deleted ones or others'"
    );

    let deals: Vec<Id> = view.open_opportunities.iter().map(|o| o.id).collect();
    assert_eq!(
        deals,
        [early, proposal],
        "only open deals, in pipeline order; won and lost are closed"
    );

    let tasks: Vec<&str> = view
        .open_tasks
        .iter()
        .map(|t| t.fields["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        tasks,
        ["Call back", "Send quote"],
        "open promises by due date; kept ones and others' are left out"
    );

    let history: Vec<Id> = view.timeline.entries.iter().map(|e| e.id).collect();
    assert_eq!(
        history,
        [newest, newer, old],
        "the history is newest first, without deleted entries"
    );
    assert_eq!(view.timeline.next, None, "everything fit on the first page");
    let first = &view.timeline.entries[0];
    assert_eq!(first.author_id, Some(me), "every entry shows who wrote it");
    assert_eq!(first.author_name.as_deref(), Some(crate::ME));
}

#[test]
fn the_first_timeline_page_is_cut_to_the_limit() {
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
    let view = fx.store.account_view(acme, 3).unwrap();
    assert_eq!(view.timeline.entries.len(), 3);
    assert!(
        view.timeline.next.is_some(),
        "there is more history to page to"
    );
}

fn page_through(fx: &Fixture, account: Id, page: usize) -> (Vec<(i64, Id)>, usize) {
    let mut seen = Vec::new();
    let mut cursor: Option<TimelineCursor> = None;
    let mut pages = 0;
    loop {
        let timeline = fx.store.timeline(account, cursor, page).unwrap();
        pages += 1;
        assert!(
            timeline.entries.len() <= page,
            "a page never holds more than asked"
        );
        seen.extend(
            timeline
                .entries
                .iter()
                .map(|e| (e.occurred_at.timestamp_millis(), e.id)),
        );
        match timeline.next {
            Some(next) => {
                assert!(
                    !timeline.entries.is_empty(),
                    "a page with a next cursor is not empty"
                );
                cursor = Some(next);
            }
            None => break,
        }
        assert!(pages < 100, "paging must end");
    }
    (seen, pages)
}

#[test]
fn paging_yields_every_entry_once_newest_first_even_with_equal_times() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let other = account(&mut fx.store, "Globex");
    // Entries logged in a jumbled order, three of them at the same moment: the
    // cursor must break ties by id, or a page boundary would skip or repeat.
    let offsets = [3, 0, 5, 3, 1, 3, 4];
    let mut ids = BTreeSet::new();
    for (n, hours) in offsets.iter().enumerate() {
        ids.insert(interaction(
            &mut fx.store,
            acme,
            JAN_2026_MS + hours * HOUR_MS,
            &format!("Entry {n}"),
            "",
        ));
    }
    interaction(
        &mut fx.store,
        other,
        JAN_2026_MS + 2 * HOUR_MS,
        "Not ACME",
        "",
    );

    let (seen, pages) = page_through(&fx, acme, 2);
    assert_eq!(
        seen.len(),
        offsets.len(),
        "every entry exactly once: {seen:?}"
    );
    let unique: BTreeSet<Id> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique, ids, "exactly the account's entries, none twice");
    assert!(
        seen.windows(2).all(|p| p[0] > p[1]),
        "strictly descending by (occurred_at, id): {seen:?}"
    );
    assert_eq!(pages, 4, "7 entries by 2 make 4 pages");

    // An exact multiple of the page size must not end with an empty page.
    let (seen, pages) = page_through(&fx, acme, 7);
    assert_eq!(
        (seen.len(), pages),
        (7, 1),
        "a full last page has no next cursor"
    );
    let (seen, _) = page_through(&fx, acme, 1);
    assert_eq!(seen.len(), 7, "pages of one entry also see everything");
}

#[test]
fn the_account_page_of_a_deleted_account_is_not_found() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    fx.store
        .write(|w| w.delete(EntityKind::Account, acme))
        .unwrap();
    assert!(
        fx.store.account_view(acme, 10).is_err(),
        "a deleted account has no page"
    );
}
