//! Criterion benchmark of opening the Pipeline screen on a big book: 100,000
//! demo accounts with about 50,000 deals in CNY, USD and EUR (the user's
//! currency CNY, the others converted at dated rates), made once and reused
//! (`target/bench-data/pipeline-<accounts>.db`).
//!
//! `cargo bench -p crm-app --bench pipeline` (CRM_BENCH_ACCOUNTS to resize).

use std::{path::PathBuf, time::Instant};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use crm_app::{App, BoardQuery, StageCardsQuery};
use crm_domain::{EntityKind, Id};
use crm_store::{DealFilter, DemoSize, NewUser, Store};
use serde_json::json;

fn accounts() -> u64 {
    std::env::var("CRM_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// The data directory of the benchmark's book, made first if needed: the
/// demo's accounts and deals (no contacts or history: the board does not
/// read them), and a year of daily USD and EUR rates into CNY.
fn book() -> PathBuf {
    let accounts = accounts();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../target/bench-data/pipeline-{accounts}"));
    let path = Store::path_in(&dir);
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create the benchmark's data directory");
        let me = NewUser {
            name: "Bench".into(),
            email: None,
            team: None,
            currency: "CNY".into(),
        };
        let mut store = Store::create(&path, &me).expect("create the benchmark database");
        let started = Instant::now();
        let size = DemoSize {
            accounts,
            contacts_per_account: 0,
            interactions_per_account: 0,
        };
        let summary = store.demo(size, 42, |_, _| {}).expect("make demo data");
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        store
            .write(|w| {
                for (i, day) in first.iter_days().take(365).enumerate() {
                    let day = day.format("%Y-%m-%d").to_string();
                    for (from, rate) in [("USD", 7.05), ("EUR", 7.70)] {
                        let text = format!("{:.4}", rate + (i % 30) as f64 / 1000.0);
                        let rate = crm_domain::value::decimal(&text, 8).expect("a rate");
                        w.insert(
                            EntityKind::ExchangeRate,
                            &[
                                ("day", json!(day)),
                                ("from_currency", json!(from)),
                                ("to_currency", json!("CNY")),
                                ("rate", json!(rate)),
                            ],
                        )?;
                    }
                }
                Ok(())
            })
            .expect("add exchange rates");
        eprintln!(
            "made the book in {:.1} s: {summary:?}",
            started.elapsed().as_secs_f64()
        );
    }
    dir
}

fn benches(c: &mut Criterion) {
    let dir = book();
    let app = App::open(&dir).expect("open the benchmark's data directory");
    let today = NaiveDate::from_ymd_opt(2026, 12, 5);
    let board = app
        .pipeline(BoardQuery {
            today,
            ..Default::default()
        })
        .expect("the board");
    let deals: i64 = board.columns.iter().map(|c| c.count).sum();
    assert!(
        board.open.without_rate.is_empty(),
        "every currency has a rate"
    );
    eprintln!("the board holds {deals} deals");
    // The rep who owns the most deals (the demo shares them among its team).
    let owner: Id = Store::open(&Store::path_in(&dir))
        .expect("open the book")
        .conn()
        .query_row(
            "SELECT owner_id FROM opportunities WHERE deleted_at IS NULL
             GROUP BY owner_id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get::<_, uuid::Uuid>(0).map(Id),
        )
        .expect("an owner");

    let mut group = c.benchmark_group("pipeline");
    group.sample_size(30);
    let open = |filter: DealFilter| BoardQuery {
        today,
        filter,
        ..Default::default()
    };
    group.bench_function("open_everyone", |b| {
        b.iter(|| app.pipeline(open(DealFilter::default())).expect("board"))
    });
    group.bench_function("open_one_owner", |b| {
        b.iter(|| {
            app.pipeline(open(DealFilter {
                owner_id: Some(owner),
                text: None,
            }))
            .expect("board")
        })
    });
    for text in ["科技", "annual", "星辰科技"] {
        group.bench_function(format!("open_text_{text}"), |b| {
            b.iter(|| {
                app.pipeline(open(DealFilter {
                    owner_id: None,
                    text: Some(text.into()),
                }))
                .expect("board")
            })
        });
    }
    group.bench_function("show_more_at_5000", |b| {
        b.iter(|| {
            app.stage_cards(StageCardsQuery {
                stage: "proposal".into(),
                offset: 5_000,
                limit: 50,
                filter: DealFilter::default(),
            })
            .expect("cards")
        })
    });
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
