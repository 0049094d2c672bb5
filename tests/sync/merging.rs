//! Cases 7-10 and 14-16: clocks, deletes, concurrent edits, one user on two
//! laptops, orphans, duplicates, and data never going backwards.

use chrono::{DateTime, Duration, Utc};
use crm_domain::{EntityKind, Id};
use crm_store::Keep;
use crm_system_tests::Laptop;
use serde_json::json;

use crate::{converge, team};

fn hour_behind() -> DateTime<Utc> {
    Utc::now() - Duration::hours(1)
}

fn year_ahead() -> DateTime<Utc> {
    Utc::now() + Duration::days(365)
}

fn deal(laptop: &mut Laptop, account: Id, amount: i64) -> Id {
    let me = laptop.store.user_id().to_string();
    laptop.insert(
        EntityKind::Opportunity,
        &[
            ("account_id", json!(account.to_string())),
            ("name", json!("Fleet renewal")),
            ("amount", json!(amount)),
            ("currency", json!("EUR")),
            ("owner_id", json!(me)),
        ],
    )
}

#[test]
fn case_7_clock_skew_an_hour_behind_a_year_ahead_and_stepping_back() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Skewed SL");
    ana.update(
        EntityKind::Account,
        account,
        &[("phone", json!("+34 600 000 001"))],
    );
    ana.sync();
    // An hour behind, but it saw Ana's edit first: its later edit still wins,
    // because the clock it stamps with has observed hers.
    boss.store.set_now(hour_behind);
    boss.sync();
    boss.update(
        EntityKind::Account,
        account,
        &[("phone", json!("+34 600 000 002"))],
    );
    boss.sync();
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Account, account, "phone"),
        Some(json!("+34 600 000 002"))
    );
    // A year ahead: refused, visibly, not applied.
    boss.store.set_now(year_ahead);
    boss.update(
        EntityKind::Account,
        account,
        &[("industry", json!("Future"))],
    );
    let summary = boss.sync();
    assert_eq!(summary.rejected, 1, "an op dated a year ahead is refused");
    let rejected = boss.store.rejected().expect("rejected");
    assert_eq!(rejected[0].code, "clock_ahead");
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Account, account, "industry"),
        Some(json!(null))
    );
    // Stepping back: the laptop's own edits stay ordered.
    boss.store.set_now(Utc::now);
    boss.update(EntityKind::Account, account, &[("region", json!("Madrid"))]);
    boss.update(
        EntityKind::Account,
        account,
        &[("region", json!("Sevilla"))],
    );
    let ops = boss.store.outbox(10).expect("outbox");
    assert!(
        ops.windows(2).all(|w| w[0].hlc < w[1].hlc),
        "clock never runs backwards: {ops:?}"
    );
    boss.sync();
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Account, account, "region"),
        Some(json!("Sevilla"))
    );
}

#[test]
fn case_8_delete_against_edit_delete_against_delete_and_recreate() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Contested SA");
    ana.sync();
    boss.sync();
    // Boss edits, Ana (offline, not having seen it) deletes: a conflict, not a silent win.
    boss.update(
        EntityKind::Account,
        account,
        &[("notes", json!("Big order coming"))],
    );
    boss.sync();
    ana.store
        .write(|w| w.delete(EntityKind::Account, account))
        .expect("delete");
    ana.sync();
    boss.sync();
    assert_eq!(
        ana.is_deleted(EntityKind::Account, account),
        Some(false),
        "the edited account was kept"
    );
    let conflicts = boss.store.open_conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "Boss sees that Ana wanted it gone");
    assert_eq!(conflicts[0].field, "*");
    assert_eq!(
        ana.store.open_conflicts().expect("conflicts").len(),
        1,
        "and Ana sees it too"
    );
    // Ana insists: deleting again after seeing the edit is a plain delete.
    let id = ana.store.open_conflicts().expect("conflicts")[0].id;
    ana.store.resolve_conflict(id, Keep::Mine).expect("resolve");
    ana.sync();
    boss.sync();
    assert_eq!(boss.is_deleted(EntityKind::Account, account), Some(true));
    assert!(
        boss.store.open_conflicts().expect("conflicts").is_empty(),
        "the resolution synced"
    );
    // Delete against delete: both fine.
    let twice = ana.account("Gone Twice");
    ana.sync();
    boss.sync();
    ana.store
        .write(|w| w.delete(EntityKind::Account, twice))
        .expect("delete");
    boss.store
        .write(|w| w.delete(EntityKind::Account, twice))
        .expect("delete");
    let (a, b) = (ana.sync(), boss.sync());
    assert_eq!(
        (a.rejected, b.rejected, a.conflicts, b.conflicts),
        (0, 0, 0, 0)
    );
    // Re-create after delete: a new record, not a resurrection.
    let again = ana.account("Gone Twice");
    assert_ne!(again, twice);
    ana.sync();
    boss.sync();
    assert_eq!(boss.is_deleted(EntityKind::Account, again), Some(false));
    assert_eq!(boss.is_deleted(EntityKind::Account, twice), Some(true));
    // Edit of a record deleted meanwhile: kept as a conflict, restorable.
    let edited = ana.account("Edited While Deleted");
    ana.sync();
    boss.sync();
    boss.store
        .write(|w| w.delete(EntityKind::Account, edited))
        .expect("delete");
    boss.sync();
    ana.update(
        EntityKind::Account,
        edited,
        &[("phone", json!("+34 912 345 678"))],
    );
    let summary = ana.sync();
    assert_eq!(summary.conflicts, 1, "{summary:?}");
    let conflict = ana
        .store
        .open_conflicts()
        .expect("conflicts")
        .into_iter()
        .find(|c| c.record_id == Some(edited));
    ana.store
        .resolve_conflict(conflict.expect("conflict").id, Keep::Mine)
        .expect("restore");
    ana.sync();
    boss.sync();
    assert_eq!(
        boss.is_deleted(EntityKind::Account, edited),
        Some(false),
        "restored with the edit"
    );
    assert_eq!(
        boss.field(EntityKind::Account, edited, "phone"),
        Some(json!("+34 912 345 678"))
    );
}

#[test]
fn case_9_same_field_offline_is_lww_or_a_conflict_and_different_fields_merge() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Both Edit Ltd");
    let opportunity = deal(&mut ana, account, 100_000);
    ana.sync();
    boss.sync();
    // Different fields: both kept.
    ana.update(
        EntityKind::Account,
        account,
        &[("industry", json!("Logistics"))],
    );
    boss.update(EntityKind::Account, account, &[("region", json!("Bilbao"))]);
    // The same low-stakes field: the later edit by clock wins.
    ana.update(
        EntityKind::Account,
        account,
        &[("phone", json!("+34 600 111 111"))],
    );
    // Later by the clock: the clock counts milliseconds, and two edits in the
    // same one would be ordered by device id instead.
    std::thread::sleep(std::time::Duration::from_millis(5));
    boss.update(
        EntityKind::Account,
        account,
        &[("phone", json!("+34 600 222 222"))],
    );
    // The same high-stakes field: the server keeps its value, both see a conflict.
    ana.update(
        EntityKind::Opportunity,
        opportunity,
        &[("amount", json!(200_000))],
    );
    boss.update(
        EntityKind::Opportunity,
        opportunity,
        &[("amount", json!(300_000))],
    );
    ana.sync();
    let summary = boss.sync();
    assert_eq!(summary.merged, 0);
    assert_eq!(summary.conflicts, 1, "{summary:?}");
    ana.sync();
    for laptop in [&ana, &boss] {
        assert_eq!(
            laptop.field(EntityKind::Account, account, "industry"),
            Some(json!("Logistics"))
        );
        assert_eq!(
            laptop.field(EntityKind::Account, account, "region"),
            Some(json!("Bilbao"))
        );
        assert_eq!(
            laptop.field(EntityKind::Account, account, "phone"),
            Some(json!("+34 600 222 222"))
        );
        assert_eq!(
            laptop.field(EntityKind::Opportunity, opportunity, "amount"),
            Some(json!(200_000))
        );
        let conflicts = laptop.store.open_conflicts().expect("conflicts");
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            (conflicts[0].mine.clone(), conflicts[0].theirs.clone()),
            (json!(300_000), json!(200_000))
        );
    }
    let id = boss.store.open_conflicts().expect("conflicts")[0].id;
    boss.store
        .resolve_conflict(id, Keep::Mine)
        .expect("resolve");
    boss.sync();
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Opportunity, opportunity, "amount"),
        Some(json!(300_000))
    );
    assert!(ana.store.open_conflicts().expect("conflicts").is_empty());
}

#[test]
fn case_10_one_user_on_two_laptops() {
    let server = team();
    let mut office = Laptop::logged_in(&server, "ana@example.com");
    let mut travel = Laptop::logged_in(&server, "ana@example.com");
    assert_ne!(office.store.device_id(), travel.store.device_id());
    let a = office.account("From the office");
    let b = travel.account("From the road");
    office.sync();
    travel.sync();
    office.sync();
    assert_eq!(
        office.field(EntityKind::Account, b, "name"),
        Some(json!("From the road"))
    );
    assert_eq!(
        travel.field(EntityKind::Account, a, "name"),
        Some(json!("From the office"))
    );
    travel.update(EntityKind::Account, a, &[("notes", json!("visited"))]);
    converge(&mut [&mut office, &mut travel]);
    assert_eq!(
        office.snapshot(EntityKind::Account),
        travel.snapshot(EntityKind::Account)
    );
}

#[test]
fn case_14_a_contact_added_offline_under_an_account_deleted_meanwhile() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Orphanage Inc.");
    ana.sync();
    boss.sync();
    boss.store
        .write(|w| w.delete(EntityKind::Account, account))
        .expect("delete");
    boss.sync();
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(account.to_string())),
            ("name", json!("New Person")),
        ],
    );
    let summary = ana.sync();
    assert_eq!(summary.rejected, 0, "the contact is not lost");
    assert_eq!(summary.conflicts, 1, "the deletion is a conflict to settle");
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Contact, contact, "name"),
        Some(json!("New Person"))
    );
    let conflict = boss.store.open_conflicts().expect("conflicts");
    assert_eq!(conflict.len(), 1, "the deleter sees it too");
    // Keeping the contact's side brings the account back.
    let id = ana.store.open_conflicts().expect("conflicts")[0].id;
    ana.store.resolve_conflict(id, Keep::Mine).expect("resolve");
    ana.sync();
    boss.sync();
    assert_eq!(boss.is_deleted(EntityKind::Account, account), Some(false));
}

#[test]
fn case_15_two_reps_create_the_same_customer_offline() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut li = Laptop::logged_in(&server, "li@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技有限公司")),
            ("phone", json!("+86 10 1234 5678")),
        ],
    );
    li.insert(
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技")),
            ("phone", json!("010-1234-5678")),
        ],
    );
    ana.sync();
    li.sync();
    let summary = boss.sync();
    assert_eq!(
        summary.possible_duplicates, 1,
        "the sync that brought both points them out: {summary:?}"
    );
    converge(&mut [&mut ana, &mut li, &mut boss]);
    let pairs = boss
        .store
        .duplicates(Some(EntityKind::Account))
        .expect("duplicates");
    assert_eq!(
        pairs.len(),
        1,
        "the manager, who holds both, is shown the pair: {pairs:?}"
    );
}

#[test]
fn case_16_after_reconnecting_a_laptop_never_sees_data_go_backwards() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Monotonic SL");
    ana.sync();
    let mut last_cursor = 0;
    let mut last_hlc = String::new();
    for i in 0..5 {
        ana.update(
            EntityKind::Account,
            account,
            &[("notes", json!(format!("edit {i}")))],
        );
        ana.sync();
        boss.sync();
        let cursor = boss
            .store
            .sync_config()
            .expect("config")
            .expect("logged in")
            .cursor;
        assert!(cursor >= last_cursor, "the cursor only moves forward");
        let hlc: String = boss
            .store
            .conn()
            .query_row("SELECT hlc FROM accounts WHERE id = ?1", [account.0], |r| {
                r.get(0)
            })
            .expect("hlc");
        assert!(
            hlc > last_hlc,
            "each pull brings a newer version, never an older one"
        );
        assert_eq!(
            boss.field(EntityKind::Account, account, "notes"),
            Some(json!(format!("edit {i}")))
        );
        last_cursor = cursor;
        last_hlc = hlc;
    }
    // A local edit not yet sent is not overwritten by the server's older value
    // of that field, while other fields still arrive.
    boss.update(
        EntityKind::Account,
        account,
        &[("notes", json!("boss, unsent"))],
    );
    ana.update(
        EntityKind::Account,
        account,
        &[("region", json!("Valencia"))],
    );
    ana.sync();
    let page: Vec<crm_protocol::Change> = {
        let state = crm_protocol::RecordState {
            entity: EntityKind::Account,
            id: account,
            fields: [
                ("name".to_owned(), json!("Monotonic SL")),
                ("notes".to_owned(), json!("edit 4")),
                ("region".to_owned(), json!("Valencia")),
            ]
            .into_iter()
            .collect(),
            deleted: false,
            hlc: last_hlc.parse().expect("hlc"),
            changed_by: None,
            created_by: None,
            change_seq: last_cursor + 1,
        };
        vec![crm_protocol::Change::Upsert(state)]
    };
    boss.store
        .apply_pull(&page, last_cursor, false)
        .expect("apply");
    assert_eq!(
        boss.field(EntityKind::Account, account, "notes"),
        Some(json!("boss, unsent"))
    );
    assert_eq!(
        boss.field(EntityKind::Account, account, "region"),
        Some(json!("Valencia"))
    );
}
