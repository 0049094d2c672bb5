//! Case 11: laptop and server on different synced-schema versions, both ways,
//! against the real `crm-server` binary. Version 2 added a kind (exchange
//! rates) and a field (the account's tier); a program told
//! `CRM_SCHEMA_VERSION=1` speaks version 1 exactly as that build did. Nothing
//! queued is ever dropped, nothing one side does not know is erased by it,
//! and once both sides are updated everything arrives. Version 3 added
//! planned activities (a task's `activity`, `starts_at`, `place`,
//! `attendees`).

use crm_domain::{EntityKind, change::SCHEMA_VERSION};
use crm_system_tests::Laptop;
use serde_json::json;

use crate::team;

const OLD: [(&str, &str); 1] = [("CRM_SCHEMA_VERSION", "1")];
/// The release before planned activities (version 3).
const BEFORE_PLANS: [(&str, &str); 1] = [("CRM_SCHEMA_VERSION", "2")];

fn rate(laptop: &mut Laptop) -> crm_domain::Id {
    laptop.insert(
        EntityKind::ExchangeRate,
        &[
            ("day", json!("2026-12-01")),
            ("from_currency", json!("USD")),
            ("to_currency", json!("CNY")),
            ("rate", json!("7.1234")),
        ],
    )
}

// These tests speak of version 2's and 3's additions.
const _: () = assert!(SCHEMA_VERSION >= 3);

#[test]
fn case_11_a_newer_laptop_holds_back_what_an_older_server_does_not_know_and_sends_the_rest() {
    let mut server = team();
    server.restart_with("CRM_SCHEMA_VERSION", "1");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let globex = boss.account("Globex");
    boss.update(EntityKind::Account, globex, &[("tier", json!("strategic"))]);
    // A later edit of a record with a held change waits behind it, in order.
    boss.update(
        EntityKind::Account,
        globex,
        &[("phone", json!("+1 555 0100"))],
    );
    let initech = boss.account("Initech");
    let usd = rate(&mut boss);

    let summary = boss.sync();
    assert_eq!(
        summary.held, 3,
        "the tier, the phone edit behind it and the rate wait: {summary:?}"
    );
    assert_eq!(boss.pending(), 0, "everything else went");
    let held: Vec<String> = boss
        .store
        .rejected()
        .unwrap()
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(held, ["server_too_old"; 3], "visible, with their reason");

    // A second laptop of the same manager sees what the old server took.
    let mut other = Laptop::logged_in(&server, "boss@example.com");
    other.sync();
    assert!(other.field(EntityKind::Account, initech, "name").is_some());
    assert!(other.field(EntityKind::Account, globex, "name").is_some());
    assert_eq!(
        other.field(EntityKind::Account, globex, "phone"),
        Some(json!(null)),
        "the phone edit waits behind the tier"
    );
    assert_eq!(other.field(EntityKind::ExchangeRate, usd, "rate"), None);

    // The server is updated: the held changes go by themselves, in order,
    // as old as they were.
    server.restart();
    let summary = boss.sync();
    assert_eq!(summary.held, 0, "{summary:?}");
    assert!(boss.store.rejected().unwrap().is_empty());
    other.sync();
    assert_eq!(
        other.field(EntityKind::Account, globex, "tier"),
        Some(json!("strategic"))
    );
    assert_eq!(
        other.field(EntityKind::Account, globex, "phone"),
        Some(json!("+1 555 0100"))
    );
    assert_eq!(
        other.field(EntityKind::ExchangeRate, usd, "rate"),
        Some(json!("7.1234"))
    );
}

#[test]
fn case_11_an_older_laptop_gets_what_it_knows_erases_nothing_and_catches_up_once_updated() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let acme = ana.account("Acme");
    ana.update(EntityKind::Account, acme, &[("tier", json!("key"))]);
    ana.sync();
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let usd = rate(&mut boss);
    boss.sync();

    // Ana's second laptop runs the previous version of `crm`.
    let mut old = Laptop::logged_in(&server, "ana@example.com");
    let out = old.crm(&["sync"], &OLD);
    assert!(
        out.status.success(),
        "an older laptop syncs with a newer server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    old.reopen();
    assert!(old.field(EntityKind::Account, acme, "name").is_some());
    assert_eq!(
        old.field(EntityKind::Account, acme, "tier"),
        Some(json!(null)),
        "version 1 has no tier"
    );
    assert_eq!(old.field(EntityKind::ExchangeRate, usd, "rate"), None);

    // Its edit of the phone leaves the tier it never saw alone.
    let id = acme.to_string();
    let out = old.crm(
        &["account", "edit", &id, "--phone", "+34 600 000 000"],
        &OLD,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = old.crm(&["sync"], &OLD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Account, acme, "phone"),
        Some(json!("+34 600 000 000"))
    );
    assert_eq!(
        ana.field(EntityKind::Account, acme, "tier"),
        Some(json!("key")),
        "never erased by a laptop that does not know it"
    );

    // Updated, the old laptop pulls again from the start and takes what it
    // skipped, keeping everything it had.
    old.reopen();
    old.sync();
    assert_eq!(
        old.field(EntityKind::Account, acme, "tier"),
        Some(json!("key"))
    );
    assert_eq!(
        old.field(EntityKind::ExchangeRate, usd, "rate"),
        Some(json!("7.1234"))
    );
    assert_eq!(
        old.field(EntityKind::Account, acme, "phone"),
        Some(json!("+34 600 000 000"))
    );
}

#[test]
fn case_11_an_app_too_old_for_the_server_is_told_to_update_and_keeps_its_queue() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    ana.account("Versioned SL");
    ana.store
        .conn()
        .execute("UPDATE outbox SET schema_version = 0", [])
        .expect("rewrite the queued op's version");
    let err = ana.try_sync().expect_err("upgrade required");
    assert!(
        matches!(&err, crm_sync::SyncError::Server { code, .. } if code == "upgrade_required"),
        "{err}"
    );
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(ana.pending(), 1, "the queue is kept");
}

fn visits(laptop: &Laptop, account: crm_domain::Id) -> Vec<(String, serde_json::Value)> {
    laptop
        .snapshot(EntityKind::Interaction)
        .into_iter()
        .filter(|(_, f, deleted)| !deleted && f["account_id"] == json!(account.to_string()))
        .map(|(id, f, _)| (id, f["kind"].clone()))
        .collect()
}

#[test]
fn case_11_a_planned_visit_reaches_new_laptops_is_logged_once_and_an_older_laptop_keeps_working() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let acme = ana.account("Acme");
    let me = ana.store.user_id().to_string();
    let ten_am = 1_796_724_000_000_i64; // 2026-12-08T10:00:00Z
    let visit = ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Factory tour")),
            ("activity", json!("visit")),
            ("due_date", json!("2026-12-08")),
            ("starts_at", json!(ten_am)),
            ("place", json!("Calle Mayor 1, Madrid")),
            ("attendees", json!("Luis, Marta")),
            ("account_id", json!(acme.to_string())),
            ("assignee_id", json!(me)),
        ],
    );
    let summary = ana.sync();
    assert_eq!(
        summary.held, 0,
        "a version-3 server takes the plan: {summary:?}"
    );

    // Ana's second laptop, as new, gets the whole plan.
    let mut tablet = Laptop::logged_in(&server, "ana@example.com");
    tablet.sync();
    for (field, value) in [
        ("activity", json!("visit")),
        ("starts_at", json!(ten_am)),
        ("place", json!("Calle Mayor 1, Madrid")),
        ("attendees", json!("Luis, Marta")),
    ] {
        assert_eq!(tablet.field(EntityKind::Task, visit, field), Some(value));
    }

    // A laptop still on version 2 syncs without trouble, holds the task as
    // the to-do its version knows, and its edit erases nothing.
    let mut old = Laptop::logged_in(&server, "ana@example.com");
    let out = old.crm(&["sync"], &BEFORE_PLANS);
    assert!(
        out.status.success(),
        "a version-2 laptop syncs with a version-3 server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    old.reopen();
    assert_eq!(
        old.field(EntityKind::Task, visit, "title"),
        Some(json!("Factory tour"))
    );
    assert_eq!(
        old.field(EntityKind::Task, visit, "place"),
        Some(json!(null)),
        "version 2 has no place"
    );
    let id = visit.to_string();
    let out = old.crm(
        &[
            "record",
            "edit",
            "task",
            &id,
            "title=Factory tour and lunch",
        ],
        &BEFORE_PLANS,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = old.crm(&["sync"], &BEFORE_PLANS);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Done on Ana's laptop: one history entry, written there, once.
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Task, visit, "title"),
        Some(json!("Factory tour and lunch"))
    );
    assert_eq!(
        ana.field(EntityKind::Task, visit, "place"),
        Some(json!("Calle Mayor 1, Madrid")),
        "the older laptop's edit left the plan alone"
    );
    let done = ana
        .store
        .complete_task(visit, Some("Order promised"))
        .unwrap();
    let entry = done.interaction.expect("the visit goes into the history");
    assert_eq!(visits(&ana, acme), [(entry.to_string(), json!("visit"))]);
    ana.sync();
    ana.sync();
    tablet.sync();
    assert_eq!(
        visits(&tablet, acme),
        [(entry.to_string(), json!("visit"))],
        "another laptop receives the entry, never writes one of its own"
    );
    assert!(
        tablet
            .field(EntityKind::Task, visit, "done_at")
            .is_some_and(|v| !v.is_null())
    );
    let err = tablet.store.complete_task(visit, None).unwrap_err();
    assert!(err.to_string().contains("already done"), "{err}");
    tablet.sync();
    ana.sync();
    assert_eq!(
        visits(&ana, acme).len(),
        1,
        "still one entry after syncing back"
    );

    // The older laptop takes the entry (a visit is a kind version 1 knew).
    let out = old.crm(&["sync"], &BEFORE_PLANS);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    old.reopen();
    assert_eq!(visits(&old, acme), [(entry.to_string(), json!("visit"))]);
}
