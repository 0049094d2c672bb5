//! Latency percentiles (p50/p95/p99) of the operations a salesperson feels,
//! on the big demo database: one edit, search in three languages, the first
//! page of a timeline and the whole 360° view.
//!
//! `cargo bench -p crm-store --bench latency` (CRM_BENCH_ACCOUNTS to resize).
//! Criterion's `store` bench reports the same operations as means with
//! confidence intervals; this one reports the tail, which criterion does not.

mod common;

use std::time::{Duration, Instant};

use crm_domain::{EntityKind, Id};
use crm_store::Store;
use serde_json::json;

struct Report {
    name: String,
    samples: Vec<Duration>,
}

impl Report {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<28} n={:<6} p50={:>8.3} ms  p95={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
            self.name,
            self.samples.len(),
            ms(self.percentile(50.0)),
            ms(self.percentile(95.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0)),
        );
    }
}

fn measure(name: &str, n: usize, mut op: impl FnMut(usize)) -> Report {
    for i in 0..n.min(50) {
        op(i); // warm the page cache and the statement cache
    }
    let samples = (0..n)
        .map(|i| {
            let started = Instant::now();
            op(i);
            started.elapsed()
        })
        .collect();
    let report = Report {
        name: name.to_owned(),
        samples,
    };
    report.print();
    report
}

fn sample_ids(store: &Store, sql: &str, n: usize) -> Vec<Id> {
    let mut stmt = store.conn().prepare(sql).expect("prepare");
    stmt.query_map([n as i64], |r| r.get::<_, uuid::Uuid>(0).map(Id))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids")
}

fn sizes(store: &Store) {
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap_or(0);
    let page_size: i64 = store
        .conn()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap_or(0);
    println!("database size: {:.1} MB", (pages * page_size) as f64 / 1e6);
    let fts: rusqlite::Result<Vec<(String, i64)>> = store
        .conn()
        .prepare(
            "SELECT substr(name, 1, instr(name, '_fts') + 3), sum(pgsize) FROM dbstat
             WHERE name LIKE '%\\_fts\\_%' ESCAPE '\\' GROUP BY 1 ORDER BY 1",
        )
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect());
    match fts {
        Ok(rows) => {
            for (name, bytes) in rows {
                println!("  index {name}: {:.1} MB", bytes as f64 / 1e6);
            }
        }
        Err(e) => println!("  (index sizes unavailable: {e})"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and
    // expects a quick run, so keep that to a smoke test on a small database.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut store = common::big_store();
    println!(
        "database: {}",
        if common::encrypted() {
            "encrypted (SQLCipher)"
        } else {
            "plain"
        }
    );
    if common::encrypted() {
        let version = |pragma: &str| -> String {
            store
                .conn()
                .query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
                .unwrap_or_default()
        };
        println!(
            "SQLCipher {}, {}, {}",
            version("cipher_version"),
            version("cipher_hmac_algorithm"),
            version("cipher_provider_version")
        );
    }
    sizes(&store);
    // Opening it as the app does at start (the key already at hand: from
    // the keychain, or the passphrase typed).
    let path = store.path().to_owned();
    measure("open the database", 20, |_| {
        drop(Store::open(&path).expect("open"));
    });
    let accounts = sample_ids(
        &store,
        "SELECT id FROM accounts WHERE deleted_at IS NULL ORDER BY random() LIMIT ?1",
        2_000,
    );

    measure("edit: account phone", 2_000, |i| {
        let phone = format!("+86 10 {:04} {:04}", i / 10_000, i % 10_000);
        store
            .write(|w| w.update(EntityKind::Account, accounts[i], &[("phone", json!(phone))]))
            .expect("edit");
    });
    measure("edit: log a call", 2_000, |i| {
        let user = store.user_id();
        store
            .write(|w| {
                w.insert(
                    EntityKind::Interaction,
                    &[
                        ("kind", json!("call")),
                        ("subject", json!("Called about the renewal")),
                        (
                            "body",
                            json!("They want the quote by Friday; 打电话确认报价。"),
                        ),
                        ("occurred_at", json!(1_790_000_000_000_i64 + i as i64)),
                        ("account_id", json!(accounts[i].to_string())),
                        ("author_id", json!(user.to_string())),
                    ],
                )
            })
            .expect("log");
    });
    for (label, queries) in common::QUERIES {
        measure(&format!("search: {label}"), 500, |i| {
            let q = queries[i % queries.len()];
            store.search(q, 10).expect("search");
        });
    }
    measure("timeline: first page of 50", 2_000, |i| {
        store.timeline(accounts[i], None, 50).expect("timeline");
    });
    measure("account 360° view", 2_000, |i| {
        store.account_view(accounts[i], 50).expect("view");
    });
    // The account page's Sales section as the app loads it (one call): the
    // latest 50 quotes (as crm-app asks) with their totals, orders with paid and outstanding,
    // payments, the balance and the last prices.
    measure("account sales (50 each)", 2_000, |i| {
        store.account_sales(accounts[i], 50).expect("sales");
    });
    measure("last prices", 2_000, |i| {
        store.last_prices(accounts[i]).expect("last prices");
    });
    // The whole page: what the two calls above fetch, together.
    measure("account page with sales", 2_000, |i| {
        store.account_view(accounts[i], 50).expect("view");
        store.account_sales(accounts[i], 50).expect("sales");
    });
}
