//! Rendering a 50-line Chinese quote, the yardstick (under 500 ms
//! and 300 KB): the time per PDF, and its size printed once.

#[path = "../tests/pdf/sample.rs"]
mod sample;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_pdf::{Fonts, Lang, render_quote_with};

fn quotes(c: &mut Criterion) {
    // Finding the fonts is done once per process, as render_quote does.
    let fonts = Fonts::system();
    let mut group = c.benchmark_group("quote_pdf");
    group.sample_size(20);
    for (name, lang) in [("zh_50_lines", Lang::Zh), ("en_50_lines", Lang::En)] {
        let doc = sample::quote(lang, 50);
        let pdf = render_quote_with(&doc, &fonts).expect("the quote rendered");
        println!(
            "{name}: {} bytes ({:.1} KB)",
            pdf.len(),
            pdf.len() as f64 / 1024.0
        );
        group.throughput(Throughput::Elements(doc.lines.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| render_quote_with(black_box(&doc), &fonts).expect("rendered"))
        });
    }
    group.finish();

    c.bench_function("find_system_fonts", |b| b.iter(Fonts::system));
}

criterion_group!(benches, quotes);
criterion_main!(benches);
