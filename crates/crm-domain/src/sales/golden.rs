//! Golden cases from public bug reports about quote and invoice rounding, each
//! with what the report said and what our rule gives. Amounts are in cents.

use super::*;

fn line(quantity: &str, unit_price: i64, discount: Discount, tax_rate: &str) -> LineInput {
    LineInput {
        quantity: Qty::parse(quantity).unwrap(),
        unit_price,
        discount,
        tax_rate: Pct::parse(tax_rate).unwrap(),
    }
}

fn percent_off(text: &str) -> Discount {
    Discount::Percent(Pct::parse(text).unwrap())
}

/// The sum of every line's tax rounded on its own: the method the reports
/// complain about, computed here to show the difference is real.
fn per_line_tax(lines: &[LineInput]) -> i64 {
    let figures = totals(lines).unwrap();
    lines
        .iter()
        .zip(&figures.lines)
        .map(|(input, one)| percent_of(one.net, input.tax_rate))
        .sum()
}

/// odoo/odoo#13687 ("Different Tax Computation for Sales Order and
/// Invoice"): six lines at 7 %, the quantities and prices as given in the fix
/// (odoo/odoo#13746): 880 × 5.79, 120 × 4.36, 28 × 2.88, 68 × 11.09,
/// 35 × 5.20, 35 × 5.32. The sales order showed 477.48 of tax (rounded per
/// line, then added), the invoice 477.50; the reporter expected 477.50 on
/// both. (The issue lists the fourth line as 54.12; 68 × 11.09 is 754.12,
/// and only 754.12 gives the reported taxes.)
///
/// Ours: one rate, one rounding: 7 % of 6,821.36 = 477.4952, so 477.50, the
/// same figure on the order, the invoice and the PDF.
#[test]
fn odoo_13687_tax_is_rounded_once_per_rate_not_per_line() {
    let lines = [
        line("880", 579, Discount::None, "7"),
        line("120", 436, Discount::None, "7"),
        line("28", 288, Discount::None, "7"),
        line("68", 1109, Discount::None, "7"),
        line("35", 520, Discount::None, "7"),
        line("35", 532, Discount::None, "7"),
    ];
    let t = totals(&lines).unwrap();
    let amounts: Vec<i64> = t.lines.iter().map(|l| l.amount).collect();
    assert_eq!(amounts, [509_520, 52_320, 8_064, 75_412, 18_200, 18_620]);
    assert_eq!(t.net, 682_136);
    assert_eq!(t.tax, 47_750, "7 % of 6,821.36 is 477.4952");
    assert_eq!(t.gross, 729_886);
    assert_eq!(
        per_line_tax(&lines),
        47_748,
        "rounding each line first gives the order's wrong 477.48"
    );
}

/// odoo/odoo#37896 (from #28788): one line, 16 × 348.35, 4 % discount, 22 %
/// tax. "Round globally" gave a total of 6,527.80, "round per line"
/// 6,527.81; the reporter expected both to be 6,527.81.
///
/// Ours: amount 5,573.60; discount 4 % = 222.944, so 222.94; net 5,350.66;
/// tax 22 % = 1,177.1452, so 1,177.15; gross 6,527.81, as expected. (Round
/// globally taxed the unrounded net 5,350.656 and so printed a net that does
/// not match its own gross.)
#[test]
fn odoo_37896_one_discounted_line_gives_the_expected_total() {
    let lines = [line("16", 34_835, percent_off("4"), "22")];
    let t = totals(&lines).unwrap();
    assert_eq!(
        t.lines,
        [LineTotals {
            amount: 557_360,
            discount: 22_294,
            net: 535_066,
        }]
    );
    assert_eq!(t.tax, 117_715);
    assert_eq!(t.gross, 652_781, "the total the reporter expected");
}

/// odoo/odoo#177192: 10 × 30.75 with 5 % off, and 1 × 70.00 with 5 % off.
/// Rounded per line Odoo showed untaxed 358.63, taxes 53.80, total 412.43;
/// switched to "round globally", the list view kept 53.80 / 412.43 while
/// the form view recomputed 53.79 / 412.42: one order, two totals. The
/// report names the second line's tax as 17 %, but its figures are those of
/// 15 % on both lines (17 % would give 55.13 of tax), so both are checked.
///
/// Ours, 15 % on both: 5 % of 307.50 is exactly 15.375; the discount rounds
/// half away from zero to 15.38, so the first net is 292.12 (Odoo rounds the
/// net itself, 292.125, up to 292.13). Net 292.12 + 66.50 = 358.62; tax 15 %
/// of 358.62 = 53.793, so 53.79; gross 412.41, the same wherever shown.
#[test]
fn odoo_177192_one_order_has_one_total() {
    let both_15 = [
        line("10", 3_075, percent_off("5"), "15"),
        line("1", 7_000, percent_off("5"), "15"),
    ];
    let t = totals(&both_15).unwrap();
    assert_eq!(
        t.lines[0],
        LineTotals {
            amount: 30_750,
            discount: 1_538,
            net: 29_212,
        },
        "the half-cent discount rounds up, so the net rounds down"
    );
    assert_eq!(t.lines[1].net, 6_650);
    assert_eq!((t.net, t.tax, t.gross), (35_862, 5_379, 41_241));
    assert_eq!(totals(&both_15).unwrap(), t, "the same figures every time");

    // As the report states the rates: 15 % and 17 % are taxed apart.
    let stated = [
        line("10", 3_075, percent_off("5"), "15"),
        line("1", 7_000, percent_off("5"), "17"),
    ];
    let t = totals(&stated).unwrap();
    let groups: Vec<(i64, i64, i64)> = t.taxes.iter().map(|g| (g.rate.0, g.base, g.tax)).collect();
    // 15 % of 292.12 = 43.818; 17 % of 66.50 = 11.305.
    assert_eq!(groups, [(1_500, 29_212, 4_382), (1_700, 6_650, 1_131)]);
    assert_eq!((t.net, t.tax, t.gross), (35_862, 5_513, 41_375));
}

/// SuiteCRM/SuiteCRM#1234 ("VAT Total Rounding Error due to Group VAT
/// Summary"): the VAT of each line-item group was rounded and then added,
/// giving 4,825.10, while 19 % of the invoice's total is 4,825.088, so
/// 4,825.09 (a net of 25,395.20). A maintainer found product one's VAT to be
/// 1,794.30. The lines themselves are only in a screenshot; these four are
/// chosen to match every figure in the text: 9,443.68 (VAT 1,794.2992, so
/// 1,794.30), 6,000.15, 5,000.50 and 4,950.87, making 25,395.20.
///
/// Ours: one rate, one rounding: 4,825.09.
#[test]
fn suitecrm_1234_vat_is_that_of_the_total_not_a_sum_of_rounded_groups() {
    let lines = [
        line("1", 944_368, Discount::None, "19"),
        line("1", 600_015, Discount::None, "19"),
        line("1", 500_050, Discount::None, "19"),
        line("1", 495_087, Discount::None, "19"),
    ];
    let t = totals(&lines).unwrap();
    assert_eq!(t.net, 2_539_520);
    assert_eq!(t.tax, 482_509, "19 % of 25,395.20 is 4,825.088");
    assert_eq!(
        t.taxes,
        [TaxGroup {
            rate: Pct(1_900),
            base: 2_539_520,
            tax: 482_509,
        }]
    );
    assert_eq!(percent_of(944_368, Pct(1_900)), 179_430, "product one");
    assert_eq!(per_line_tax(&lines), 482_510, "the report's 4,825.10");
}

/// SuiteCRM/SuiteCRM#4460 ("Rounding errors with VAT calculations"): the
/// quote's VAT total was 342.06 where 342.05 was expected, each line's VAT
/// being rounded to the cent before adding. The quote's lines are only in a
/// screenshot; a later comment gives three items, 97.50, 65.00 and 32.50,
/// whose per-line rounding goes up (its rate is cut off in our copy, so 19,
/// 21 and 25 % are checked; each puts a half cent on two of the lines).
///
/// Ours: the items total 195.00, taxed once: 37.05 at 19 %, 40.95 at 21 %,
/// 48.75 at 25 %, a cent under the per-line sums. And a net of 1,800.26 at
/// 19 % (lines 1,670.26, 97.50 and 32.50, chosen to match the report's
/// figures) gives the expected 342.05 where per-line rounding gives 342.06.
#[test]
fn suitecrm_4460_small_lines_do_not_add_a_cent() {
    for (rate, ours) in [("19", 3_705), ("21", 4_095), ("25", 4_875)] {
        let lines = [
            line("1", 9_750, Discount::None, rate),
            line("1", 6_500, Discount::None, rate),
            line("1", 3_250, Discount::None, rate),
        ];
        let t = totals(&lines).unwrap();
        assert_eq!((t.net, t.tax), (19_500, ours), "{rate} % of 195.00");
        assert_eq!(per_line_tax(&lines), ours + 1, "{rate} %, per line");
    }

    let quote = [
        line("1", 167_026, Discount::None, "19"),
        line("1", 9_750, Discount::None, "19"),
        line("1", 3_250, Discount::None, "19"),
    ];
    let t = totals(&quote).unwrap();
    assert_eq!(
        (t.net, t.tax),
        (180_026, 34_205),
        "19 % of 1,800.26 is 342.0494"
    );
    assert_eq!(per_line_tax(&quote), 34_206, "the report's 342.06");
}
