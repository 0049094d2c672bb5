//! Property tests of the totals against exact rational arithmetic (big
//! integers, so the check shares no rounding or overflow with the code).

use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;

use super::*;

fn exact(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// `a × b / d` exactly.
fn ratio(a: i64, b: i64, d: i64) -> BigRational {
    exact(a) * exact(b) / exact(d)
}

/// Checks that `rounded` is `value` rounded half away from zero, and so
/// within half a minor unit of it.
fn assert_rounded(rounded: i64, value: &BigRational, what: &str) {
    let half = BigRational::new(BigInt::from(1), BigInt::from(2));
    let error = exact(rounded) - value;
    assert!(
        -&half <= error && error <= half,
        "{what}: {rounded} is more than 1/2 from {value}"
    );
    assert_eq!(
        exact(rounded),
        value.round(),
        "{what}: {value} rounds half away from zero"
    );
}

/// Realistic tax rates, so that several lines share one, and any other.
fn tax_rate() -> impl Strategy<Value = Pct> {
    prop_oneof![
        3 => prop::sample::select(vec![0, 500, 650, 700, 800, 1_300, 1_500, 1_900, 2_100, 2_500]),
        1 => 0..=HUNDRED_PERCENT,
    ]
    .prop_map(Pct)
}

/// A valid line: up to a million units of up to a hundred million (in minor
/// units) each, with any kind of discount the line allows.
fn valid_line() -> impl Strategy<Value = LineInput> {
    (1..=1_000_000_000i64, 0..=10_000_000_000i64, tax_rate()).prop_flat_map(
        |(quantity, unit_price, tax_rate)| {
            // At most the rounded amount, which is at least the floor.
            let most = (i128::from(quantity) * i128::from(unit_price) / 1_000) as i64;
            let discount = prop_oneof![
                Just(Discount::None),
                (0..=HUNDRED_PERCENT).prop_map(|p| Discount::Percent(Pct(p))),
                (0..=most).prop_map(Discount::Amount),
                Just(Discount::Amount(most)),
            ];
            discount.prop_map(move |discount| LineInput {
                quantity: Qty(quantity),
                unit_price,
                discount,
                tax_rate,
            })
        },
    )
}

/// Any line at all, most of them refused.
fn any_line() -> impl Strategy<Value = LineInput> {
    let discount = prop_oneof![
        Just(Discount::None),
        any::<i64>().prop_map(|p| Discount::Percent(Pct(p))),
        any::<i64>().prop_map(Discount::Amount),
    ];
    (any::<i64>(), any::<i64>(), discount, any::<i64>()).prop_map(
        |(quantity, unit_price, discount, tax_rate)| LineInput {
            quantity: Qty(quantity),
            unit_price,
            discount,
            tax_rate: Pct(tax_rate),
        },
    )
}

/// The sums that must hold between the figures of any computed document.
fn assert_identities(lines: &[LineInput], t: &Totals) {
    assert_eq!(t.lines.len(), lines.len());
    let sum = |f: fn(&LineTotals) -> i64| t.lines.iter().map(f).sum::<i64>();
    assert_eq!(t.subtotal, sum(|l| l.amount));
    assert_eq!(t.discount, sum(|l| l.discount));
    assert_eq!(t.subtotal - t.discount, t.net);
    assert_eq!(t.net, sum(|l| l.net));
    assert_eq!(t.net + t.tax, t.gross);
    assert_eq!(t.taxes.iter().map(|g| g.base).sum::<i64>(), t.net);
    assert_eq!(t.taxes.iter().map(|g| g.tax).sum::<i64>(), t.tax);
    assert!(
        t.taxes.windows(2).all(|w| w[0].rate < w[1].rate),
        "by rate ascending"
    );
    for one in &t.lines {
        assert!(0 <= one.discount && one.discount <= one.amount);
        assert_eq!(one.amount - one.discount, one.net);
    }
}

proptest! {
    #[test]
    fn each_figure_is_the_exact_value_rounded_once(
        lines in prop::collection::vec(valid_line(), 0..40)
    ) {
        let t = totals(&lines).expect("valid lines have totals");
        assert_identities(&lines, &t);
        for (input, one) in lines.iter().zip(&t.lines) {
            assert_rounded(one.amount, &ratio(input.quantity.0, input.unit_price, 1_000), "amount");
            match input.discount {
                Discount::None => assert_eq!(one.discount, 0),
                Discount::Percent(p) => {
                    assert_rounded(one.discount, &ratio(one.amount, p.0, HUNDRED_PERCENT), "discount")
                }
                Discount::Amount(off) => assert_eq!(one.discount, off),
            }
        }
        let mut rates: Vec<Pct> = lines.iter().map(|l| l.tax_rate).collect();
        rates.sort();
        rates.dedup();
        assert_eq!(t.taxes.iter().map(|g| g.rate).collect::<Vec<_>>(), rates);
        for group in &t.taxes {
            let base: i64 = lines
                .iter()
                .zip(&t.lines)
                .filter(|(input, _)| input.tax_rate == group.rate)
                .map(|(_, one)| one.net)
                .sum();
            assert_eq!(group.base, base);
            assert_rounded(group.tax, &ratio(base, group.rate.0, HUNDRED_PERCENT), "tax");
        }
    }

    #[test]
    fn the_order_of_lines_does_not_change_the_totals(
        (lines, shuffled) in prop::collection::vec(valid_line(), 0..20)
            .prop_flat_map(|lines| (Just(lines.clone()), Just(lines).prop_shuffle()))
    ) {
        let a = totals(&lines).unwrap();
        let b = totals(&shuffled).unwrap();
        prop_assert_eq!(
            (a.subtotal, a.discount, a.net, a.tax, a.gross, &a.taxes),
            (b.subtotal, b.discount, b.net, b.tax, b.gross, &b.taxes)
        );
    }

    #[test]
    fn any_input_gives_totals_or_a_refusal_never_a_panic(
        lines in prop::collection::vec(any_line(), 0..6)
    ) {
        match totals(&lines) {
            Ok(t) => assert_identities(&lines, &t),
            Err(e) => prop_assert!(e.line < lines.len()),
        }
    }

    #[test]
    fn large_valid_lines_give_totals_or_an_overflow_never_a_panic(
        lines in prop::collection::vec(
            (1..=i64::MAX, 0..=i64::MAX, 0..=HUNDRED_PERCENT, 0..=HUNDRED_PERCENT),
            0..6,
        )
    ) {
        let lines: Vec<LineInput> = lines
            .into_iter()
            .map(|(quantity, unit_price, off, rate)| LineInput {
                quantity: Qty(quantity),
                unit_price,
                discount: Discount::Percent(Pct(off)),
                tax_rate: Pct(rate),
            })
            .collect();
        match totals(&lines) {
            Ok(t) => {
                assert_identities(&lines, &t);
                prop_assert!(t.subtotal <= MAX_TOTAL);
            }
            Err(e) => prop_assert_eq!((e.field, e.problem), ("amount", Problem::Overflow)),
        }
    }

    #[test]
    fn quantities_and_percentages_survive_their_text(
        quantity in 1..=i64::MAX,
        pct in 0..=HUNDRED_PERCENT,
    ) {
        prop_assert_eq!(Qty::parse(&Qty(quantity).to_text()), Ok(Qty(quantity)));
        prop_assert_eq!(Pct::parse(&Pct(pct).to_text()), Ok(Pct(pct)));
    }

    #[test]
    fn any_text_is_parsed_or_refused_never_a_panic(
        text in prop_oneof!["\\PC{0,24}", "[-+0-9.,% ]{0,24}"]
    ) {
        if let Ok(q) = Qty::parse(&text) {
            prop_assert!(q.0 > 0);
        }
        if let Ok(p) = Pct::parse(&text) {
            prop_assert!((0..=HUNDRED_PERCENT).contains(&p.0));
        }
    }
}
