//! Duplicate detection as sync will call it: records written by any path,
//! including straight to the tables, are compared.

use crm_domain::EntityKind;
use crm_store::{Identity, KeyKind};
use serde_json::json;

use crate::{Fixture, id_value, insert};

#[test]
fn the_same_customer_entered_by_two_reps_is_found_in_latin_and_chinese() {
    let mut fx = Fixture::new();
    let s = &mut fx.store;
    let a = insert(
        s,
        EntityKind::Account,
        &[("name", json!("Construcciones Núñez S.L."))],
    );
    let b = insert(
        s,
        EntityKind::Account,
        &[("name", json!("construcciones nunez"))],
    );
    let c = insert(
        s,
        EntityKind::Account,
        &[
            ("name", json!("Acme Inc.")),
            ("website", json!("https://www.acme.com/")),
        ],
    );
    let d = insert(
        s,
        EntityKind::Account,
        &[
            ("name", json!("ACME Corporation (US)")),
            ("website", json!("https://acme.com/about")),
        ],
    );
    insert(s, EntityKind::Account, &[("name", json!("Harbor Foods"))]);
    let pairs = s.duplicates(Some(EntityKind::Account)).unwrap();
    let found: Vec<_> = pairs
        .iter()
        .map(|p| (p.first.id, p.second.id, p.reasons.clone()))
        .collect();
    assert_eq!(
        found,
        [(a, b, vec![KeyKind::Name]), (c, d, vec![KeyKind::Website])],
        "{pairs:?}"
    );

    // Contacts: same name at the same account; same email anywhere.
    let wang1 = insert(
        s,
        EntityKind::Contact,
        &[("account_id", id_value(a)), ("name", json!("王 伟"))],
    );
    let wang2 = insert(
        s,
        EntityKind::Contact,
        &[
            ("account_id", id_value(a)),
            ("name", json!("王伟")),
            ("emails", json!(["w@x.cn"])),
        ],
    );
    insert(
        s,
        EntityKind::Contact,
        &[("account_id", id_value(c)), ("name", json!("王伟"))],
    );
    let matches = s.duplicates_of(EntityKind::Contact, wang1).unwrap();
    assert_eq!(
        matches.len(),
        1,
        "a namesake at another company is someone else"
    );
    assert_eq!(
        (matches[0].id, matches[0].reasons.clone()),
        (wang2, vec![KeyKind::Name])
    );

    let candidate = Identity {
        name: "Someone Else".into(),
        emails: vec!["W@X.CN".into()],
        ..Identity::default()
    };
    let found = s.find_duplicates(EntityKind::Contact, &candidate).unwrap();
    assert_eq!(found[0].id, wang2, "before creating: the email is known");
}

#[test]
fn records_written_straight_to_the_tables_are_compared_too() {
    let mut fx = Fixture::new();
    let s = &mut fx.store;
    let mine = insert(
        s,
        EntityKind::Lead,
        &[
            ("name", json!("Ana Torres")),
            ("email", json!("ana@bluesummit.com")),
        ],
    );
    // As sync applies a pulled record: no Writer, no hook of ours.
    s.conn()
        .execute(
            "INSERT INTO leads (id, name, email, status, created_at, updated_at, hlc)
             VALUES (?1, 'Ana Torres', 'Ana@BlueSummit.com', 'new', 0, 0, '0')",
            [uuid::Uuid::now_v7()],
        )
        .unwrap();
    let pairs = s.duplicates(None).unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].first.id, mine);
    assert_eq!(pairs[0].reasons, [KeyKind::Email, KeyKind::Name]);
    s.write(|w| w.delete(EntityKind::Lead, pairs[0].second.id))
        .unwrap();
    assert!(
        s.duplicates(None).unwrap().is_empty(),
        "deleted records are not duplicates"
    );
}

#[test]
fn after_a_sync_only_pairs_with_a_record_that_arrived_are_counted() {
    let mut fx = Fixture::new();
    let s = &mut fx.store;
    // An old pair nobody touched: it is not news after a sync.
    insert(
        s,
        EntityKind::Account,
        &[("name", json!("Harbor Foods Ltd"))],
    );
    insert(s, EntityKind::Account, &[("name", json!("Harbor Foods"))]);
    let old = insert(s, EntityKind::Account, &[("name", json!("Blue Summit"))]);
    let arrived = insert(
        s,
        EntityKind::Account,
        &[("name", json!("Blue Summit Co."))],
    );
    let pairs = s
        .duplicates_among(&[(EntityKind::Account, arrived)])
        .unwrap();
    let found: Vec<_> = pairs.iter().map(|p| (p.first.id, p.second.id)).collect();
    assert_eq!(found, [(old, arrived)], "{pairs:?}");
    assert_eq!(
        s.duplicates(None).unwrap().len(),
        2,
        "the whole book has both"
    );

    // A key shared by very many records says nothing about any one pair, and
    // looking it up reads a bounded number of them.
    let mut common = Vec::new();
    for i in 0..60 {
        common.push(insert(
            s,
            EntityKind::Account,
            &[
                ("name", json!(format!("Branch {i}"))),
                ("email", json!("info@franchise.example")),
            ],
        ));
    }
    let pairs = s
        .duplicates_among(&[(EntityKind::Account, common[59])])
        .unwrap();
    assert!(pairs.is_empty(), "{pairs:?}");
    assert!(
        s.duplicates_of(EntityKind::Account, common[0])
            .unwrap()
            .len()
            <= 51
    );
    assert!(
        s.duplicates_among(&[]).unwrap().is_empty(),
        "nothing arrived, nothing to check"
    );
}
