//! Sales documents between laptops and the real server: two laptops number
//! quotes and orders offline at once and no number repeats after sync; a
//! quote's lines travel with it; a line edited offline after a colleague
//! sent the quote is refused and kept among the refused changes.

use std::collections::BTreeSet;

use crm_domain::EntityKind;
use crm_store::{Item, NewLine, NewQuote, RecordQuery};
use serde_json::json;

use crate::{converge, team};

/// A default CNY list with one product, made by the manager and synced.
fn catalogue(boss: &mut crm_system_tests::Laptop) {
    let list = boss.insert(
        EntityKind::PriceList,
        &[
            ("name", json!("标准价")),
            ("currency", json!("CNY")),
            ("is_default", json!(true)),
        ],
    );
    let pump = boss.insert(
        EntityKind::Product,
        &[
            ("code", json!("P-1")),
            ("name", json!("离心泵")),
            ("tax_rate", json!("13")),
        ],
    );
    boss.insert(
        EntityKind::Price,
        &[
            ("price_list_id", json!(list.to_string())),
            ("product_id", json!(pump.to_string())),
            ("unit_price", json!(120_000)),
        ],
    );
    boss.sync();
}

fn numbers(laptop: &crm_system_tests::Laptop, kind: EntityKind) -> Vec<String> {
    laptop
        .store
        .records(
            kind,
            &RecordQuery {
                limit: Some(500),
                ..RecordQuery::default()
            },
        )
        .unwrap()
        .rows
        .iter()
        .map(|r| r.fields["number"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn two_laptops_number_documents_offline_and_no_number_repeats() {
    let server = team();
    let mut boss = crm_system_tests::Laptop::logged_in(&server, "boss@example.com");
    catalogue(&mut boss);
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    let mut li = crm_system_tests::Laptop::logged_in(&server, "li@example.com");
    ana.sync();
    li.sync();
    let (a, l) = (ana.store.series().unwrap(), li.store.series().unwrap());
    assert!(
        a.is_some() && l.is_some() && a != l,
        "each device its own series: {a:?} {l:?}"
    );

    // Offline, both make quotes and orders at once.
    for laptop in [&mut ana, &mut li] {
        let account = laptop.account("Acme");
        for _ in 0..5 {
            let quote = laptop
                .store
                .quote_new(NewQuote {
                    account_id: account,
                    ..NewQuote::default()
                })
                .unwrap();
            laptop
                .store
                .quote_line(
                    quote,
                    NewLine {
                        item: Item::Product("P-1".into()),
                        quantity: "2".into(),
                        discount: Some("5%".into()),
                        tax_rate: None,
                    },
                )
                .unwrap();
            laptop.store.quote_send(quote, "sent").unwrap();
            laptop.store.quote_accept(quote).unwrap();
            laptop.store.order_from_quote(quote).unwrap();
        }
    }
    let mut boss_again = boss;
    converge(&mut [&mut ana, &mut li, &mut boss_again]);
    for kind in [EntityKind::Quote, EntityKind::Order] {
        let seen = numbers(&boss_again, kind);
        assert_eq!(seen.len(), 10, "{kind}: {seen:?}");
        let unique: BTreeSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), 10, "{kind}: no number twice: {seen:?}");
    }
    // Lines travel with their quote: the manager's totals equal the maker's.
    let quotes = ana
        .store
        .records(EntityKind::Quote, &RecordQuery::default())
        .unwrap()
        .rows;
    for q in quotes {
        assert_eq!(
            boss_again.store.quote_view(q.id).unwrap().totals,
            ana.store.quote_view(q.id).unwrap().totals
        );
    }
}

#[test]
fn a_line_edited_offline_after_the_quote_was_sent_is_refused_and_kept() {
    let server = team();
    let mut boss = crm_system_tests::Laptop::logged_in(&server, "boss@example.com");
    catalogue(&mut boss);
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    ana.sync();
    let account = ana.account("Acme");
    let quote = ana
        .store
        .quote_new(NewQuote {
            account_id: account,
            ..NewQuote::default()
        })
        .unwrap();
    let line = ana
        .store
        .quote_line(
            quote,
            NewLine {
                item: Item::Product("P-1".into()),
                quantity: "2".into(),
                discount: None,
                tax_rate: None,
            },
        )
        .unwrap();
    ana.sync();
    boss.sync();
    // Her manager sends it; meanwhile, offline, she changes the quantity.
    boss.store.quote_send(quote, "Quote sent").unwrap();
    boss.sync();
    ana.store
        .edit(EntityKind::QuoteLine, line, &[("quantity", json!("3"))])
        .unwrap();
    ana.sync();
    let refused = ana.store.rejected().unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].code, "document_locked");
    assert_eq!(
        ana.field(EntityKind::Quote, quote, "status"),
        Some(json!("sent"))
    );
    // The sent quote is as the customer got it, on every laptop.
    assert_eq!(
        boss.field(EntityKind::QuoteLine, line, "quantity"),
        Some(json!("2"))
    );
}
