//! Service on a laptop with a big service desk: an escalation pass over
//! 100,000 open cases (the one-off first pass that writes the backlog's
//! escalations, and the pass the app runs every few minutes after it), a
//! person's edits on another connection while each pass runs, and
//! knowledge-base search over 20,000 articles in three languages.
//!
//! `cargo bench -p crm-store --bench service` (CRM_BENCH_CASES to resize).
//! The database is made once into `target/bench-data/`.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, TimeZone, Utc};
use crm_domain::{EntityKind, Id};
use crm_store::{ESCALATION_BATCH, NewUser, Store};
use serde_json::json;

/// Bumped when the data below changes, so an older file is made again.
const EDITION: u32 = 2;

fn cases() -> usize {
    std::env::var("CRM_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

const ARTICLES: usize = 20_000;
const ACCOUNTS: usize = 10_000;

/// The moment the passes judge: Wednesday 2027-03-10 15:00 in Shanghai.
fn now() -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2027, 3, 10, 15, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

const ZH: &[&str] = &[
    "离心泵",
    "机械密封",
    "漏水",
    "变频器",
    "报警",
    "电机",
    "过热",
    "轴承",
    "更换",
    "安装",
    "调试",
    "压力",
    "传感器",
    "故障",
    "软件",
    "升级",
    "网络",
    "打印机",
    "卡纸",
    "发票",
];
const EN: &[&str] = &[
    "pump",
    "seal",
    "leak",
    "inverter",
    "alarm",
    "motor",
    "overheating",
    "bearing",
    "replace",
    "install",
    "pressure",
    "sensor",
    "fault",
    "firmware",
    "upgrade",
    "network",
    "printer",
    "jam",
    "invoice",
    "warranty",
];
const ES: &[&str] = &[
    "bomba",
    "sello",
    "fuga",
    "variador",
    "alarma",
    "motor",
    "sobrecalentamiento",
    "rodamiento",
    "sustituir",
    "instalación",
    "presión",
    "sensor",
    "avería",
    "actualización",
    "red",
    "impresora",
    "atasco",
    "factura",
    "garantía",
    "calibración",
];

fn words(rng: &mut fastrand::Rng, from: &[&str], n: usize, sep: &str) -> String {
    (0..n)
        .map(|_| from[rng.usize(..from.len())])
        .collect::<Vec<_>>()
        .join(sep)
}

fn make(path: &Path) {
    let me = NewUser {
        name: "Bench".into(),
        email: None,
        team: None,
        currency: "CNY".into(),
    };
    let started = Instant::now();
    let mut store = Store::create(path, &me).expect("create the benchmark database");
    store
        .calendar_set(&[
            ("tz", json!("Asia/Shanghai")),
            ("days", json!("mon-fri")),
            ("hours", json!("09:00-12:00,13:00-18:00")),
            (
                "holidays",
                json!("2027-01-01,2027-02-11,2027-02-12,2027-02-15,2027-02-16"),
            ),
            ("workdays", json!("2027-02-20")),
        ])
        .expect("calendar");
    for (priority, first, resolution, warn, raise) in [
        ("urgent", "1h", "4h", "30m", None),
        ("high", "4h", "1d", "1h", Some("urgent")),
        ("normal", "1d", "3d", "2h", Some("high")),
        ("low", "2d", "5d", "4h", None),
    ] {
        let mut fields = vec![
            ("priority", json!(priority)),
            ("first_response", json!(first)),
            ("resolution", json!(resolution)),
            ("warn_before", json!(warn)),
        ];
        if let Some(r) = raise {
            fields.push(("raise_to", json!(r)));
        }
        store.sla_policy_set(&fields).expect("policy");
    }
    let mut rng = fastrand::Rng::with_seed(7);
    let mut accounts = Vec::with_capacity(ACCOUNTS);
    store
        .write(|w| {
            for i in 0..ACCOUNTS {
                let tier = ["standard", "standard", "key", "strategic"][i % 4];
                accounts.push(w.insert(
                    EntityKind::Account,
                    &[
                        ("name", json!(format!("客户 {i} 有限公司"))),
                        ("tier", json!(tier)),
                    ],
                )?);
            }
            Ok(())
        })
        .expect("accounts");
    // Open cases opened over the last two weeks (working hours and not).
    let span_ms: i64 = 14 * 86_400_000;
    let end = now().timestamp_millis();
    let total = cases();
    for chunk in 0..total.div_ceil(5_000) {
        store
            .write(|w| {
                for i in chunk * 5_000..((chunk + 1) * 5_000).min(total) {
                    let opened = end - rng.i64(0..span_ms);
                    let priority = match rng.u32(0..100) {
                        0..20 => "low",
                        20..70 => "normal",
                        70..95 => "high",
                        _ => "urgent",
                    };
                    let status = match rng.u32(0..10) {
                        0..3 => "new",
                        3..8 => "in_progress",
                        _ => "waiting",
                    };
                    let account = accounts[rng.usize(..accounts.len())];
                    let case = w.insert(
                        EntityKind::Case,
                        &[
                            ("number", json!(format!("C1-{:06}", i + 1))),
                            ("account_id", json!(account.to_string())),
                            ("subject", json!(words(&mut rng, ZH, 3, ""))),
                            ("priority", json!(priority)),
                            ("status", json!(status)),
                            ("opened_at", json!(opened)),
                        ],
                    )?;
                    if status != "new" {
                        w.insert(
                            EntityKind::Interaction,
                            &[
                                ("kind", json!("call")),
                                ("direction", json!("outbound")),
                                ("occurred_at", json!(opened + rng.i64(600_000..14_400_000))),
                                ("subject", json!("回访")),
                                ("account_id", json!(account.to_string())),
                                ("case_id", json!(case.to_string())),
                            ],
                        )?;
                    }
                    if status == "waiting" {
                        w.insert(
                            EntityKind::CaseEvent,
                            &[
                                ("case_id", json!(case.to_string())),
                                ("kind", json!("status")),
                                ("at", json!(opened + rng.i64(3_600_000..86_400_000))),
                                ("from_status", json!("in_progress")),
                                ("to_status", json!("waiting")),
                            ],
                        )?;
                    }
                }
                Ok(())
            })
            .expect("cases");
    }
    for chunk in 0..ARTICLES.div_ceil(5_000) {
        store
            .write(|w| {
                for i in chunk * 5_000..((chunk + 1) * 5_000).min(ARTICLES) {
                    let (lang, title, body) = match i % 3 {
                        0 => (
                            "zh",
                            words(&mut rng, ZH, 4, ""),
                            words(&mut rng, ZH, 60, "，"),
                        ),
                        1 => (
                            "en",
                            words(&mut rng, EN, 5, " "),
                            words(&mut rng, EN, 80, " "),
                        ),
                        _ => (
                            "es",
                            words(&mut rng, ES, 5, " "),
                            words(&mut rng, ES, 80, " "),
                        ),
                    };
                    w.insert(
                        EntityKind::Article,
                        &[
                            ("title", json!(title)),
                            ("body", json!(body)),
                            ("language", json!(lang)),
                            (
                                "status",
                                json!(if i % 10 == 0 { "draft" } else { "published" }),
                            ),
                        ],
                    )?;
                }
                Ok(())
            })
            .expect("articles");
    }
    eprintln!(
        "made {total} cases, {ARTICLES} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn database() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    let path = dir.join(format!("service-{}-v{EDITION}.db", cases()));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        let partial = path.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        make(&partial);
        std::fs::rename(&partial, &path).expect("keep the benchmark database");
    }
    path
}

/// A copy of the database to change (the escalation passes write).
fn copy(path: &Path, into: &Path) -> PathBuf {
    let to = into.join("crm.db");
    let src = Store::open(path).expect("open the benchmark database");
    src.backup(&to).expect("copy the benchmark database");
    to
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    if samples.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1].as_secs_f64() * 1000.0
}

/// A person's edits through the app's one write connection (shared with the
/// pass, as `crm_app` shares it), one every 2 ms, until `stop`.
fn edits_while(
    writer: Arc<Mutex<Store>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let ids: Vec<Id> = {
            let store = writer.lock().unwrap();
            let mut stmt = store
                .conn()
                .prepare("SELECT id FROM accounts LIMIT 500")
                .unwrap();
            stmt.query_map([], |r| r.get::<_, uuid::Uuid>(0).map(Id))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let mut samples = Vec::new();
        let mut i = 0usize;
        while !stop.load(Ordering::Relaxed) {
            let phone = format!("+86 10 {:04} {:04}", i / 10_000, i % 10_000);
            let started = Instant::now();
            writer
                .lock()
                .unwrap()
                .write(|w| {
                    w.update(
                        EntityKind::Account,
                        ids[i % ids.len()],
                        &[("phone", json!(phone))],
                    )
                })
                .expect("edit");
            samples.push(started.elapsed());
            i += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
        samples
    })
}

/// One pass as the app runs it: the escalations due found on a reading
/// connection, then written in batches through the write connection, a
/// person's edits going through it meanwhile.
fn pass(path: &Path, at: DateTime<Utc>, label: &str) {
    let reader = Store::open(path).expect("a reading connection");
    let writer = Arc::new(Mutex::new(Store::open(path).expect("the write connection")));
    let stop = Arc::new(AtomicBool::new(false));
    let editor = edits_while(writer.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    let (examined, due) = reader.escalations_due(at).expect("escalations due");
    let read = started.elapsed();
    let mut written = 0;
    for batch in due.chunks(ESCALATION_BATCH) {
        written += writer
            .lock()
            .unwrap()
            .escalate_some(batch, at)
            .expect("escalate")
            .len();
        std::thread::sleep(Duration::from_millis(1));
    }
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut edits = editor.join().expect("the editing thread");
    println!(
        "{label:<34} {:>8.1} ms (reading {:.1} ms)  examined={examined} escalated={written}  edits meanwhile: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms",
        took.as_secs_f64() * 1000.0,
        read.as_secs_f64() * 1000.0,
        edits.len(),
        percentile(&mut edits, 50.0),
        percentile(&mut edits, 99.0),
        percentile(&mut edits, 100.0),
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let path = database();
    let work = tempfile::tempdir().expect("a temporary directory");
    let copy = copy(&path, work.path());

    // The first pass writes the escalations of the whole backlog (once, when
    // service levels are first set over an existing desk); the next ones
    // write only what crossed a line since, as the app's every 5 minutes.
    pass(&copy, now(), "escalation pass: first (backlog)");
    for minutes in [5, 10, 15, 20, 25] {
        pass(
            &copy,
            now() + chrono::Duration::minutes(minutes),
            &format!("escalation pass: +{minutes} min"),
        );
    }
    // Only the reading half, as the app runs it on a reading connection.
    let store = Store::open(&copy).expect("open the copy");
    let mut reads: Vec<Duration> = (0..10)
        .map(|i| {
            let started = Instant::now();
            store
                .escalations_due(now() + chrono::Duration::minutes(30 + i))
                .expect("escalations due");
            started.elapsed()
        })
        .collect();
    println!(
        "escalations due (the read, n=10)   p50={:.1} ms  p95={:.1} ms",
        percentile(&mut reads, 50.0),
        percentile(&mut reads, 95.0)
    );

    let queries: &[(&str, &[&str])] = &[
        (
            "zh",
            &["机械密封", "漏水", "变频器报警", "轴承", "打印机卡纸"],
        ),
        (
            "en",
            &[
                "pump seal",
                "inverter alarm",
                "firmware",
                "bearing",
                "printer jam",
            ],
        ),
        (
            "es",
            &["bomba", "fuga", "variador alarma", "impresora", "garantía"],
        ),
    ];
    for (lang, words) in queries {
        let mut samples: Vec<Duration> = (0..300)
            .map(|i| {
                let started = Instant::now();
                let hits = store
                    .kb_search(words[i % words.len()], 10)
                    .expect("kb search");
                assert!(
                    !hits.is_empty(),
                    "{} finds articles",
                    words[i % words.len()]
                );
                started.elapsed()
            })
            .collect();
        println!(
            "knowledge-base search ({lang}, {ARTICLES} articles, n=300)  p50={:.2} ms  p95={:.2} ms  p99={:.2} ms",
            percentile(&mut samples, 50.0),
            percentile(&mut samples, 95.0),
            percentile(&mut samples, 99.0)
        );
    }
}
