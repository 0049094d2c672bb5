//! Sales documents on a real store: a quote priced by its list, discounts
//! only as discounts, a sent quote that never changes, revisions, an order
//! from the accepted quote (its deal won), payments allocated to orders, the
//! account's balance and last prices, and numbers from the device's series.

use crm_domain::{EntityKind, Id};
use crm_store::{Item, NewLine, NewPayment, NewQuote, Rule, Store, StoreError, quote_label};
use serde_json::{Value, json};

use crate::{Fixture, account, deal, id_value, insert};

struct Catalogue {
    list: Id,
    pump: Id,
}

/// A CNY default list with a pump at 1,000.00 (900.00 from 10 units) and a
/// valve at 25.50, both 13 % tax.
fn catalogue(store: &mut Store) -> Catalogue {
    let list = insert(
        store,
        EntityKind::PriceList,
        &[
            ("name", json!("2027 标准价")),
            ("currency", json!("CNY")),
            ("is_default", json!(true)),
        ],
    );
    let pump = insert(
        store,
        EntityKind::Product,
        &[
            ("code", json!("P-100")),
            ("name", json!("离心泵 Centrifugal pump")),
            ("unit", json!("台")),
            ("tax_rate", json!("13")),
        ],
    );
    let valve = insert(
        store,
        EntityKind::Product,
        &[
            ("code", json!("V-7")),
            ("name", json!("Valve")),
            ("tax_rate", json!("13")),
        ],
    );
    for (product, min, price) in [
        (pump, None, 100_000),
        (pump, Some("10"), 90_000),
        (valve, None, 2_550),
    ] {
        let mut fields = vec![
            ("price_list_id", id_value(list)),
            ("product_id", id_value(product)),
            ("unit_price", json!(price)),
        ];
        if let Some(m) = min {
            fields.push(("min_quantity", json!(m)));
        }
        insert(store, EntityKind::Price, &fields);
    }
    Catalogue { list, pump }
}

fn line(item: Item, qty: &str, discount: Option<&str>) -> NewLine {
    NewLine {
        item,
        quantity: qty.into(),
        discount: discount.map(Into::into),
        tax_rate: None,
    }
}

fn rule(result: Result<impl std::fmt::Debug, StoreError>) -> Rule {
    match result {
        Err(StoreError::Rule(rule)) => rule,
        other => panic!("expected a rule's refusal, got {other:?}"),
    }
}

#[test]
fn a_quote_is_priced_by_its_list_and_deviations_are_discounts() {
    let mut f = Fixture::create();
    let s = &mut f.store;
    let cat = catalogue(s);
    let acme = account(s, "上海锦程贸易有限公司");
    let quote = s
        .quote_new(NewQuote {
            account_id: acme,
            ..NewQuote::default()
        })
        .unwrap();
    let view = s.quote_view(quote).unwrap();
    assert_eq!(
        view.quote.fields["price_list_id"],
        id_value(cat.list),
        "the default list in my currency"
    );
    assert_eq!(view.quote.fields["currency"], json!("CNY"));
    assert_eq!(view.status, "draft");
    assert_eq!(
        quote_label(&view.quote),
        "Q-00001",
        "a laptop never signed in numbers without a series"
    );

    // 2 pumps at the list price less 5 %; 12 valves; 10 pumps at the break.
    s.quote_line(quote, line(Item::Product("P-100".into()), "2", Some("5%")))
        .unwrap();
    s.quote_line(quote, line(Item::Product("V-7".into()), "12", None))
        .unwrap();
    s.quote_line(
        quote,
        line(Item::Product(cat.pump.to_string()), "10", Some("100")),
    )
    .unwrap();
    s.quote_line(
        quote,
        NewLine {
            item: Item::Text {
                description: "安装 Installation".into(),
                unit_price: "500".into(),
                unit: None,
            },
            quantity: "1".into(),
            discount: None,
            tax_rate: Some("6".into()),
        },
    )
    .unwrap();
    let view = s.quote_view(quote).unwrap();
    let prices: Vec<Value> = view
        .lines
        .iter()
        .map(|l| l.fields["unit_price"].clone())
        .collect();
    assert_eq!(
        prices,
        [json!(100_000), json!(2_550), json!(90_000), json!(50_000)]
    );
    let t = &view.totals;
    // 200,000 + 30,600 + 900,000 + 50,000 before discounts.
    assert_eq!(t.subtotal, 1_180_600);
    assert_eq!(
        t.discount,
        10_000 + 10_000,
        "5 % of 2,000.00 and 100.00 off"
    );
    assert_eq!(t.net, 1_160_600);
    // 13 % on 1,110,600 = 144,378; 6 % on 50,000 = 3,000.
    assert_eq!(
        t.taxes,
        vec![
            ("6".to_owned(), 50_000, 3_000),
            ("13".to_owned(), 1_110_600, 144_378)
        ]
    );
    assert_eq!(t.tax, 147_378);
    assert_eq!(t.gross, t.net + t.tax);

    // A product line at another price than its list is refused, on the
    // generic path too: a deviation is a discount.
    let pump_line = view.lines[0].id;
    let refused = rule(s.edit(
        EntityKind::QuoteLine,
        pump_line,
        &[("unit_price", json!(95_000))],
    ));
    assert_eq!(refused.code(), "not_list_price");
    // A product the list does not price, an unknown product, a discount over 100 %.
    let other = insert(
        s,
        EntityKind::Product,
        &[("code", json!("X-1")), ("name", json!("Unpriced"))],
    );
    assert_eq!(
        rule(s.quote_line(quote, line(Item::Product(other.to_string()), "1", None))).code(),
        "no_list_price"
    );
    assert!(matches!(
        s.quote_line(quote, line(Item::Product("NOPE".into()), "1", None)),
        Err(StoreError::Invalid(i)) if i.field == "product"
    ));
    assert!(matches!(
        s.quote_line(quote, line(Item::Product("V-7".into()), "1", Some("150%"))),
        Err(StoreError::Invalid(i)) if i.field == "discount_percent"
    ));
    assert!(matches!(
        s.quote_line(quote, line(Item::Product("V-7".into()), "-2", None)),
        Err(StoreError::Invalid(i)) if i.field == "quantity"
    ));
    assert!(
        matches!(
            s.quote_line(quote, line(Item::Product("V-7".into()), "1", Some("30.00"))),
            Err(StoreError::Invalid(i)) if i.field == "discount_amount"
        ),
        "an amount off larger than the line"
    );
    assert_eq!(
        s.quote_view(quote).unwrap().lines.len(),
        4,
        "nothing refused was written"
    );
}

#[test]
fn a_sent_quote_never_changes_and_a_revision_does() {
    let mut f = Fixture::create();
    let s = &mut f.store;
    catalogue(s);
    let acme = account(s, "Acme");
    let won_deal = deal(s, acme, "Pumps for Acme", "proposal");
    let quote = s
        .quote_new(NewQuote {
            account_id: acme,
            opportunity_id: Some(won_deal),
            ..NewQuote::default()
        })
        .unwrap();
    assert_eq!(
        rule(s.quote_send(quote, "Quote sent")).code(),
        "quote_empty"
    );
    s.quote_line(quote, line(Item::Product("P-100".into()), "3", None))
        .unwrap();
    assert_eq!(
        rule(s.quote_accept(quote)).code(),
        "quote_status",
        "a draft is not accepted"
    );
    s.quote_send(quote, "Quote Q-00001 sent (Q-00001.pdf)")
        .unwrap();

    // Nothing of it changes now: lines, fields, deletion.
    let first_line = s.quote_view(quote).unwrap().lines[0].id;
    assert_eq!(
        rule(s.quote_line(quote, line(Item::Product("V-7".into()), "1", None))).code(),
        "quote_locked"
    );
    assert_eq!(
        rule(s.edit(
            EntityKind::QuoteLine,
            first_line,
            &[("quantity", json!("4"))]
        ))
        .code(),
        "quote_locked"
    );
    assert_eq!(
        rule(s.edit(EntityKind::Quote, quote, &[("terms", json!("new"))])).code(),
        "quote_locked"
    );
    assert_eq!(
        rule(s.delete_record(EntityKind::QuoteLine, first_line)).code(),
        "quote_locked"
    );

    // The account's history names the sending.
    let history = s.timeline(acme, None, 10).unwrap();
    assert!(
        history
            .entries
            .iter()
            .any(|e| e.subject == "Quote Q-00001 sent (Q-00001.pdf)")
    );

    // A revision: same number, next revision, lines copied, a draft again.
    let rev = s.quote_revise(quote).unwrap();
    let old = s.quote_view(quote).unwrap();
    let new = s.quote_view(rev).unwrap();
    assert_eq!(old.status, "revised");
    assert_eq!(new.status, "draft");
    assert_eq!(quote_label(&new.quote), "Q-00001 rev 2");
    assert_eq!(new.lines.len(), 1);
    assert_eq!(new.totals, old.totals);
    assert_eq!(new.revisions.len(), 2);
    s.quote_line(rev, line(Item::Product("V-7".into()), "4", Some("10%")))
        .unwrap();
    assert_eq!(
        s.quote_view(quote).unwrap().totals,
        old.totals,
        "the earlier revision stays as it was"
    );
    s.quote_send(rev, "sent").unwrap();
    s.quote_accept(rev).unwrap();

    // The order: lines copied, due by the terms, the deal won at the net.
    let order = s.order_from_quote(rev).unwrap();
    let view = s.order_view(order).unwrap();
    assert_eq!(view.lines.len(), 2);
    assert_eq!(view.totals.gross, s.quote_view(rev).unwrap().totals.gross);
    assert_eq!(view.outstanding, view.totals.gross);
    assert_eq!(view.order.fields["number"], json!("O-00001"));
    let d = s.opportunity(won_deal).unwrap();
    assert_eq!(d.stage, "won");
    assert_eq!(d.amount.minor, view.totals.net);
    assert_eq!(rule(s.order_from_quote(rev)).code(), "already_ordered");
}

#[test]
fn payments_settle_orders_and_the_balance_tells_what_is_owed() {
    let mut f = Fixture::create();
    let s = &mut f.store;
    catalogue(s);
    let acme = account(s, "Acme");
    let mut orders = Vec::new();
    for qty in ["1", "2"] {
        let q = s
            .quote_new(NewQuote {
                account_id: acme,
                ..NewQuote::default()
            })
            .unwrap();
        s.quote_line(q, line(Item::Product("P-100".into()), qty, None))
            .unwrap();
        s.quote_send(q, "sent").unwrap();
        s.quote_accept(q).unwrap();
        orders.push(s.order_from_quote(q).unwrap());
    }
    // 1,130.00 and 2,260.00 owed.
    let owed: Vec<i64> = orders
        .iter()
        .map(|o| s.order_view(*o).unwrap().outstanding)
        .collect();
    assert_eq!(owed, [113_000, 226_000]);
    let pay = |s: &mut Store, amount: &str, orders: Vec<Id>, prepayment: bool| {
        s.payment_add(NewPayment {
            account_id: acme,
            amount: amount.into(),
            currency: "CNY".into(),
            orders,
            prepayment,
            ..NewPayment::default()
        })
    };
    // More than is owed is refused unless it is a prepayment; nothing written.
    assert_eq!(rule(pay(s, "5000", vec![], false)).code(), "overpaid");
    assert_eq!(
        rule(
            pay(s, "100", vec![orders[0]], false)
                .map(|_| ())
                .and_then(|()| pay(s, "1100", vec![orders[0]], false))
        )
        .code(),
        "overpaid"
    );
    // A wrong currency.
    assert_eq!(
        rule(s.payment_add(NewPayment {
            account_id: acme,
            amount: "10".into(),
            currency: "EUR".into(),
            orders: vec![orders[0]],
            ..NewPayment::default()
        }))
        .code(),
        "currency_mismatch"
    );
    // Without orders named: the oldest due first.
    pay(s, "1500", vec![], false).unwrap();
    assert_eq!(s.order_view(orders[0]).unwrap().outstanding, 0);
    assert_eq!(
        s.order_view(orders[1]).unwrap().outstanding,
        226_000 - (150_000 + 10_000 - 113_000)
    );
    let balance = s.balance(acme).unwrap();
    assert_eq!(balance.len(), 1);
    let b = &balance[0];
    assert_eq!(b.ordered, 339_000);
    assert_eq!(b.paid, 160_000);
    assert_eq!(b.outstanding, 339_000 - 160_000);
    assert_eq!(b.overdue, 0, "due in 30 days");
    assert_eq!(b.credit, 0);
    // A prepayment beyond what is owed is kept as credit.
    pay(s, "2000", vec![], true).unwrap();
    let b = &s.balance(acme).unwrap()[0];
    assert_eq!(b.outstanding, 0);
    assert_eq!(b.credit, 200_000 - (339_000 - 160_000));

    // Last prices: the pump, from the latest document.
    let prices = s.last_prices(acme).unwrap();
    assert_eq!(prices.len(), 1);
    assert_eq!(prices[0].code, "P-100");
    assert_eq!(prices[0].unit_price, 100_000);
}

#[test]
fn a_product_code_is_unique_in_the_team() {
    let mut f = Fixture::create();
    let s = &mut f.store;
    catalogue(s);
    let again = s.add(
        EntityKind::Product,
        &[("code", json!("P-100")), ("name", json!("Another pump"))],
    );
    assert!(
        matches!(again, Err(StoreError::Invalid(i)) if i.field == "code" && i.problem.code() == "taken")
    );
}

#[test]
fn one_price_per_product_list_and_break_and_setting_it_again_changes_it() {
    let mut f = Fixture::create();
    let s = &mut f.store;
    let cat = catalogue(s);
    let twice = s.add(
        EntityKind::Price,
        &[
            ("price_list_id", id_value(cat.list)),
            ("product_id", id_value(cat.pump)),
            ("unit_price", json!(1)),
        ],
    );
    assert!(matches!(twice, Err(StoreError::Invalid(i)) if i.problem.code() == "taken"));
    let id = s.set_price(cat.list, cat.pump, None, "1100").unwrap();
    assert_eq!(
        s.record(EntityKind::Price, id).unwrap().fields["unit_price"],
        json!(110_000)
    );
    let acme = account(s, "Acme");
    let quote = s
        .quote_new(NewQuote {
            account_id: acme,
            ..NewQuote::default()
        })
        .unwrap();
    s.quote_line(quote, line(Item::Product("P-100".into()), "1", None))
        .unwrap();
    assert_eq!(
        s.quote_view(quote).unwrap().lines[0].fields["unit_price"],
        json!(110_000)
    );
}
