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
    assert!(
        summary.interactions >= 500,
        "10 history entries an account, and answers to the demo's cases"
    );
    assert!(summary.cases >= 5, "a case for every ten accounts");
    assert_eq!(
        count(&fx.store, "accounts", ""),
        50,
        "the summary matches the table"
    );
    assert_eq!(count(&fx.store, "contacts", ""), 150);
    assert_eq!(
        count(&fx.store, "interactions", ""),
        summary.interactions as i64
    );
    assert_eq!(count(&fx.store, "cases", ""), summary.cases as i64);
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
        summary.interactions as i64,
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
    assert!(
        view.timeline.entries.len() >= 10,
        "and its history (and the answers to its cases)"
    );

    // Real work after the demo starts the device's sequence at 1.
    account(&mut fx.store, "ACME");
    let ops = fx.store.outbox(10).unwrap();
    assert_eq!(
        ops.iter().map(|op| op.device_seq).collect::<Vec<_>>(),
        [1],
        "the demo used no sequence numbers"
    );
    // A case opened after the demo takes the next number, not a demo one's.
    let first = fx
        .store
        .case_add(crm_store::NewCase {
            account_id: some_account,
            subject: "After the demo".into(),
            ..crm_store::NewCase::default()
        })
        .unwrap();
    let number = fx.store.case_view(first).unwrap().line.case.fields["number"].clone();
    assert_eq!(
        count(
            &fx.store,
            "cases",
            &format!("number = '{}'", number.as_str().unwrap())
        ),
        1,
        "{number} is unique"
    );
}

#[test]
fn the_same_seed_gives_the_same_demo_data() {
    let names = |seed: u64| {
        let mut fx = Fixture::create();
        fx.store
            .demo(DemoSize::accounts(20), seed, |_, _| {})
            .unwrap();
        let rows = |sql: &str| -> Vec<String> {
            fx.store
                .conn()
                .prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        (
            rows("SELECT name FROM accounts ORDER BY name"),
            rows(
                "SELECT q.number || ' ' || q.status || ' ' || p.code || ' ' || l.quantity || ' ' || l.unit_price
                 FROM quote_lines l JOIN quotes q ON q.id = l.quote_id JOIN products p ON p.id = l.product_id
                 ORDER BY q.number, q.revision, l.position",
            ),
        )
    };
    let (accounts, quotes) = names(7);
    assert!(!quotes.is_empty(), "20 accounts have quotes");
    assert_eq!(
        names(7),
        (accounts.clone(), quotes.clone()),
        "a seed must reproduce the same accounts and documents"
    );
    let (other_accounts, other_quotes) = names(8);
    assert_ne!(
        accounts, other_accounts,
        "another seed makes other accounts"
    );
    assert_ne!(quotes, other_quotes, "and other documents");
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

fn ids(store: &crm_store::Store, sql: &str) -> Vec<crm_domain::Id> {
    store
        .conn()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get::<_, uuid::Uuid>(0).map(crm_domain::Id))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn quantity(text: &str) -> i64 {
    crm_domain::sales::Qty::parse(text)
        .unwrap_or_else(|p| panic!("{text:?} is a quantity: {p:?}"))
        .0
}

/// The demo's sales documents keep the rules the use cases keep: a person
/// who opens one sees nothing the app itself could not have made.
#[test]
fn demo_sales_documents_keep_the_rules_of_the_use_cases() {
    use std::collections::BTreeMap;

    use crm_store::{NewQuote, quote_label};
    use serde_json::Value;

    let mut fx = Fixture::create();
    let summary = fx
        .store
        .demo(DemoSize::accounts(600), 11, |_, _| {})
        .expect("demo data loads");
    let store = &fx.store;
    for (table, made) in [
        ("products", summary.products),
        ("price_lists", summary.price_lists),
        ("prices", summary.prices),
        ("quotes", summary.quotes),
        ("quote_lines", summary.quote_lines),
        ("orders", summary.orders),
        ("order_lines", summary.order_lines),
        ("payments", summary.payments),
        ("payment_allocations", summary.payment_allocations),
    ] {
        assert_eq!(
            count(store, table, "") as u64,
            made,
            "the summary counts {table}"
        );
    }
    assert_eq!(summary.products, 600, "one product an account below 2,000");
    assert_eq!(summary.price_lists, 3, "a default list per currency");
    assert_eq!(
        summary.quote_lines,
        5 * summary.quotes,
        "a quote has 5 lines"
    );
    // Per 100,000 accounts: 100,000 quotes, 60,000 orders, 80,000 payments.
    let per = |n: u64| n as f64 / 600.0;
    assert!((0.8..1.2).contains(&per(summary.quotes)), "{summary:?}");
    assert!((0.45..0.75).contains(&per(summary.orders)), "{summary:?}");
    assert!((0.6..1.0).contains(&per(summary.payments)), "{summary:?}");

    // Every value is one its field's check accepts, and required ones are set.
    for kind in [
        EntityKind::Product,
        EntityKind::PriceList,
        EntityKind::Price,
        EntityKind::Quote,
        EntityKind::QuoteLine,
        EntityKind::Order,
        EntityKind::OrderLine,
        EntityKind::Payment,
        EntityKind::PaymentAllocation,
        EntityKind::Company,
        EntityKind::Account,
    ] {
        for id in ids(store, &format!("SELECT id FROM {}", kind.table())) {
            let row = store.record(kind, id).unwrap();
            for def in kind.fields() {
                match row.fields.get(def.name).filter(|v| !v.is_null()) {
                    Some(value) => assert!(
                        def.check(value).is_ok(),
                        "{kind:?}.{} = {value} is refused: {:?}",
                        def.name,
                        def.check(value)
                    ),
                    None => assert!(!def.required, "{kind:?}.{} is required", def.name),
                }
            }
        }
    }

    // A product line's unit price is its list's price for its quantity (the
    // largest break not above it); a deviation is only ever a discount.
    let prices: Vec<(uuid::Uuid, uuid::Uuid, Option<String>, i64)> = store
        .conn()
        .prepare("SELECT price_list_id, product_id, min_quantity, unit_price FROM prices")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let list_price = |list: uuid::Uuid, product: uuid::Uuid, qty: i64| {
        prices
            .iter()
            .filter(|(l, p, min, _)| {
                *l == list && *p == product && min.as_deref().map_or(0, quantity) <= qty
            })
            .max_by_key(|(_, _, min, _)| min.as_deref().map_or(0, quantity))
            .map(|(.., price)| *price)
    };
    let lines: Vec<(uuid::Uuid, uuid::Uuid, String, i64)> = store
        .conn()
        .prepare(
            "SELECT q.price_list_id, l.product_id, l.quantity, l.unit_price
             FROM quote_lines l JOIN quotes q ON q.id = l.quote_id WHERE l.product_id IS NOT NULL",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(lines.len() as u64, summary.quote_lines);
    for (list, product, qty, price) in &lines {
        assert_eq!(
            list_price(*list, *product, quantity(qty)),
            Some(*price),
            "a quote line of {qty} is at its list's price"
        );
    }
    let breaks = count(
        store,
        "quote_lines l JOIN prices p ON p.product_id = l.product_id",
        "p.min_quantity IS NOT NULL AND CAST(l.quantity AS REAL) >= CAST(p.min_quantity AS REAL)",
    );
    assert!(breaks > 0, "some lines are priced at a quantity break");

    // Totals work for every quote; revisions are readable; the spread of
    // statuses is there, expired ones included.
    let mut statuses = BTreeMap::new();
    for id in ids(store, "SELECT id FROM quotes") {
        let view = store.quote_view(id).expect("every demo quote adds up");
        assert_eq!(view.lines.len(), 5);
        assert!(view.totals.gross >= view.totals.net && view.totals.net > 0);
        let revision = view.quote.fields["revision"].as_i64().unwrap();
        assert_eq!(
            view.revisions.len(),
            if revision > 1 || view.status == "revised" {
                2
            } else {
                1
            },
            "{} has its revisions",
            quote_label(&view.quote)
        );
        *statuses.entry(view.status.clone()).or_insert(0) += 1;
    }
    for status in [
        "draft", "sent", "expired", "accepted", "rejected", "revised",
    ] {
        assert!(
            statuses.contains_key(status),
            "some quotes are {status}: {statuses:?}"
        );
    }

    // An order's lines are its quote's; it was made from an accepted quote.
    let line_of = |table: &str, parent: &str, id: crm_domain::Id| -> Vec<Vec<String>> {
        store
            .conn()
            .prepare(&format!(
                "SELECT position, hex(product_id), description, quantity, coalesce(unit, ''), unit_price,
                        coalesce(discount_percent, ''), coalesce(discount_amount, ''), coalesce(tax_rate, '')
                 FROM {table} WHERE {parent} = ?1 ORDER BY position"
            ))
            .unwrap()
            .query_map([id.0], |r| {
                (0..9)
                    .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let mut overdue = 0;
    let mut partly_paid = 0;
    for id in ids(store, "SELECT id FROM orders") {
        let view = store.order_view(id).expect("every demo order adds up");
        let quote: crm_domain::Id = view.order.fields["quote_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            line_of("order_lines", "order_id", id),
            line_of("quote_lines", "quote_id", quote),
            "an order's lines are its quote's"
        );
        let quote = store.quote_view(quote).unwrap();
        assert_eq!(quote.quote.fields["status"], "accepted");
        assert_eq!(quote.order_id, Some(id));
        assert_eq!(quote.totals.gross, view.totals.gross);
        assert!(
            view.paid <= view.totals.gross,
            "allocations never exceed an order's gross"
        );
        overdue += usize::from(view.overdue);
        partly_paid += usize::from(view.paid > 0 && view.outstanding > 0);
    }
    assert!(
        overdue > 0 && partly_paid > 0,
        "some orders are overdue, some partly paid"
    );

    // A payment settles what it is allocated to: all of it, unless it is a
    // prepayment, whose rest is the account's credit.
    let payments: Vec<(i64, bool, i64)> = store
        .conn()
        .prepare(
            "SELECT p.amount, p.prepayment, coalesce((SELECT sum(a.amount) FROM payment_allocations a
                 WHERE a.payment_id = p.id), 0) FROM payments p",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (amount, prepayment, allocated) in &payments {
        assert!(*amount > 0);
        if *prepayment {
            assert!(
                allocated <= amount,
                "a prepayment allocates no more than it is"
            );
        } else {
            assert_eq!(allocated, amount, "a payment is allocated whole");
        }
    }
    assert!(
        payments.iter().any(|(a, p, al)| *p && al < a),
        "some prepayments are credit"
    );
    let mut credit = 0;
    for account in ids(store, "SELECT DISTINCT account_id FROM quotes") {
        let sales = store
            .account_sales(account, 50)
            .expect("every account's sales");
        store.last_prices(account).expect("and its last prices");
        credit += sales.balance.iter().map(|b| b.credit).sum::<i64>();
    }
    assert!(credit > 0, "credit shows in the balances");

    // Searchable: the catalogue in its languages, documents by number.
    for query in ["离心泵", "Centrifugal pump", "Bomba centrífuga", "Q-00001"] {
        let groups = store.search(query, 5).unwrap();
        assert!(!groups.is_empty(), "{query} finds something");
    }

    // The user's next quote continues the demo's series.
    let numbers: i64 = store
        .conn()
        .query_row("SELECT count(DISTINCT number) FROM quotes", [], |r| {
            r.get(0)
        })
        .unwrap();
    let account = ids(store, "SELECT id FROM accounts LIMIT 1")[0];
    let quote = fx
        .store
        .quote_new(NewQuote {
            account_id: account,
            ..NewQuote::default()
        })
        .expect("a quote for a demo account");
    let made = fx.store.record(EntityKind::Quote, quote).unwrap();
    assert_eq!(
        made.fields["number"],
        Value::from(format!("Q-{:05}", numbers + 1)),
        "no number is given twice"
    );
}
