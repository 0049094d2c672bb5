//! Demo data: realistic, searchable, deterministic, and never synced.

use crm_domain::EntityKind;
use crm_store::DemoSize;

use crate::{Fixture, account, count};

#[test]
fn demo_makes_the_promised_amounts_searchable_and_queues_nothing() {
    let mut fx = Fixture::create();
    let mut progress = Vec::new();
    let summary = fx
        .store
        .demo(DemoSize::accounts(50), 7, |done, all| {
            progress.push((done, all))
        })
        .expect("demo data loads");

    assert_eq!(summary.accounts, 50);
    assert_eq!(summary.contacts, 150, "3 contacts an account");
    assert_eq!(summary.interactions, 500, "10 history entries an account");
    assert_eq!(
        count(&fx.store, "accounts", ""),
        50,
        "the summary matches the table"
    );
    assert_eq!(count(&fx.store, "contacts", ""), 150);
    assert_eq!(count(&fx.store, "interactions", ""), 500);
    assert_eq!(
        count(&fx.store, "opportunities", ""),
        summary.opportunities as i64
    );
    assert_eq!(count(&fx.store, "leads", ""), summary.leads as i64);
    assert_eq!(count(&fx.store, "tasks", ""), summary.tasks as i64);
    assert_eq!(
        count(&fx.store, "users", ""),
        summary.users as i64 + 1,
        "demo colleagues plus me"
    );
    assert_eq!(
        count(&fx.store, "accounts_fts", ""),
        50,
        "every demo account is indexed"
    );
    assert_eq!(
        count(&fx.store, "interactions_fts", ""),
        500,
        "every demo history entry is indexed"
    );
    assert_eq!(
        progress.last(),
        Some(&(50, 50)),
        "progress reports completion"
    );

    // Documented design: demo data is local sample data and never syncs.
    assert_eq!(
        fx.store.outbox_len().unwrap(),
        0,
        "demo data must not be queued for the team server"
    );
    assert_eq!(
        count(&fx.store, "field_history", ""),
        0,
        "demo data has no edit history"
    );

    let groups = fx.store.search("有限公司", 10).unwrap();
    let companies = groups
        .iter()
        .find(|g| g.entity == EntityKind::Account)
        .map_or(0, |g| g.hits.len());
    assert!(
        companies > 0,
        "a Chinese company word must find demo companies: {groups:?}"
    );

    let some_account = fx.store.search("有限公司", 1).unwrap()[0].hits[0]
        .account_id
        .unwrap();
    let view = fx.store.account_view(some_account, 50).unwrap();
    assert_eq!(view.contacts.len(), 3, "a demo account has its contacts");
    assert_eq!(view.timeline.entries.len(), 10, "and its history");

    // Real work after the demo starts the device's sequence at 1.
    account(&mut fx.store, "ACME");
    let ops = fx.store.outbox(10).unwrap();
    assert_eq!(
        ops.iter().map(|op| op.device_seq).collect::<Vec<_>>(),
        [1],
        "the demo used no sequence numbers"
    );
}

#[test]
fn the_same_seed_gives_the_same_demo_data() {
    let names = |seed: u64| {
        let mut fx = Fixture::create();
        fx.store
            .demo(DemoSize::accounts(20), seed, |_, _| {})
            .unwrap();
        let mut names: Vec<String> = fx
            .store
            .conn()
            .prepare("SELECT name FROM accounts ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        names.sort();
        names
    };
    assert_eq!(
        names(7),
        names(7),
        "a seed must reproduce the same accounts"
    );
    assert_ne!(names(7), names(8), "another seed makes other accounts");
}

/// A demo database is marked as one, and refuses to become a team member:
/// invented customers must never reach a team server.
#[test]
fn a_demo_database_is_marked_and_refuses_a_login() {
    let mut fx = Fixture::create();
    assert!(
        !fx.store.holds_demo_data().unwrap(),
        "a new database is real"
    );
    fx.store
        .demo(DemoSize::accounts(5), 1, |_, _| {})
        .expect("demo data loads");
    assert!(fx.store.holds_demo_data().unwrap());
    fx.reopen();
    assert!(
        fx.store.holds_demo_data().unwrap(),
        "the mark is in the file"
    );
    let user = crm_domain::User {
        id: crm_domain::Id::new(),
        name: "Ana".into(),
        email: Some("ana@example.com".into()),
        role: "rep".into(),
        team: Some("North".into()),
        active: true,
    };
    let err = fx
        .store
        .record_login(
            "https://crm.example.com",
            "ana@example.com",
            "token",
            &user,
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "demo_data");
    assert!(
        fx.store.sync_config().unwrap().is_none(),
        "nothing recorded"
    );
}

#[test]
fn a_loaded_book_has_its_duplicate_keys_made_and_indexed() {
    // 4,000 accounts make 12,000 contacts: more than the rows computed one
    // by one, so the keys are loaded in bulk and the index built after.
    let mut fx = Fixture::create();
    fx.store
        .demo(DemoSize::accounts(4_000), 7, |_, _| {})
        .expect("demo data loads");
    let keyed = count(&fx.store, "duplicate_keyed", "");
    assert_eq!(
        keyed,
        count(&fx.store, "accounts", "")
            + count(&fx.store, "contacts", "")
            + count(&fx.store, "leads", ""),
        "every record's keys are made with the book, not at the first lookup"
    );
    let index: i64 = fx
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'duplicate_keys_by_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1, "the lookup index is back after the bulk load");
    let contact: crm_domain::Id = fx
        .store
        .conn()
        .query_row("SELECT id FROM contacts ORDER BY rowid LIMIT 1", [], |r| {
            r.get::<_, uuid::Uuid>(0).map(crm_domain::Id)
        })
        .unwrap();
    let copy = account(&mut fx.store, "probe");
    assert!(fx.store.duplicates_of(EntityKind::Account, copy).is_ok());
    assert!(fx.store.duplicates_of(EntityKind::Contact, contact).is_ok());
}
