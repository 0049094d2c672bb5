use super::*;

fn line(quantity: i64, unit_price: i64, discount: Discount, tax_rate: i64) -> LineInput {
    LineInput {
        quantity: Qty(quantity),
        unit_price,
        discount,
        tax_rate: Pct(tax_rate),
    }
}

#[test]
fn quantities_are_parsed_into_thousandths() {
    assert_eq!(Qty::parse("2"), Ok(Qty(2_000)));
    assert_eq!(Qty::parse("1.125"), Ok(Qty(1_125)));
    assert_eq!(Qty::parse(" 1.5 "), Ok(Qty(1_500)));
    assert_eq!(
        Qty::parse("0,25"),
        Ok(Qty(250)),
        "a comma is a decimal point"
    );
    assert_eq!(Qty::parse(".5"), Ok(Qty(500)));
    assert_eq!(
        Qty::parse("1.2500"),
        Ok(Qty(1_250)),
        "trailing zeros are no decimals"
    );
    assert_eq!(Qty::parse("0.001"), Ok(Qty(1)));
}

#[test]
fn quantities_print_without_trailing_zeros() {
    assert_eq!(Qty(2_000).to_text(), "2");
    assert_eq!(Qty(1_500).to_text(), "1.5");
    assert_eq!(Qty(1_125).to_text(), "1.125");
    assert_eq!(Qty(5).to_text(), "0.005");
    assert_eq!(Qty(1_020).to_string(), "1.02");
}

#[test]
fn quantities_that_are_not_positive_numbers_of_3_decimals_are_refused() {
    let bad = Err(Problem::Decimal { places: 3 });
    for text in [
        "-1",
        "0",
        "0.000",
        "1.1255",
        "abc",
        "",
        " ",
        ".",
        "1.2.3",
        "1e3",
        "+1",
        "1 000",
        "99999999999999999",
        "9999999999999999999",
    ] {
        assert_eq!(Qty::parse(text), bad, "{text:?}");
    }
}

#[test]
fn percentages_are_parsed_into_hundredths() {
    assert_eq!(Pct::parse("13"), Ok(Pct(1_300)));
    assert_eq!(Pct::parse("6.5"), Ok(Pct(650)));
    assert_eq!(Pct::parse("0"), Ok(Pct(0)), "a 0 % tax rate exists");
    assert_eq!(Pct::parse("100"), Ok(Pct(10_000)));
    assert_eq!(Pct::parse("17 %"), Ok(Pct(1_700)));
    assert_eq!(Pct::parse("8,25"), Ok(Pct(825)));
    assert_eq!(Pct::parse("0.01"), Ok(Pct(1)));
}

#[test]
fn percentages_print_without_trailing_zeros() {
    assert_eq!(Pct(1_300).to_text(), "13");
    assert_eq!(Pct(650).to_text(), "6.5");
    assert_eq!(Pct(825).to_text(), "8.25");
    assert_eq!(Pct(0).to_text(), "0");
    assert_eq!(Pct(10_000).to_string(), "100");
}

#[test]
fn percentages_outside_0_to_100_or_with_3_decimals_are_refused() {
    for text in ["-1", "100.01", "101", "6.125", "abc", "", "%", "1e2", "--5"] {
        assert_eq!(Pct::parse(text), Err(Problem::Percent), "{text:?}");
    }
}

#[test]
fn every_quantity_and_percentage_survives_its_text() {
    for n in (1..=20_000).chain([999_999_999, i64::MAX]) {
        assert_eq!(Qty::parse(&Qty(n).to_text()), Ok(Qty(n)));
    }
    for n in 0..=HUNDRED_PERCENT {
        assert_eq!(Pct::parse(&Pct(n).to_text()), Ok(Pct(n)));
    }
}

#[test]
fn no_lines_make_zero_totals() {
    assert_eq!(totals(&[]), Ok(Totals::default()));
}

#[test]
fn a_line_is_rounded_half_away_from_zero() {
    // 0.5 × 0.01 = 0.005: half a cent rounds up to a cent.
    let t = totals(&[line(500, 1, Discount::None, 0)]).unwrap();
    assert_eq!(t.lines[0].amount, 1);
    // 0.499 × 0.01 rounds down to nothing.
    let t = totals(&[line(499, 1, Discount::None, 0)]).unwrap();
    assert_eq!(t.lines[0].amount, 0);
}

#[test]
fn a_discount_amount_is_taken_exactly_and_may_take_the_whole_line() {
    let t = totals(&[line(2_000, 1_000, Discount::Amount(2_000), 1_300)]).unwrap();
    assert_eq!(
        (t.subtotal, t.discount, t.net, t.tax, t.gross),
        (2_000, 2_000, 0, 0, 0)
    );
    assert_eq!(
        t.taxes,
        [TaxGroup {
            rate: Pct(1_300),
            base: 0,
            tax: 0,
        }],
        "a rate on the quote keeps its row, even at nothing"
    );
}

#[test]
fn taxes_are_grouped_by_rate_ascending() {
    let t = totals(&[
        line(1_000, 10_000, Discount::None, 1_300),
        line(1_000, 10_000, Discount::None, 0),
        line(1_000, 5_000, Discount::None, 600),
        line(1_000, 10_000, Discount::None, 1_300),
    ])
    .unwrap();
    let rates: Vec<i64> = t.taxes.iter().map(|g| g.rate.0).collect();
    assert_eq!(rates, [0, 600, 1_300]);
    assert_eq!(t.taxes[2].base, 20_000);
    assert_eq!(t.taxes[2].tax, 2_600);
    assert_eq!(t.tax, 300 + 2_600);
}

#[test]
fn refused_lines_name_their_index_field_and_problem() {
    let ok = line(1_000, 100, Discount::None, 1_300);
    let refused = |bad: LineInput| totals(&[ok, bad]).unwrap_err();
    let problem = |field, problem| LineProblem {
        line: 1,
        field,
        problem,
    };
    assert_eq!(
        refused(line(1_000, 100, Discount::Percent(Pct(10_001)), 0)),
        problem("discount", Problem::Percent),
        "a discount over 100 %"
    );
    assert_eq!(
        refused(line(1_000, 100, Discount::Percent(Pct(-1)), 0)),
        problem("discount", Problem::Percent)
    );
    assert_eq!(
        refused(line(1_000, 100, Discount::Amount(101), 0)),
        problem("discount", Problem::DiscountOverAmount)
    );
    assert_eq!(
        refused(line(1_000, 100, Discount::Amount(-1), 0)),
        problem("discount", Problem::Negative)
    );
    assert_eq!(
        refused(line(1_000, -1, Discount::None, 0)),
        problem("unit_price", Problem::Negative)
    );
    assert_eq!(
        refused(line(0, 100, Discount::None, 0)),
        problem("quantity", Problem::Decimal { places: 3 })
    );
    assert_eq!(
        refused(line(1_000, 100, Discount::None, 10_001)),
        problem("tax_rate", Problem::Percent)
    );
    let e = refused(line(1_000, 100, Discount::Amount(101), 0));
    assert_eq!(
        e.to_string(),
        "line 2: discount is more than the line's amount"
    );
}

#[test]
fn totals_too_large_to_hold_are_refused_not_wrapped() {
    let huge = line(i64::MAX, i64::MAX, Discount::None, 10_000);
    assert_eq!(
        totals(&[huge]).unwrap_err(),
        LineProblem {
            line: 0,
            field: "amount",
            problem: Problem::Overflow,
        }
    );
    // Each line fits; their sum does not, and the second line is named.
    let half = line(1_000, MAX_TOTAL / 2 + 1, Discount::None, 10_000);
    assert_eq!(
        totals(&[half]).map(|t| t.gross),
        Ok((MAX_TOTAL / 2 + 1) * 2)
    );
    let e = totals(&[half, half]).unwrap_err();
    assert_eq!(
        (e.line, e.field, e.problem),
        (1, "amount", Problem::Overflow)
    );
    // The largest subtotal allowed, taxed at 100 %, still has a gross.
    let most = line(1_000, MAX_TOTAL, Discount::None, 10_000);
    assert_eq!(totals(&[most]).map(|t| t.gross), Ok(MAX_TOTAL * 2));
}
