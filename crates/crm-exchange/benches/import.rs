//! Importing a big CSV into a fresh store: decode, guess the mapping, parse
//! and check every row, then write every lead with its outbox entry, field
//! history, search entry and import fingerprint in one transaction.
//!
//! Then the preview of 100 business cards against a book of 100,000
//! accounts (the demo's; CRM_BENCH_PREVIEW_BOOK to resize), the target being
//! under 500 ms.
//!
//! `cargo bench -p crm-exchange` (CRM_BENCH_IMPORT_ROWS to resize; default
//! 100,000 rows, the target being under 10 s).

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use crm_domain::EntityKind;
use crm_exchange::Source;
use crm_store::{ImportOptions, NewUser, Store};
use tempfile::TempDir;

fn rows() -> usize {
    std::env::var("CRM_BENCH_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Business cards in three languages, every person different.
fn csv(rows: usize) -> Vec<u8> {
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
    const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
    const FIRST: &[&str] = &[
        "José", "María", "Lucía", "James", "Mary", "Ana", "Oliver", "Inés",
    ];
    const LAST: &[&str] = &[
        "Méndez", "García", "Núñez", "Smith", "O'Neil", "Peña", "Brown",
    ];
    let mut out = String::from("姓名,公司,职位,手机,电子邮箱,来源,备注\n");
    for i in 0..rows {
        let (name, company) = match i % 3 {
            0 => (
                format!("{}{}{}", SURNAMES[i % 8], GIVEN[(i / 8) % 8], i),
                format!("北京星辰科技{}有限公司", i / 5),
            ),
            1 => (
                format!("{} {} {i}", FIRST[i % 8], LAST[i % 7]),
                format!("Construcciones Núñez {} S.L.", i / 5),
            ),
            _ => (
                format!("{} {} {i}", FIRST[(i + 3) % 8], LAST[(i + 2) % 7]),
                format!("Harbor Logistics {} Ltd", i / 5),
            ),
        };
        out.push_str(&format!(
            "{name},\"{company}\",Manager,+86 138 {:04} {:04},person{i}@example.com,exhibition,\"Met at booth {}, wants a quote\"\n",
            (i / 10_000) % 10_000,
            i % 10_000,
            i % 300
        ));
    }
    out.into_bytes()
}

fn fresh_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let me = NewUser {
        name: "Bench".into(),
        email: None,
        team: None,
        currency: "CNY".into(),
    };
    let store = Store::create(&Store::path_in(dir.path()), &me).expect("a new store");
    (store, dir)
}

fn benches(c: &mut Criterion) {
    let n = rows();
    let bytes = csv(n);
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("csv_leads_{n}"), |b| {
        b.iter_batched(
            fresh_store,
            |(mut store, dir)| {
                let source = Source::parse(&bytes, false, &crm_exchange::ReadOptions::default())
                    .expect("the CSV reads");
                let plan =
                    crm_exchange::plan(&store, &source, EntityKind::Lead, None).expect("a plan");
                assert!(plan.problems.is_empty(), "{:?}", &plan.problems[..1]);
                let outcome = crm_exchange::import(&mut store, &plan, ImportOptions::default())
                    .expect("the import");
                assert_eq!(outcome.imported.len(), n, "every row imported");
                (store, dir)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // Issue 11: a preview of a small file against a big book costs what the
    // file holds. 100 business cards (contacts with their companies) against
    // the 100,000-account demo
    // (`crm demo --accounts 100000`); the duplicate keys of the book are
    // computed once before (as the first sync's next lookup does).
    let book: u64 = std::env::var("CRM_BENCH_PREVIEW_BOOK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (mut store, _dir) = fresh_store();
    store
        .demo(crm_store::DemoSize::accounts(book), 7, |_, _| {})
        .expect("the demo book");
    let cards = csv(100);
    let plan_of = |store: &Store| {
        let source = Source::parse(&cards, false, &crm_exchange::ReadOptions::default())
            .expect("the CSV reads");
        crm_exchange::plan(store, &source, EntityKind::Contact, None).expect("a plan")
    };
    let dry_run = ImportOptions {
        dry_run: true,
        ..ImportOptions::default()
    };
    let started = std::time::Instant::now();
    let plan = plan_of(&store);
    crm_exchange::import(&mut store, &plan, dry_run).expect("the first preview");
    println!(
        "first preview after loading the book (computes its duplicate keys once): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("preview");
    group.sample_size(20);
    group.bench_function(format!("100_cards_against_{book}_accounts"), |b| {
        b.iter(|| {
            let plan = plan_of(&store);
            let outcome = crm_exchange::import(&mut store, &plan, dry_run).expect("a preview");
            assert_eq!(
                outcome.imported.len() + outcome.duplicates.len(),
                100,
                "every card is accounted for"
            );
        })
    });
    group.finish();
}

criterion_group!(import, benches);
criterion_main!(import);
