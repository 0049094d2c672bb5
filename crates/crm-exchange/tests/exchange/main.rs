//! Import, export, duplicates, merge and backup on real SQLite files in
//! temporary directories, with the sample files in `assets/samples/`.

mod backup;
mod duplicates;
mod every_sample;
mod exports;
mod merge;
mod round_trip;
mod samples;

use std::path::PathBuf;

use crm_domain::{EntityKind, Id};
use crm_exchange::{Plan, ReadOptions, Source};
use crm_store::{ImportOptions, ImportOutcome, NewUser, Store};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A store in a temporary directory; the store is closed before the
/// directory is removed.
pub struct Fixture {
    pub store: Store,
    pub dir: TempDir,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    pub fn new() -> Self {
        let name = "Ana Méndez";
        let dir = tempfile::tempdir().expect("a temporary directory");
        let me = NewUser {
            name: name.into(),
            email: Some("ana@example.es".into()),
            team: None,
            currency: "EUR".into(),
        };
        let store = Store::create(&Store::path_in(dir.path()), &me).expect("a new store");
        Fixture { store, dir }
    }
}

/// A file of `assets/samples/`.
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name)
}

/// The import plan of a file, or fail the test.
pub fn plan_file(store: &Store, path: &std::path::Path, entity: EntityKind) -> Plan {
    let source = Source::read(path, &ReadOptions::default()).expect("the file reads");
    crm_exchange::plan(store, &source, entity, None).expect("a plan")
}

/// Import the good rows of `bytes` as a CSV file into `entity`.
pub fn import_bytes(store: &mut Store, bytes: &[u8], entity: EntityKind) -> ImportOutcome {
    let source = Source::parse(bytes, false, &ReadOptions::default()).expect("the bytes read");
    let plan = crm_exchange::plan(store, &source, entity, None).expect("a plan");
    assert!(
        plan.problems.is_empty(),
        "the file has no bad rows: {:?}",
        plan.problems
    );
    crm_exchange::import(store, &plan, ImportOptions::default()).expect("the import")
}

/// Insert one record, or fail the test.
pub fn insert(store: &mut Store, kind: EntityKind, fields: &[(&str, Value)]) -> Id {
    store
        .write(|w| w.insert(kind, fields))
        .unwrap_or_else(|e| panic!("inserting a valid {kind}: {e}"))
}

/// A record id as a field value.
pub fn id_value(id: Id) -> Value {
    json!(id.to_string())
}

/// How many live rows a table holds.
pub fn count(store: &Store, table: &str) -> i64 {
    store
        .conn()
        .query_row(
            &format!("SELECT count(*) FROM {table} WHERE deleted_at IS NULL"),
            [],
            |r| r.get(0),
        )
        .expect("count")
}
