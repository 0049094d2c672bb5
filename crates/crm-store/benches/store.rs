//! Criterion benchmarks of the store on the big demo database: mean time and
//! confidence intervals of one edit, search, a page of leads, and the
//! timeline.
//!
//! `cargo bench -p crm-store --bench store` (CRM_BENCH_ACCOUNTS to resize).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use crm_domain::{EntityKind, Id};
use serde_json::json;

fn benches(c: &mut Criterion) {
    let mut store = common::big_store();
    let accounts: Vec<Id> = store
        .conn()
        .prepare("SELECT id FROM accounts ORDER BY random() LIMIT 1000")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, uuid::Uuid>(0).map(Id))?
                .collect()
        })
        .expect("sample accounts");

    let mut i = 0usize;
    c.bench_function("edit/account_phone", |b| {
        b.iter(|| {
            i += 1;
            let phone = format!("+34 91 {:03} {:04}", i / 10_000 % 1000, i % 10_000);
            let account = accounts[i % accounts.len()];
            store
                .write(|w| w.update(EntityKind::Account, account, &[("phone", json!(phone))]))
                .expect("edit")
        })
    });

    let mut group = c.benchmark_group("search");
    for (label, queries) in common::QUERIES {
        let mut n = 0usize;
        group.bench_function(*label, |b| {
            b.iter(|| {
                n += 1;
                store
                    .search(queries[n % queries.len()], 10)
                    .expect("search")
            })
        });
    }
    group.finish();

    // The Leads screen: newest first, 200 a page, all statuses or one.
    let mut group = c.benchmark_group("leads");
    group.bench_function("first_page_200", |b| {
        b.iter(|| store.leads(None, 0, 200).expect("leads"))
    });
    group.bench_function("new_first_page_200", |b| {
        b.iter(|| store.leads(Some("new"), 0, 200).expect("leads"))
    });
    group.bench_function("page_at_10000", |b| {
        b.iter(|| store.leads(None, 10_000, 200).expect("leads"))
    });
    group.finish();

    let mut n = 0usize;
    c.bench_function("timeline/first_page_50", |b| {
        b.iter(|| {
            n += 1;
            store
                .timeline(accounts[n % accounts.len()], None, 50)
                .expect("timeline")
        })
    });
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(50);
    targets = benches
}
criterion_main!(store);
