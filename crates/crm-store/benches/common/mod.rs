//! The big database the benchmarks run on: demo data at the size of a big book
//! of business, made once and reused (`target/bench-data/`).

use std::{path::PathBuf, time::Instant};

use crm_store::{DEMO_VERSION, DemoSize, NewUser, Store};

/// Accounts in the benchmark database (`CRM_BENCH_ACCOUNTS`, default 100,000:
/// with 300,000 contacts and 1,000,000 history entries).
pub fn accounts() -> u64 {
    std::env::var("CRM_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Whether the benchmarks run on an encrypted database, as the app's is
/// (`CRM_BENCH_ENCRYPTED=1`), or a plain one (the figures to compare with).
pub fn encrypted() -> bool {
    std::env::var("CRM_BENCH_ENCRYPTED").is_ok_and(|v| v == "1")
}

/// The benchmark database's file, unlocked when it is encrypted.
pub fn bench_path() -> PathBuf {
    let accounts = accounts();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    // The demo's edition in the name: a database kept from an earlier one
    // (without sales documents, say) is made again.
    if encrypted() {
        // A directory of its own: its vault is the directory's.
        let path = dir
            .join(format!("encrypted-{accounts}-v{DEMO_VERSION}"))
            .join("crm.db");
        std::fs::create_dir_all(path.parent().unwrap()).expect("create the bench directory");
        crm_store::unlock(&path, Some("bench passphrase")).expect("unlock the benchmark database");
        path
    } else {
        dir.join(format!("crm-{accounts}-v{DEMO_VERSION}.db"))
    }
}

/// Open the benchmark database, making it first if needed.
pub fn big_store() -> Store {
    let accounts = accounts();
    let path = bench_path();
    let dir = path.parent().unwrap().to_owned();
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        let me = NewUser {
            name: "Bench".into(),
            email: None,
            team: None,
            currency: "CNY".into(),
        };
        let mut store = Store::create(&path, &me).expect("create the benchmark database");
        let started = Instant::now();
        let summary = store
            .demo(DemoSize::accounts(accounts), 42, |_, _| {})
            .expect("make demo data");
        eprintln!(
            "made demo data in {:.1} s: {summary:?}",
            started.elapsed().as_secs_f64()
        );
    }
    Store::open(&path).expect("open the benchmark database")
}

/// Queries by language and length, as a salesperson would type them.
pub const QUERIES: &[(&str, &[&str])] = &[
    (
        "zh_3plus",
        &["星辰科技", "采购计划", "有限公司", "北京华信", "技术总监"],
    ),
    ("zh_1_2", &["科", "北京", "报价", "王伟", "物流"]),
    (
        "en",
        &[
            "renewal",
            "Harbor Logistics",
            "warehouse",
            "discount",
            "Johnson",
        ],
    ),
    (
        "es",
        &["Mendez", "renovación", "almacen", "Muñoz", "presupuesto"],
    ),
];
