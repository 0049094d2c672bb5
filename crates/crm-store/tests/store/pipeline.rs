//! The pipeline board's reads: totals per stage and currency under a filter,
//! the dated exchange rates that convert them into one currency, and the
//! pages of a column.

use chrono::NaiveDate;
use crm_domain::{Currency, EntityKind, Id};
use crm_store::{DealFilter, StageTotal, Store, in_currency};
use serde_json::json;

use crate::{Fixture, account, id_value, insert, user};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn cur(code: &str) -> Currency {
    code.parse().unwrap()
}

/// A deal with everything the board reads.
#[allow(clippy::too_many_arguments)]
fn deal(
    store: &mut Store,
    account: Id,
    name: &str,
    stage: &str,
    amount: i64,
    currency: &str,
    close: Option<&str>,
    owner: Id,
) -> Id {
    let mut fields = vec![
        ("account_id", id_value(account)),
        ("name", json!(name)),
        ("stage", json!(stage)),
        ("amount", json!(amount)),
        ("currency", json!(currency)),
        ("probability", json!(50)),
        ("owner_id", id_value(owner)),
    ];
    if let Some(close) = close {
        fields.push(("close_date", json!(close)));
    }
    insert(store, EntityKind::Opportunity, &fields)
}

fn rate(store: &mut Store, on: &str, from: &str, to: &str, rate: &str) -> Id {
    insert(
        store,
        EntityKind::ExchangeRate,
        &[
            ("day", json!(on)),
            ("from_currency", json!(from)),
            ("to_currency", json!(to)),
            ("rate", json!(rate)),
        ],
    )
}

fn names(
    store: &Store,
    stage: &str,
    filter: &DealFilter,
    offset: usize,
    limit: usize,
) -> Vec<String> {
    let selection = store.select_deals(filter).unwrap();
    store
        .deal_cards(stage, &selection, offset, limit)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn the_rate_of_a_day_is_the_latest_on_or_before_it_either_way_round() {
    let mut fx = Fixture::create();
    let s = &mut fx.store;
    rate(s, "2026-11-01", "USD", "CNY", "7.1");
    rate(s, "2026-12-01", "USD", "CNY", "7.2");
    rate(s, "2026-12-10", "USD", "CNY", "9");
    let on = |s: &Store, from, to, d| s.exchange_rate(from, to, day(d)).unwrap();
    let usd_100 = |rate| {
        crm_domain::Money {
            minor: 10_000,
            currency: cur("USD"),
        }
        .convert(cur("CNY"), rate)
        .unwrap()
        .minor
    };
    assert_eq!(
        usd_100(on(s, "USD", "CNY", "2026-12-05").unwrap()),
        72_000,
        "December's rate, not the future one"
    );
    assert_eq!(
        usd_100(on(s, "USD", "CNY", "2026-12-01").unwrap()),
        72_000,
        "a rate is valid on its own day"
    );
    assert_eq!(usd_100(on(s, "USD", "CNY", "2026-11-30").unwrap()), 71_000);
    assert_eq!(
        on(s, "USD", "CNY", "2026-10-31"),
        None,
        "no rate before the first one"
    );

    // Only CNY to USD was entered for this pair: it counts, inverted.
    rate(s, "2026-12-01", "EUR", "CNY", "8");
    let cny_to_eur = on(s, "CNY", "EUR", "2026-12-05").unwrap();
    let eur = crm_domain::Money {
        minor: 80_000,
        currency: cur("CNY"),
    }
    .convert(cur("EUR"), cny_to_eur);
    assert_eq!(eur.unwrap().minor, 10_000, "800 CNY at 1/8 is 100 EUR");
    // A later rate the other way round wins over an older direct one.
    rate(s, "2026-12-03", "CNY", "EUR", "0.1");
    let later = on(s, "CNY", "EUR", "2026-12-05").unwrap();
    let eur = crm_domain::Money {
        minor: 80_000,
        currency: cur("CNY"),
    }
    .convert(cur("EUR"), later);
    assert_eq!(eur.unwrap().minor, 8_000);

    // A deleted rate is gone.
    let wrong = rate(s, "2026-12-04", "USD", "CNY", "1");
    s.write(|w| w.delete(EntityKind::ExchangeRate, wrong))
        .unwrap();
    assert_eq!(usd_100(on(s, "USD", "CNY", "2026-12-05").unwrap()), 72_000);
}

#[test]
fn totals_convert_into_one_currency_and_say_what_has_no_rate() {
    let mut fx = Fixture::create();
    let s = &mut fx.store;
    let me = s.user_id();
    let acme = account(s, "ACME");
    deal(s, acme, "a", "proposal", 100_000, "CNY", None, me); // 1,000.00 CNY
    deal(s, acme, "b", "proposal", 1_001, "USD", None, me); // 10.01 USD
    deal(s, acme, "c", "proposal", 1_500, "USD", None, me); // 15.00 USD
    deal(s, acme, "d", "proposal", 700, "EUR", None, me); // no rate
    deal(s, acme, "e", "won", 5_000, "USD", None, me);
    rate(s, "2026-12-01", "USD", "CNY", "7.1234");

    let totals = s.stage_totals(&Default::default()).unwrap();
    let proposal: Vec<StageTotal> = totals
        .iter()
        .filter(|t| t.stage == "proposal")
        .cloned()
        .collect();
    assert_eq!(proposal.len(), 3, "per currency: CNY, EUR, USD");
    let rates = s
        .rates_to(
            proposal.iter().map(|t| t.currency.as_str()),
            cur("CNY"),
            day("2026-12-05"),
        )
        .unwrap();
    let total = in_currency(&proposal, cur("CNY"), &rates);
    assert_eq!(total.currency, "CNY");
    // 25.01 USD × 7.1234 = 178.156234 CNY, rounded once to 178.16.
    assert_eq!(total.amount, 100_000 + 17_816);
    // Weighted: 12.50 USD (12.505 cut to cents by the sum) × 7.1234 = 89.0425 → 89.04.
    assert_eq!(total.weighted, 50_000 + 8_904);
    assert_eq!(total.count, 3, "the EUR deal is not counted in the total");
    assert_eq!(total.without_rate.len(), 1);
    assert_eq!(
        (
            total.without_rate[0].currency.as_str(),
            total.without_rate[0].count,
            total.without_rate[0].amount
        ),
        ("EUR", 1, 700),
        "the deal without a rate is said, not dropped"
    );
}

#[test]
fn the_owner_and_text_filters_narrow_cards_counts_and_totals() {
    let mut fx = Fixture::create();
    let s = &mut fx.store;
    let me = s.user_id();
    let bob = user(s, "Bob");
    let yunshan = account(s, "上海云杉科技有限公司");
    let harbor = account(s, "Harbor Logistics");
    let mendez = account(s, "Construcciones Méndez");
    deal(s, yunshan, "年度订阅", "proposal", 1_000, "CNY", None, me);
    deal(
        s,
        harbor,
        "Warehouse renewal",
        "proposal",
        2_000,
        "CNY",
        None,
        bob,
    );
    deal(
        s,
        harbor,
        "云杉 pilot",
        "qualification",
        4_000,
        "CNY",
        None,
        bob,
    );
    deal(
        s,
        mendez,
        "Presupuesto almacén",
        "proposal",
        8_000,
        "CNY",
        None,
        me,
    );

    let sum = |s: &Store, filter: &DealFilter| -> (i64, i64) {
        let totals = s.stage_totals(&s.select_deals(filter).unwrap()).unwrap();
        (
            totals.iter().map(|t| t.count).sum(),
            totals.iter().map(|t| t.amount).sum(),
        )
    };
    assert_eq!(sum(s, &DealFilter::default()), (4, 15_000));

    let mine = DealFilter {
        owner_id: Some(me),
        text: None,
    };
    assert_eq!(
        sum(s, &mine),
        (2, 9_000),
        "only my deals are counted and summed"
    );
    assert_eq!(
        names(s, "proposal", &mine, 0, 10),
        ["Presupuesto almacén", "年度订阅"]
    );

    let text = |t: &str| DealFilter {
        owner_id: None,
        text: Some(t.into()),
    };
    // A Chinese substring of the account's name, or of the deal's name.
    assert_eq!(
        sum(s, &text("云杉")),
        (2, 5_000),
        "the account 上海云杉… and the deal 云杉 pilot"
    );
    assert_eq!(names(s, "proposal", &text("云杉"), 0, 10), ["年度订阅"]);
    assert_eq!(
        names(s, "qualification", &text("云杉"), 0, 10),
        ["云杉 pilot"]
    );
    assert_eq!(
        names(s, "proposal", &text("科技"), 0, 10),
        ["年度订阅"],
        "a substring in the middle"
    );
    // Latin words: prefixes, case and accents folded.
    assert_eq!(
        names(s, "proposal", &text("harb"), 0, 10),
        ["Warehouse renewal"]
    );
    assert_eq!(
        names(s, "proposal", &text("mendez"), 0, 10),
        ["Presupuesto almacén"]
    );
    assert_eq!(
        names(s, "proposal", &text("ALMACEN"), 0, 10),
        ["Presupuesto almacén"]
    );
    // Only names: a word of no name matches nothing; both filters at once.
    assert_eq!(sum(s, &text("nowhere")), (0, 0));
    let bobs_yunshan = DealFilter {
        owner_id: Some(bob),
        text: Some("云杉".into()),
    };
    assert_eq!(sum(s, &bobs_yunshan), (1, 4_000));
    // Punctuation alone searches for nothing, and finds nothing.
    assert_eq!(sum(s, &text("!!")), (0, 0));
    assert_eq!(sum(s, &text("  ")), (4, 15_000), "blank text is no filter");
}

#[test]
fn a_column_pages_through_every_deal_soonest_to_close_first() {
    let mut fx = Fixture::create();
    let s = &mut fx.store;
    let me = s.user_id();
    let acme = account(s, "ACME");
    deal(s, acme, "undated", "proposal", 1, "CNY", None, me);
    deal(
        s,
        acme,
        "march",
        "proposal",
        1,
        "CNY",
        Some("2027-03-01"),
        me,
    );
    deal(
        s,
        acme,
        "january b",
        "proposal",
        1,
        "CNY",
        Some("2027-01-01"),
        me,
    );
    deal(
        s,
        acme,
        "january a",
        "proposal",
        1,
        "CNY",
        Some("2027-01-01"),
        me,
    );
    deal(
        s,
        acme,
        "february",
        "proposal",
        1,
        "CNY",
        Some("2027-02-01"),
        me,
    );
    deal(
        s,
        acme,
        "elsewhere",
        "won",
        1,
        "CNY",
        Some("2026-01-01"),
        me,
    );

    let all = DealFilter::default();
    let mut seen = Vec::new();
    for offset in (0..6).step_by(2) {
        seen.extend(names(s, "proposal", &all, offset, 2));
    }
    assert_eq!(
        seen,
        ["january a", "january b", "february", "march", "undated"],
        "pages follow each other without gaps or repeats; undated last"
    );
    assert!(
        names(s, "proposal", &all, 5, 2).is_empty(),
        "past the end: nothing"
    );

    // The board's index serves the page in order (no sort of the stage).
    let plan: Vec<String> = s
        .conn()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT o.id FROM opportunities o
             WHERE o.stage = 'proposal' AND o.deleted_at IS NULL
             ORDER BY o.close_date IS NULL, o.close_date, o.name, o.id LIMIT 50",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("opportunities_board")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
}
