//! Criterion benchmark of the totals of a large quote: 200 lines with
//! fractional quantities, four tax rates and every kind of discount, the work
//! the quote editor redoes on each keystroke.
//!
//! `cargo bench -p crm-domain --bench totals`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_domain::sales::{Discount, LineInput, Pct, Qty, totals};

/// A varied 200-line quote, the same on every run.
fn quote() -> Vec<LineInput> {
    let rates = [Pct(0), Pct(600), Pct(900), Pct(1_300)];
    (0..200i64)
        .map(|i| {
            let quantity = Qty(1_000 + (i * 137) % 25_000);
            let unit_price = 99 + (i * 7_919) % 2_500_000;
            let discount = match i % 3 {
                0 => Discount::None,
                1 => Discount::Percent(Pct((i * 37) % 2_500)),
                _ => Discount::Amount(unit_price / 10),
            };
            LineInput {
                quantity,
                unit_price,
                discount,
                tax_rate: rates[i as usize % rates.len()],
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lines = quote();
    totals(&lines).expect("the benchmark's quote is valid");
    let mut group = c.benchmark_group("totals");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("quote of 200 lines", |b| {
        b.iter(|| totals(black_box(&lines)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
