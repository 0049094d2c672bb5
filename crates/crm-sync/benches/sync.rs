//! Sync figures against the real `crm-server` binary (release) on loopback.
//!
//! `cargo bench -p crm-sync --bench sync [CASE...]` — SQLite server store; with
//! `CRM_TEST_PG=postgres://...` the 200-client run is repeated on PostgreSQL.
//! `CRM_BENCH_FIRST_SYNC=accounts,interactions` resizes the first sync
//! (default 50,000 accounts and 500,000 interactions); `CRM_BENCH_BIG_BOOK`
//! the book in which 1,000 edits are pushed and pulled (default 100,000).

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::AtomicBool,
    time::{Duration, Instant},
};

use crm_domain::{EntityKind, Hlc, Id};
use crm_server::{
    Database,
    backend::{Backend, FieldVersion, StoredRecord},
};
use crm_store::{NewUser, Store};
use crm_sync::{Options, Progress};
use serde_json::{Value, json};

const PASSWORD: &str = "bench password 1";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn server_bin() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "crm-server"])
        .current_dir(workspace())
        .status()
        .expect("cargo build");
    assert!(status.success());
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from)
        .join("release/crm-server")
}

struct Server {
    child: Child,
    url: String,
    database: String,
}

impl Server {
    fn start(bin: &Path, database: &str) -> Server {
        Self::start_with(bin, database, &[])
    }

    fn start_with(bin: &Path, database: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(bin)
            .args(["--database", database, "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start crm-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("address");
        let url = line.trim().trim_start_matches("listening on ").to_owned();
        Server {
            child,
            url,
            database: database.to_owned(),
        }
    }

    fn add_user(&self, bin: &Path, email: &str, role: &str, team: &str) {
        let mut child = Command::new(bin)
            .args([
                "--database",
                &self.database,
                "user",
                "add",
                "--email",
                email,
                "--name",
                email,
                "--role",
                role,
                "--team",
                team,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("user add");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(PASSWORD.as_bytes())
            .expect("password");
        assert!(child.wait().expect("wait").success(), "user add {email}");
    }

    /// Peak resident memory of the server process, in MB.
    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A laptop's database, encrypted as the app's is when
/// `CRM_BENCH_ENCRYPTED=1` (plain otherwise: the figures to compare with).
fn laptop(dir: &Path, name: &str) -> Store {
    if std::env::var("CRM_BENCH_ENCRYPTED").is_ok_and(|v| v == "1") {
        crm_store::unlock(&Store::path_in(dir), Some("bench passphrase")).expect("unlock");
    }
    Store::create(
        &Store::path_in(dir),
        &NewUser {
            name: name.into(),
            email: None,
            team: None,
            currency: "EUR".into(),
        },
    )
    .expect("laptop")
}

fn login(store: &mut Store, server: &Server, email: &str) {
    crm_sync::login(store, &server.url, email, PASSWORD, &Options::default()).expect("login");
}

fn sync(store: &mut Store) -> (crm_sync::Summary, Duration, Duration) {
    let started = Instant::now();
    let mut push_done = None;
    let summary = crm_sync::sync(
        store,
        &Options::default(),
        |p| {
            if let Progress::Push { .. } = p {
                // The last push batch settled: the push phase ends here.
                push_done = Some(started.elapsed());
            }
        },
        &AtomicBool::new(false),
    )
    .expect("sync");
    let total = started.elapsed();
    (summary, push_done.unwrap_or(total), total)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

const BODIES: [&str; 3] = [
    "与客户电话沟通了新一季度的采购计划，对方希望在报价基础上再优惠百分之五，需要在两周内回复。",
    "Spoke with the buyer about the renewal. They asked for a discount on 200 licences and want an answer within two weeks.",
    "Visité al cliente en su almacén. Les preocupan los plazos de entrega; planean pedir 300 unidades el próximo trimestre.",
];

/// Fill a server database directly (as years of syncs would have) with
/// `accounts` accounts and `interactions` history entries owned by `owner`.
fn seed(database: &str, owner: Id, accounts: usize, interactions: usize) {
    let db = Database::open(database).expect("server db");
    let hlc = Hlc {
        wall_ms: 1_790_000_000_000,
        counter: 0,
        node: "seed".into(),
    };
    let record =
        |entity: EntityKind, id: Id, data: BTreeMap<String, Value>, account: Option<Id>| {
            let versions = data
                .keys()
                .map(|k| {
                    (
                        k.clone(),
                        FieldVersion {
                            hlc: hlc.clone(),
                            by: owner,
                        },
                    )
                })
                .collect();
            StoredRecord {
                entity,
                id,
                data,
                versions,
                deleted: false,
                hlc: hlc.clone(),
                changed_by: owner,
                created_by: owner,
                scope_user: Some(owner),
                scope_team: Some("bench".into()),
                extra_user: None,
                extra_team: None,
                parent_id: account,
                change_seq: 0,
            }
        };
    let fields = |pairs: Vec<(&str, Value)>| -> BTreeMap<String, Value> {
        let mut map: BTreeMap<String, Value> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        for def in EntityKind::Account.fields() {
            map.entry(def.name.to_owned()).or_insert(Value::Null);
        }
        map
    };
    let account_ids: Vec<Id> = (0..accounts).map(|_| Id::new()).collect();
    for chunk in account_ids.chunks(10_000) {
        db.write(|tx| {
            for (i, id) in chunk.iter().enumerate() {
                let mut r = record(
                    EntityKind::Account,
                    *id,
                    fields(vec![
                        (
                            "name",
                            json!(format!(
                                "{} 星辰科技有限公司 {i}",
                                ["北京", "Madrid", "London"][i % 3]
                            )),
                        ),
                        ("kind", json!("company")),
                        ("lifecycle", json!("customer")),
                        ("tags", json!([])),
                        ("owner_id", json!(owner.to_string())),
                    ]),
                    None,
                );
                r.change_seq = tx.next_seq(1)?;
                tx.put_record(&r)?;
            }
            Ok(())
        })
        .expect("seed accounts");
    }
    let mut rng = fastrand::Rng::with_seed(5);
    for chunk in (0..interactions).collect::<Vec<_>>().chunks(20_000) {
        db.write(|tx| {
            for i in chunk {
                let account = account_ids[rng.usize(..account_ids.len())];
                let data: BTreeMap<String, Value> = [
                    ("kind", json!("call")),
                    ("direction", json!("outbound")),
                    (
                        "occurred_at",
                        json!(1_700_000_000_000_i64 + *i as i64 * 1000),
                    ),
                    ("subject", json!(format!("Call {i}"))),
                    ("body", json!(BODIES[i % 3])),
                    ("outcome", Value::Null),
                    ("account_id", json!(account.to_string())),
                    ("contact_id", Value::Null),
                    ("opportunity_id", Value::Null),
                    ("lead_id", Value::Null),
                    ("author_id", json!(owner.to_string())),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
                let mut r = record(EntityKind::Interaction, Id::new(), data, Some(account));
                r.change_seq = tx.next_seq(1)?;
                tx.put_record(&r)?;
            }
            Ok(())
        })
        .expect("seed interactions");
    }
}

fn user_id(database: &str, email: &str) -> Id {
    let db = Database::open(database).expect("server db");
    db.read(|tx| tx.user_by_email(email))
        .expect("user")
        .expect("exists")
        .id
}

fn first_sync(bin: &Path) {
    let size = std::env::var("CRM_BENCH_FIRST_SYNC").unwrap_or_else(|_| "50000,500000".into());
    let (accounts, interactions) = size
        .split_once(',')
        .and_then(|(a, i)| Some((a.parse().ok()?, i.parse().ok()?)))
        .unwrap_or((50_000, 500_000));
    let data = workspace().join("target/bench-data");
    std::fs::create_dir_all(&data).expect("bench dir");
    let db_path = data.join(format!("server-{accounts}-{interactions}.db"));
    let database = format!("sqlite://{}", db_path.display());
    let fresh = !db_path.exists();
    let server = Server::start(bin, &database);
    if fresh {
        server.add_user(bin, "big@example.com", "rep", "bench");
        let started = Instant::now();
        seed(
            &database,
            user_id(&database, "big@example.com"),
            accounts,
            interactions,
        );
        println!(
            "seeded the server with {accounts} accounts + {interactions} interactions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let mut store = laptop(dir.path(), "big");
    login(&mut store, &server, "big@example.com");
    let (summary, _, total) = sync(&mut store);
    let hits = store.search("科技", 5).expect("search");
    println!(
        "first sync of {accounts} accounts + {interactions} interactions: {:.1} s ({} records, {:.0} records/s); search works: {}",
        total.as_secs_f64(),
        summary.pulled,
        summary.pulled as f64 / total.as_secs_f64(),
        !hits.is_empty()
    );
    let size = std::fs::metadata(Store::path_in(dir.path()))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("  laptop database after it: {:.0} MB", size as f64 / 1e6);
    let mut samples: Vec<Duration> = (0..30).map(|_| sync(&mut store).2).collect();
    println!(
        "no-change sync at that size: p50 {:.1} ms, p95 {:.1} ms",
        ms(percentile(&mut samples, 50.0)),
        ms(percentile(&mut samples, 95.0))
    );
}

fn thousand_edits(bin: &Path) {
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}", dir.path().join("server.db").display());
    let server = Server::start(bin, &database);
    server.add_user(bin, "rep@example.com", "rep", "bench");
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let mut writer = laptop(a.path(), "writer");
    let mut reader = laptop(b.path(), "reader");
    login(&mut writer, &server, "rep@example.com");
    login(&mut reader, &server, "rep@example.com");
    let me = writer.user_id().to_string();
    let ids: Vec<Id> = (0..1000)
        .map(|i| {
            writer
                .write(|w| {
                    w.insert(
                        EntityKind::Account,
                        &[
                            ("name", json!(format!("Cuenta {i}"))),
                            ("owner_id", json!(me)),
                        ],
                    )
                })
                .expect("insert")
        })
        .collect();
    sync(&mut writer);
    sync(&mut reader);
    let (mut push, mut pull) = (Vec::new(), Vec::new());
    for round in 0..5 {
        for (i, id) in ids.iter().enumerate() {
            writer
                .write(|w| {
                    w.update(
                        EntityKind::Account,
                        *id,
                        &[("phone", json!(format!("+34 600 {round}{i:05}")))],
                    )
                })
                .expect("edit");
        }
        let (s, push_time, _) = sync(&mut writer);
        assert_eq!(s.pushed, 1000);
        push.push(push_time);
        let (s, _, total) = sync(&mut reader);
        assert_eq!(s.pulled, 1000);
        pull.push(total);
    }
    println!(
        "pushing 1,000 queued edits: p50 {:.0} ms (min {:.0}); pulling and applying 1,000 changes: p50 {:.0} ms (min {:.0})",
        ms(percentile(&mut push, 50.0)),
        ms(push[0]),
        ms(percentile(&mut pull, 50.0)),
        ms(pull[0]),
    );
}

/// Issue 11's case: a sync costs what it moves, not what the book holds.
/// Two laptops hold a book of `CRM_BENCH_BIG_BOOK` accounts (default
/// 100,000) whose names share words, and every tenth name repeats (so the
/// duplicate check has groups to look at); one edits the phone of 1,000 of
/// them and pushes, the other pulls.
fn big_book(bin: &Path) {
    let accounts: usize = std::env::var("CRM_BENCH_BIG_BOOK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let data = workspace().join("target/bench-data");
    std::fs::create_dir_all(&data).expect("bench dir");
    let db_path = data.join(format!("server-{accounts}-0.db"));
    let database = format!("sqlite://{}", db_path.display());
    let fresh = !db_path.exists();
    let server = Server::start(bin, &database);
    if fresh {
        server.add_user(bin, "big@example.com", "rep", "bench");
        seed(
            &database,
            user_id(&database, "big@example.com"),
            accounts,
            0,
        );
    }
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let mut writer = laptop(a.path(), "writer");
    let mut reader = laptop(b.path(), "reader");
    login(&mut writer, &server, "big@example.com");
    login(&mut reader, &server, "big@example.com");
    sync(&mut writer);
    sync(&mut reader);
    let ids: Vec<Id> = writer
        .record_ids(EntityKind::Account)
        .expect("ids")
        .into_iter()
        .step_by(accounts / 1000)
        .take(1000)
        .collect();
    let (mut push, mut pull) = (Vec::new(), Vec::new());
    for round in 0..6 {
        for (i, id) in ids.iter().enumerate() {
            writer
                .write(|w| {
                    w.update(
                        EntityKind::Account,
                        *id,
                        &[("phone", json!(format!("+34 600 {round}{i:05}")))],
                    )
                })
                .expect("edit");
        }
        let (s, push_time, _) = sync(&mut writer);
        assert_eq!(s.pushed, 1000);
        let (s, _, total) = sync(&mut reader);
        assert_eq!(s.pulled, 1000);
        push.push(push_time);
        pull.push(total);
    }
    // The first round after a first sync also computes the duplicate keys
    // of the whole book, once.
    let (first_push, first_pull) = (push.remove(0), pull.remove(0));
    println!(
        "1,000 edited accounts in a book of {accounts}: push p50 {:.0} ms (max {:.0}), pull p50 {:.0} ms (max {:.0}); the first round after the first sync {:.0} / {:.0} ms",
        ms(percentile(&mut push, 50.0)),
        ms(percentile(&mut push, 100.0)),
        ms(percentile(&mut pull, 50.0)),
        ms(percentile(&mut pull, 100.0)),
        ms(first_push),
        ms(first_pull),
    );
}

fn many_clients(bin: &Path, label: &str, database: &str, clients: usize) {
    let server = Server::start(bin, database);
    let stamp = Id::new().to_string()[..8].to_owned();
    let emails: Vec<String> = (0..clients)
        .map(|i| format!("c{i}-{stamp}@example.com"))
        .collect();
    for e in &emails {
        server.add_user(bin, e, "rep", &format!("t{stamp}"));
    }
    let dirs: Vec<tempfile::TempDir> = (0..clients)
        .map(|_| tempfile::tempdir().expect("dir"))
        .collect();
    let mut stores: Vec<Store> = dirs
        .iter()
        .zip(&emails)
        .map(|(d, e)| {
            let mut s = laptop(d.path(), e);
            login(&mut s, &server, e);
            s
        })
        .collect();
    const ROUNDS: usize = 5;
    const EDITS: usize = 10;
    let started = Instant::now();
    let results: Vec<Result<Duration, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter_mut()
            .map(|store| {
                scope.spawn(move || {
                    let me = store.user_id().to_string();
                    let mut times = Vec::new();
                    for round in 0..ROUNDS {
                        for i in 0..EDITS {
                            store
                                .write(|w| {
                                    w.insert(
                                        EntityKind::Account,
                                        &[
                                            ("name", json!(format!("A{round}-{i}"))),
                                            ("owner_id", json!(me)),
                                        ],
                                    )
                                })
                                .expect("insert");
                        }
                        let started = Instant::now();
                        match crm_sync::sync(
                            store,
                            &Options::default(),
                            |_| {},
                            &AtomicBool::new(false),
                        ) {
                            Ok(_) => times.push(Ok(started.elapsed())),
                            Err(e) => times.push(Err(e.to_string())),
                        }
                    }
                    times
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("client"))
            .collect()
    });
    let elapsed = started.elapsed();
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(first) = failures.first() {
        println!(
            "  {} of {} syncs failed; the first: {first}",
            failures.len(),
            results.len()
        );
    }
    let mut samples: Vec<Duration> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    let syncs = samples.len();
    println!(
        "{clients} clients at once ({label}): {syncs} syncs of {EDITS} new records each in {:.1} s = {:.0} syncs/s, {:.0} ops/s; sync latency p50 {:.0} ms, p99 {:.0} ms; server peak memory {:.0} MB",
        elapsed.as_secs_f64(),
        syncs as f64 / elapsed.as_secs_f64(),
        (syncs * EDITS) as f64 / elapsed.as_secs_f64(),
        ms(percentile(&mut samples, 50.0)),
        ms(percentile(&mut samples, 99.0)),
        server.peak_mb()
    );
}

/// Web-form requests to the intake on the SQLite store: 500 a second
/// sustained for 20 s from 16 clients (kept-alive connections), a third of
/// them from returning customers; each answer's latency.
fn intake(bin: &Path) {
    const RATE: u64 = 500;
    const SECONDS: u64 = 20;
    const CLIENTS: u64 = 16;
    const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}", dir.path().join("intake.db").display());
    let server = Server::start_with(bin, &database, &["--intake-per-second", "100000"]);
    for i in 0..10 {
        server.add_user(bin, &format!("rep{i}@example.com"), "rep", "North");
    }
    let out = Command::new(bin)
        .args([
            "--database",
            &database,
            "intake-key",
            "add",
            "--kind",
            "case",
            "--team",
            "North",
            "--name",
            "Website",
        ])
        .output()
        .expect("intake-key add");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let key = printed
        .split_whitespace()
        .find(|w| w.starts_with("crmi_"))
        .expect("the key")
        .to_owned();
    let url = format!("{}/api/v1/intake/case", server.url);
    let started = Instant::now();
    let interval = Duration::from_micros(1_000_000 * CLIENTS / RATE);
    let threads: Vec<_> = (0..CLIENTS)
        .map(|t| {
            let (url, key) = (url.clone(), key.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut rng = fastrand::Rng::with_seed(t);
                let mut samples = Vec::new();
                let mut failed = 0;
                let offset = interval * u32::try_from(t).unwrap() / u32::try_from(CLIENTS).unwrap();
                let mut i = 0u32;
                loop {
                    let due = offset + interval * i;
                    if due >= Duration::from_secs(SECONDS) {
                        break;
                    }
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    let customer = if rng.u8(0..3) == 0 {
                        rng.u32(0..2_000)
                    } else {
                        rng.u32(2_000..u32::MAX)
                    };
                    let body = serde_json::json!({
                        "name": format!("客户 {customer}"),
                        "email": format!("c{customer}@example.cn"),
                        "subject": "报修：水泵漏水 / the pump leaks",
                        "description": "一个月前发过邮件，没人回电话。I emailed a month ago and nobody called back.",
                        "priority": PRIORITIES[rng.usize(0..4)],
                    });
                    let sent = Instant::now();
                    let ok = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-crm-intake-key", &key)
                        .send(serde_json::to_vec(&body).unwrap().as_slice())
                        .is_ok_and(|r| r.status().as_u16() == 201);
                    samples.push(sent.elapsed());
                    if !ok {
                        failed += 1;
                    }
                    i += 1;
                }
                (samples, failed)
            })
        })
        .collect();
    let mut samples = Vec::new();
    let mut failed = 0;
    for t in threads {
        let (s, f) = t.join().expect("client");
        samples.extend(s);
        failed += f;
    }
    let took = started.elapsed();
    println!(
        "intake (SQLite): {} requests in {:.1} s = {:.0}/s, {failed} failed; latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server peak RSS {:.0} MB",
        samples.len(),
        took.as_secs_f64(),
        samples.len() as f64 / took.as_secs_f64(),
        ms(percentile(&mut samples, 50.0)),
        ms(percentile(&mut samples, 95.0)),
        ms(percentile(&mut samples, 99.0)),
        ms(percentile(&mut samples, 100.0)),
        server.peak_mb()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches`: nothing to time
    }
    // `cargo bench -p crm-sync --bench sync -- big_book` runs one case.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let bin = server_bin();
    if runs("thousand_edits") {
        thousand_edits(&bin);
    }
    if runs("big_book") {
        big_book(&bin);
    }
    if runs("many_clients") {
        let dir = tempfile::tempdir().expect("dir");
        many_clients(
            &bin,
            "SQLite",
            &format!("sqlite://{}", dir.path().join("many.db").display()),
            200,
        );
        if let Ok(pg) = std::env::var("CRM_TEST_PG") {
            many_clients(&bin, "PostgreSQL", &pg, 200);
        }
    }
    if runs("first_sync") {
        first_sync(&bin);
    }
    if runs("intake") {
        intake(&bin);
    }
}
