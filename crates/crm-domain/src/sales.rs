//! TEMPORARY stand-in for the totals module (replaced by the `totals` branch).
#![allow(missing_docs)]
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Qty(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pct(pub i64);

fn scaled(text: &str, places: u32) -> Option<i64> {
    let t = text.trim().trim_end_matches('%').trim();
    let (w, f) = t.split_once('.').unwrap_or((t, ""));
    if w.is_empty() && f.is_empty()
        || !w.chars().all(|c| c.is_ascii_digit())
        || !f.chars().all(|c| c.is_ascii_digit())
        || f.len() > places as usize
    {
        return None;
    }
    let w: i64 = if w.is_empty() { 0 } else { w.parse().ok()? };
    let mut fr = f.to_owned();
    while fr.len() < places as usize {
        fr.push('0');
    }
    let fr: i64 = if fr.is_empty() { 0 } else { fr.parse().ok()? };
    w.checked_mul(10i64.pow(places))?.checked_add(fr)
}
fn unscaled(n: i64, places: u32) -> String {
    let d = 10i64.pow(places);
    let (w, f) = (n / d, n % d);
    if f == 0 {
        w.to_string()
    } else {
        format!("{w}.{:0width$}", f, width = places as usize)
            .trim_end_matches('0')
            .to_owned()
    }
}
impl Qty {
    pub fn parse(text: &str) -> Result<Qty, Problem> {
        scaled(text, 3)
            .filter(|n| *n > 0)
            .map(Qty)
            .ok_or(Problem::Decimal { places: 3 })
    }
    pub fn to_text(self) -> String {
        unscaled(self.0, 3)
    }
}
impl Pct {
    pub fn parse(text: &str) -> Result<Pct, Problem> {
        scaled(text, 2)
            .filter(|n| *n <= 10_000)
            .map(Pct)
            .ok_or(Problem::Percent)
    }
    pub fn to_text(self) -> String {
        unscaled(self.0, 2)
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    None,
    Percent(Pct),
    Amount(i64),
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: Qty,
    pub unit_price: i64,
    pub discount: Discount,
    pub tax_rate: Pct,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTotals {
    pub amount: i64,
    pub discount: i64,
    pub net: i64,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxGroup {
    pub rate: Pct,
    pub base: i64,
    pub tax: i64,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub lines: Vec<LineTotals>,
    pub subtotal: i64,
    pub discount: i64,
    pub net: i64,
    pub tax: i64,
    pub gross: i64,
    pub taxes: Vec<TaxGroup>,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub problem: Problem,
}
fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}
pub fn totals(lines: &[LineInput]) -> Result<Totals, LineProblem> {
    let mut out = Vec::new();
    let mut groups: std::collections::BTreeMap<Pct, i64> = Default::default();
    for (i, l) in lines.iter().enumerate() {
        let bad = |p| LineProblem {
            line: i,
            problem: p,
        };
        if l.unit_price < 0 {
            return Err(bad(Problem::Range {
                min: 0,
                max: i64::MAX,
            }));
        }
        let amount = i64::try_from(div_round(
            i128::from(l.quantity.0) * i128::from(l.unit_price),
            1000,
        ))
        .map_err(|_| {
            bad(Problem::Range {
                min: 0,
                max: i64::MAX,
            })
        })?;
        let discount = match l.discount {
            Discount::None => 0,
            Discount::Percent(p) => {
                if p.0 > 10_000 {
                    return Err(bad(Problem::Percent));
                }
                div_round(i128::from(amount) * i128::from(p.0), 10_000) as i64
            }
            Discount::Amount(a) => {
                if a < 0 || a > amount {
                    return Err(bad(Problem::Range {
                        min: 0,
                        max: amount,
                    }));
                }
                a
            }
        };
        out.push(LineTotals {
            amount,
            discount,
            net: amount - discount,
        });
        *groups.entry(l.tax_rate).or_default() += amount - discount;
    }
    let taxes: Vec<TaxGroup> = groups
        .into_iter()
        .map(|(rate, base)| TaxGroup {
            rate,
            base,
            tax: div_round(i128::from(base) * i128::from(rate.0), 10_000) as i64,
        })
        .collect();
    let subtotal = out.iter().map(|l| l.amount).sum();
    let discount = out.iter().map(|l| l.discount).sum();
    let net = out.iter().map(|l| l.net).sum();
    let tax: i64 = taxes.iter().map(|g| g.tax).sum();
    Ok(Totals {
        lines: out,
        subtotal,
        discount,
        net,
        tax,
        gross: net + tax,
        taxes,
    })
}
