//! Renders a sample quote to a file, to look at or to measure:
//! `cargo run -p crm-pdf --release --example quote -- zh 50 quote.pdf`.

#[path = "../tests/pdf/sample.rs"]
mod sample;

use std::time::Instant;

use crm_pdf::Lang;

fn main() {
    let mut args = std::env::args().skip(1);
    let lang = match args.next().as_deref() {
        Some("en") => Lang::En,
        Some("es") => Lang::Es,
        _ => Lang::Zh,
    };
    let lines = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let out = args.next().unwrap_or_else(|| "quote.pdf".to_owned());
    let mut doc = sample::quote(lang, lines);
    if let Some(logo) = args.next() {
        doc.logo = Some(std::fs::read(logo).expect("a logo file"));
    }
    let started = Instant::now();
    match crm_pdf::render_quote(&doc) {
        Ok(pdf) => {
            let took = started.elapsed();
            std::fs::write(&out, &pdf).expect("the PDF written");
            println!("{out}: {} bytes in {took:.1?}", pdf.len());
        }
        Err(e) => {
            eprintln!("{} ({})", e, e.code());
            std::process::exit(1);
        }
    }
}
