//! Two server processes over one database: two `Database::open` handles on
//! the same URL, pushing from two threads at once (and one pulling
//! meanwhile). Sequence numbers must stay unique and gap-free, every op must
//! be applied exactly once, and a pull must never skip a change that commits
//! late.

use crm_domain::change::SCHEMA_VERSION;
use crm_protocol::Open;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Barrier,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
};

use crm_domain::{EntityKind, Id, OpKind};
use crm_protocol::{Change, Outcome};
use crm_server::{Database, backend::Backend, sync};
use serde_json::{Value, json};

use crate::support::{Empty, Fixture, Laptop, NOW, Team, all_records, conformance, stored, viewer};

conformance!(fixture:
    two_servers_inserting_at_once_share_one_gapless_sequence,
    two_servers_editing_one_record_at_once_lose_no_edit,
    one_batch_pushed_to_two_servers_at_once_applies_once,
);
conformance!(empty: servers_starting_together_on_a_new_database_create_it_once);

const BATCHES: usize = 15;
const BATCH: usize = 4;

fn second_server(fx: &Fixture) -> Database {
    Database::open(&fx.url).expect("a second server process opens the same database")
}

fn two_servers_inserting_at_once_share_one_gapless_sequence(fx: &Fixture) {
    let other = second_server(fx);
    let team = Team::create(&fx.db);
    let start = fx.db.read(|tx| tx.last_seq()).unwrap();
    let pushers = [(&team.ana, &fx.db), (&team.cy, &other)];
    let barrier = Barrier::new(pushers.len() + 1);
    let finished = AtomicUsize::new(0);
    let admin = viewer(team.admin.user.id, "admin", None);

    let (inserted, pulled) = thread::scope(|s| {
        let pushing: Vec<_> = pushers
            .iter()
            .map(|&(laptop, db)| {
                let (barrier, finished) = (&barrier, &finished);
                s.spawn(move || {
                    let _done = Finished(finished);
                    barrier.wait();
                    let mut ids = Vec::new();
                    for b in 0..BATCHES {
                        let ops: Vec<_> = (0..BATCH)
                            .map(|i| {
                                laptop.insert(
                                    EntityKind::Account,
                                    &[("name", json!(format!("{b}.{i}")))],
                                    NOW,
                                )
                            })
                            .collect();
                        let verdicts = laptop.push(db, &ops);
                        assert!(
                            verdicts.iter().all(|v| v.outcome == Outcome::Applied),
                            "{verdicts:?}"
                        );
                        ids.extend(ops.iter().map(|op| op.record_id));
                    }
                    ids
                })
            })
            .collect();
        // A third client pulls while they push, as an admin sees everything.
        let puller = s.spawn(|| {
            barrier.wait();
            let mut cursor = start;
            let mut seen: Vec<Change> = Vec::new();
            let mut pull = |cursor: &mut i64| loop {
                let page = other
                    .read(|tx| sync::pull(tx, &admin, SCHEMA_VERSION, *cursor, 7))
                    .unwrap();
                seen.extend(page.changes.into_iter().filter_map(Open::into_known));
                *cursor = page.cursor;
                if !page.more {
                    break;
                }
            };
            while finished.load(Ordering::SeqCst) < pushers.len() {
                pull(&mut cursor);
            }
            pull(&mut cursor);
            seen
        });
        let inserted: Vec<Id> = pushing
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (inserted, puller.join().unwrap())
    });

    let expected = pushers.len() * BATCHES * BATCH;
    assert_eq!(inserted.len(), expected);
    let last = fx.db.read(|tx| tx.last_seq()).unwrap();
    assert_eq!(
        last,
        start + expected as i64,
        "one sequence number per insert, none lost"
    );

    let records = all_records(&fx.db);
    let seqs: Vec<i64> = records.iter().map(|r| r.change_seq).collect();
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "unique and gap-free, users' records included"
    );
    let stored_ids: BTreeSet<Id> = records.iter().map(|r| r.id).collect();
    assert!(
        inserted.iter().all(|id| stored_ids.contains(id)),
        "every insert is stored"
    );
    assert_eq!(records.len() - start as usize, expected, "and stored once");

    assert!(
        pulled
            .windows(2)
            .all(|w| w[0].change_seq() < w[1].change_seq()),
        "a concurrent puller sees changes in order"
    );
    let pulled_ids: BTreeSet<Id> = pulled
        .iter()
        .filter_map(|c| match c {
            Change::Upsert(r) => Some(r.id),
            Change::Remove { .. } => None,
        })
        .collect();
    let missed: Vec<&Id> = inserted
        .iter()
        .filter(|id| !pulled_ids.contains(id))
        .collect();
    assert!(
        missed.is_empty(),
        "a pull running during the pushes skipped {} inserts",
        missed.len()
    );
    assert_eq!(pulled.len(), expected, "and saw each once");

    for laptop in [&team.ana, &team.cy] {
        let device = fx
            .db
            .read(|tx| tx.device(laptop.device_id))
            .unwrap()
            .unwrap();
        assert_eq!(device.last_seq, (BATCHES * BATCH) as i64);
    }
}

/// Counts a pusher as finished when it ends, even by a panic (so the puller
/// stops instead of waiting for ever).
struct Finished<'a>(&'a AtomicUsize);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn two_servers_editing_one_record_at_once_lose_no_edit(fx: &Fixture) {
    let other = second_server(fx);
    let team = Team::create(&fx.db);
    let create = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    assert_eq!(team.ana.push_one(&fx.db, &create).outcome, Outcome::Applied);
    let acme = create.record_id;
    let start = fx.db.read(|tx| tx.last_seq()).unwrap();
    let rounds = BATCHES * BATCH;
    let barrier = Barrier::new(2);

    // Ana (through one server) and her manager (through the other) each keep
    // editing their own field of the same account, every edit from the value
    // they set before.
    let edit = |laptop: &Laptop, db: &Database, field: &str| {
        barrier.wait();
        let mut previous = Value::Null;
        for i in 0..rounds {
            let value = json!(valid(field, i));
            let op = laptop.op(
                EntityKind::Account,
                acme,
                OpKind::Update,
                &[(field, previous.clone(), value.clone())],
                NOW + 1 + i as i64,
            );
            let verdict = laptop.push_one(db, &op);
            assert_eq!(
                verdict.outcome,
                Outcome::Applied,
                "{field} {i}: {verdict:?}"
            );
            previous = value;
        }
    };
    thread::scope(|s| {
        s.spawn(|| edit(&team.ana, &fx.db, "phone"));
        s.spawn(|| edit(&team.manager, &other, "notes"));
    });

    let record = stored(&other, acme);
    assert_eq!(
        record.data["phone"],
        json!(valid("phone", rounds - 1)),
        "ana's last edit stands"
    );
    assert_eq!(
        record.data["notes"],
        json!(format!("notes {}", rounds - 1)),
        "so does the manager's"
    );
    assert_eq!(record.data["name"], json!("Acme"));
    assert_eq!(record.versions["phone"].by, team.ana.user.id);
    assert_eq!(record.versions["notes"].by, team.manager.user.id);
    let last = fx.db.read(|tx| tx.last_seq()).unwrap();
    assert_eq!(
        last,
        start + 2 * rounds as i64,
        "one sequence number per edit"
    );
    assert_eq!(record.change_seq, last);
}

fn one_batch_pushed_to_two_servers_at_once_applies_once(fx: &Fixture) {
    let other = second_server(fx);
    let team = Team::create(&fx.db);
    let servers = [&fx.db, &other];
    for round in 0..5 {
        let ops: Vec<_> = (0..10)
            .map(|i| {
                team.ana.insert(
                    EntityKind::Account,
                    &[("name", json!(format!("{round}.{i}")))],
                    NOW,
                )
            })
            .collect();
        let before = all_records(&fx.db).len();
        let barrier = Barrier::new(2);
        // The laptop timed out on one server and retried on the other.
        let answers: Vec<_> = thread::scope(|s| {
            let handles: Vec<_> = servers
                .iter()
                .map(|db| {
                    let (ops, barrier, ana) = (&ops, &barrier, &team.ana);
                    s.spawn(move || {
                        barrier.wait();
                        ana.push(*db, ops)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for i in 0..ops.len() {
            let outcomes: BTreeMap<&str, usize> = answers
                .iter()
                .map(|verdicts| verdicts[i].outcome)
                .fold(BTreeMap::new(), |mut m, o| {
                    *m.entry(match o {
                        Outcome::Applied => "applied",
                        Outcome::Duplicate => "duplicate",
                        _ => "other",
                    })
                    .or_default() += 1;
                    m
                });
            assert_eq!(
                outcomes,
                BTreeMap::from([("applied", 1), ("duplicate", 1)]),
                "round {round}, op {i}: applied by one server, a duplicate for the other"
            );
        }
        assert_eq!(
            all_records(&fx.db).len(),
            before + ops.len(),
            "each op stored once"
        );
    }
    let device = fx
        .db
        .read(|tx| tx.device(team.ana.device_id))
        .unwrap()
        .unwrap();
    assert_eq!(device.last_seq, 50);
}

fn servers_starting_together_on_a_new_database_create_it_once(empty: Empty) {
    let starting = 3;
    let barrier = Barrier::new(starting);
    let opened: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..starting)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    Database::open(&empty.url)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let servers: Vec<Database> = opened
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("a server starting with others fails: {e}")))
        .collect();
    for (i, db) in servers.iter().enumerate() {
        assert_eq!(
            db.read(|tx| tx.last_seq()).unwrap(),
            i as i64,
            "one schema, one sequence"
        );
        db.write(|tx| tx.next_seq(1)).unwrap();
    }
    drop(servers);
    let fx = empty.open();
    assert_eq!(
        fx.db.read(|tx| tx.last_seq()).unwrap(),
        starting as i64,
        "reopened, the data is there"
    );
}

/// The `i`th value of `field` that the field's check accepts.
fn valid(field: &str, i: usize) -> String {
    match field {
        "phone" => format!("+86 10 {i:06}"),
        _ => format!("{field} {i}"),
    }
}
