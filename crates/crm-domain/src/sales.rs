//! The money arithmetic of quotes and orders: line amounts, discounts, tax
//! per rate and the document's totals, computed the same way by the app, the
//! CLI, the PDF and every laptop. Integers only (minor units, thousandths of
//! a unit of quantity, hundredths of a percent), never a float; a total too
//! large to hold is refused, never wrapped.
//!
//! # The rounding rule
//!
//! 1. A line's **amount** is its quantity times its unit price, rounded to
//!    the minor unit, half away from zero.
//! 2. Its **discount**, when a percentage, is that percentage of the rounded
//!    amount, rounded the same way; a discount given as an amount is taken
//!    exactly.
//! 3. Its **net** is its amount less its discount.
//! 4. **Tax** is computed once per tax rate: the rate times the sum of the
//!    nets of the lines at that rate, rounded half away from zero.
//! 5. The document's **net** is the sum of the line nets, its **tax** the sum
//!    of the per-rate taxes, its **gross** the net plus the tax.
//!
//! Why this rule and not another:
//!
//! - Every figure printed on a quote is a whole number of minor units and
//!   the printed figures add up exactly: the line nets make the net, the
//!   bases of the tax rates make the net again, net plus tax is the gross.
//!   Systems that keep unrounded line nets and round only the totals (Odoo's
//!   "round globally") print lines that do not add up to their own untaxed
//!   total (odoo/odoo#37896, #177192).
//! - Rounding tax once per rate, instead of once per line and then adding,
//!   keeps the tax within half a minor unit of the exact tax on what is
//!   printed; the sum of per-line rounded taxes drifts by up to half a minor
//!   unit per line (odoo/odoo#13687: 477.48 instead of 477.50;
//!   SuiteCRM/SuiteCRM#1234 and #4460: a cent too much). It is also how an
//!   EN 16931 e-invoice states VAT: per category, the rate times the sum of
//!   the line nets, rounded (rule BR-CO-17), and a line's allowance is an
//!   amount of its own that the line's net subtracts, as step 2 does.
//! - Half away from zero is the commercial rounding people check a quote
//!   with by hand. At an exact half the discount rounds up, so the net rounds
//!   down: 5 % off 307.50 is 15.38 off, a net of 292.12 (Odoo, rounding the
//!   net itself, shows 292.13).

use std::{collections::BTreeMap, fmt};

use crate::{error::Problem, value::divide_rounded};

/// Thousandths in one unit of quantity.
const QTY_SCALE: i64 = 1_000;
/// Hundredths of a percent in 100 %.
const HUNDRED_PERCENT: i64 = 10_000;

/// The largest subtotal a document may have, in minor units: half of what an
/// `i64` holds, so that the gross (at most twice the net, tax being at most
/// 100 %) always fits. Far beyond any real quote (4.6 × 10¹⁸ cents).
pub const MAX_TOTAL: i64 = i64::MAX / 2;

/// A quantity in thousandths of a unit (up to 3 decimals): `"2"` is
/// `Qty(2000)`, `"1.125"` is `Qty(1125)`. A parsed quantity is more than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Qty(pub i64);

impl Qty {
    /// A quantity from its text (`"2"`, `"1.5"`, `"0.125"`; a comma is read
    /// as the decimal point, as in Spanish). Zero, negative numbers, more
    /// than 3 decimals and anything not a number are refused with
    /// [`Problem::Decimal`].
    pub fn parse(text: &str) -> Result<Qty, Problem> {
        let bad = Problem::Decimal { places: 3 };
        match parse_fixed(text, 3) {
            Some(thousandths) if thousandths > 0 => Ok(Qty(thousandths)),
            _ => Err(bad),
        }
    }

    /// The quantity as canonical text: `"2"`, `"1.5"`, `"1.125"`, no trailing
    /// zeros.
    pub fn to_text(self) -> String {
        fixed_text(self.0, 3)
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A percentage in hundredths of a percent: `"13"` is `Pct(1300)`, `"6.5"` is
/// `Pct(650)`. Discounts and tax rates are both from 0 to 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pct(pub i64);

impl Pct {
    /// A percentage from its text (`"13"`, `"6.5"`, `"0"`, `"17 %"`; a comma
    /// is read as the decimal point). Anything above 100, below 0, with more
    /// than 2 decimals or not a number is refused with [`Problem::Percent`].
    pub fn parse(text: &str) -> Result<Pct, Problem> {
        let text = text.trim();
        let text = text.strip_suffix('%').unwrap_or(text);
        parse_fixed(text, 2)
            .filter(|hundredths| (0..=HUNDRED_PERCENT).contains(hundredths))
            .map(Pct)
            .ok_or(Problem::Percent)
    }

    /// The percentage as canonical text, without the sign: `"13"`, `"6.5"`,
    /// `"0.25"`.
    pub fn to_text(self) -> String {
        fixed_text(self.0, 2)
    }

    /// Whether this is a percentage from 0 to 100, as every discount and tax
    /// rate must be.
    fn in_range(self) -> bool {
        (0..=HUNDRED_PERCENT).contains(&self.0)
    }
}

impl fmt::Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// What is taken off a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discount {
    /// Nothing.
    #[default]
    None,
    /// A percentage of the line's (rounded) amount, 0 to 100 %.
    Percent(Pct),
    /// An amount in minor units, from zero up to the line's amount.
    Amount(i64),
}

/// One line of a quote or order, as the arithmetic needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    /// How many; more than zero.
    pub quantity: Qty,
    /// The price of one unit in minor units; zero or more.
    pub unit_price: i64,
    /// What is taken off the line.
    pub discount: Discount,
    /// The tax rate of the line, 0 to 100 %.
    pub tax_rate: Pct,
}

/// The figures of one line, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTotals {
    /// Quantity times unit price, rounded.
    pub amount: i64,
    /// What the discount takes off, rounded.
    pub discount: i64,
    /// `amount - discount`.
    pub net: i64,
}

/// The tax of one rate: the sum of the nets of its lines and the tax on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxGroup {
    /// The tax rate.
    pub rate: Pct,
    /// The sum of the nets of the lines at this rate.
    pub base: i64,
    /// `rate × base`, rounded once.
    pub tax: i64,
}

/// The figures of a whole quote or order, in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    /// Each line's figures, in the order of the lines.
    pub lines: Vec<LineTotals>,
    /// The sum of the line amounts.
    pub subtotal: i64,
    /// The sum of the line discounts.
    pub discount: i64,
    /// `subtotal - discount`, the sum of the line nets.
    pub net: i64,
    /// The sum of the per-rate taxes.
    pub tax: i64,
    /// `net + tax`.
    pub gross: i64,
    /// One group per tax rate present on a line, by rate ascending; their
    /// bases add up to `net` and their taxes to `tax`.
    pub taxes: Vec<TaxGroup>,
}

/// A line the arithmetic refuses: which line (from 0), which of its values
/// (`quantity`, `unit_price`, `discount`, `tax_rate`, or `amount` when the
/// line makes a total too large), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {}: {field} {problem}", .line + 1)]
pub struct LineProblem {
    /// The index of the line, from 0.
    pub line: usize,
    /// The value of the line that is refused.
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

/// The totals of `lines` by the rounding rule of this module, or the first
/// line that cannot be computed: a quantity not above zero, a negative
/// price, a discount or tax rate outside 0 to 100 %, a discount amount
/// negative or larger than the line, or a subtotal above [`MAX_TOTAL`].
pub fn totals(lines: &[LineInput]) -> Result<Totals, LineProblem> {
    let mut figures = Vec::with_capacity(lines.len());
    let (mut subtotal, mut discount, mut net) = (0i64, 0i64, 0i64);
    let mut bases: BTreeMap<Pct, i64> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        let refuse = |field, problem| LineProblem {
            line: index,
            field,
            problem,
        };
        let one = line_totals(line).map_err(|(field, problem)| refuse(field, problem))?;
        subtotal = subtotal
            .checked_add(one.amount)
            .filter(|sum| *sum <= MAX_TOTAL)
            .ok_or_else(|| refuse("amount", Problem::Overflow))?;
        // 0 <= discount <= amount and 0 <= net <= amount on every line, so
        // these sums stay within the subtotal just checked.
        discount += one.discount;
        net += one.net;
        *bases.entry(line.tax_rate).or_insert(0) += one.net;
        figures.push(one);
    }
    let taxes: Vec<TaxGroup> = bases
        .into_iter()
        .map(|(rate, base)| TaxGroup {
            rate,
            base,
            tax: percent_of(base, rate),
        })
        .collect();
    // Each tax is at most its base (rates are at most 100 %), so the tax is
    // at most the net and the gross at most 2 × MAX_TOTAL.
    let tax = taxes.iter().map(|group| group.tax).sum::<i64>();
    Ok(Totals {
        lines: figures,
        subtotal,
        discount,
        net,
        tax,
        gross: net + tax,
        taxes,
    })
}

/// One line's figures, or the name of the refused value and why.
fn line_totals(line: &LineInput) -> Result<LineTotals, (&'static str, Problem)> {
    if line.quantity.0 <= 0 {
        return Err(("quantity", Problem::Decimal { places: 3 }));
    }
    if line.unit_price < 0 {
        return Err(("unit_price", Problem::Negative));
    }
    if !line.tax_rate.in_range() {
        return Err(("tax_rate", Problem::Percent));
    }
    let exact = i128::from(line.quantity.0) * i128::from(line.unit_price);
    let amount = i64::try_from(divide_rounded(exact, i128::from(QTY_SCALE)))
        .ok()
        .filter(|amount| *amount <= MAX_TOTAL)
        .ok_or(("amount", Problem::Overflow))?;
    let discount = match line.discount {
        Discount::None => 0,
        Discount::Percent(pct) if pct.in_range() => percent_of(amount, pct),
        Discount::Percent(_) => return Err(("discount", Problem::Percent)),
        Discount::Amount(off) if off < 0 => return Err(("discount", Problem::Negative)),
        Discount::Amount(off) if off > amount => {
            return Err(("discount", Problem::DiscountOverAmount));
        }
        Discount::Amount(off) => off,
    };
    Ok(LineTotals {
        amount,
        discount,
        net: amount - discount,
    })
}

/// `pct` of `base`, rounded half away from zero. With `0 <= base` and a
/// percentage from 0 to 100 the result is from 0 to `base`, so it fits.
fn percent_of(base: i64, pct: Pct) -> i64 {
    let exact = i128::from(base) * i128::from(pct.0);
    divide_rounded(exact, i128::from(HUNDRED_PERCENT)) as i64
}

/// A non-negative decimal with at most `places` decimals as an integer of
/// `10^-places` units (`"1.125"` with 3 places is 1125). Trailing fractional
/// zeros do not count as decimals. `None` for anything else or too large.
fn parse_fixed(text: &str, places: u32) -> Option<i64> {
    let text = text.trim().replace(',', ".");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty())
        || !digits(whole)
        || !digits(frac)
        || frac.len() > places as usize
        || whole.len() > 18
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<width$}", width = places as usize)
        .parse()
        .ok()?;
    whole.checked_mul(10i64.pow(places))?.checked_add(frac)
}

/// `units` of `10^-places` as canonical decimal text, without trailing zeros.
fn fixed_text(units: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let frac = format!("{:0width$}", abs % scale, width = places as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", abs / scale)
    } else {
        format!("{sign}{}.{frac}", abs / scale)
    }
}

#[cfg(test)]
mod golden;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
