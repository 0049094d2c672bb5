//! Integration tests of the local store. Every test works on a real SQLite file
//! in its own temporary directory and checks what the file holds afterwards:
//! domain rows, outbox, field history and the full-text index.

mod account_view;
mod bulk;
mod concurrency;
mod damaged;
mod demo;
mod history;
mod leads;
mod lease;
mod migrations;
mod outbox;
mod pipeline;
mod planned;
mod protect;
mod reassign;
mod refusals;
mod sales;
mod search;
mod service;
mod soft_delete;

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Id};
use crm_store::{NewUser, Store};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The name of the person the test stores are created for.
pub const ME: &str = "Li Wei";

/// 2026-01-01T00:00:00Z in UTC milliseconds: a fixed base for `occurred_at`.
pub const JAN_2026_MS: i64 = 1_767_225_600_000;

/// The user every test store is created for.
pub fn me() -> NewUser {
    NewUser {
        name: ME.into(),
        email: Some("li.wei@example.com".into()),
        team: Some("North".into()),
        currency: "CNY".into(),
    }
}

/// Record a login of the test user to a team server with `token`, as
/// `crm_sync::login` does once the server answered.
pub fn record_login(store: &mut Store, token: &str) {
    let user = crm_domain::User {
        id: store.user_id(),
        name: ME.into(),
        email: Some("li.wei@example.com".into()),
        role: "rep".into(),
        team: Some("North".into()),
        active: true,
    };
    store
        .record_login(
            "https://crm.example.com",
            "li.wei@example.com",
            token,
            &user,
            Some(3),
        )
        .unwrap();
}

/// A new store in a temporary directory. The store is declared first so it is
/// closed before the directory is removed.
pub struct Fixture {
    pub store: Store,
    pub dir: TempDir,
}

impl Fixture {
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::create(&Store::path_in(dir.path()), &me())
            .expect("creating a store in an empty directory");
        Fixture { store, dir }
    }

    /// Close the store and open the same file again, as after an app restart.
    pub fn reopen(&mut self) {
        let path = self.store.path().to_owned();
        // Replace with a second handle first: the old one closes when dropped.
        let reopened = Store::open(&path).expect("reopening the store's own file");
        self.store = reopened;
    }
}

/// A record id as a canonical field value.
pub fn id_value(id: Id) -> Value {
    json!(id.to_string())
}

/// Insert one record in its own write, or fail the test with `what`.
pub fn insert(store: &mut Store, kind: EntityKind, fields: &[(&str, Value)]) -> Id {
    store
        .write(|w| w.insert(kind, fields))
        .unwrap_or_else(|e| panic!("inserting a valid {kind} must succeed, got: {e}"))
}

/// Update one record in its own write, or fail the test.
pub fn update(store: &mut Store, kind: EntityKind, id: Id, fields: &[(&str, Value)]) -> bool {
    store
        .write(|w| w.update(kind, id, fields))
        .unwrap_or_else(|e| panic!("updating {kind} {id} with valid values must succeed, got: {e}"))
}

/// An account with just a name.
pub fn account(store: &mut Store, name: &str) -> Id {
    insert(store, EntityKind::Account, &[("name", json!(name))])
}

/// A contact at `account`.
pub fn contact(store: &mut Store, account: Id, name: &str) -> Id {
    insert(
        store,
        EntityKind::Contact,
        &[("account_id", id_value(account)), ("name", json!(name))],
    )
}

/// An interaction on `account` at `occurred_at` (UTC ms), written by the store's user.
pub fn interaction(
    store: &mut Store,
    account: Id,
    occurred_at: i64,
    subject: &str,
    body: &str,
) -> Id {
    let author = store.user_id();
    insert(
        store,
        EntityKind::Interaction,
        &[
            ("kind", json!("call")),
            ("occurred_at", json!(occurred_at)),
            ("subject", json!(subject)),
            ("body", json!(body)),
            ("account_id", id_value(account)),
            ("author_id", id_value(author)),
        ],
    )
}

/// A deal on `account` in `stage`, in CNY.
pub fn deal(store: &mut Store, account: Id, name: &str, stage: &str) -> Id {
    insert(
        store,
        EntityKind::Opportunity,
        &[
            ("account_id", id_value(account)),
            ("name", json!(name)),
            ("stage", json!(stage)),
            ("currency", json!("CNY")),
            ("amount", json!(1_000_000)),
        ],
    )
}

/// A second team member, added through the ordinary write path.
pub fn user(store: &mut Store, name: &str) -> Id {
    insert(
        store,
        EntityKind::User,
        &[("name", json!(name)), ("role", json!("rep"))],
    )
}

/// `SELECT count(*)` of a table (or of rows matching `where_`).
pub fn count(store: &Store, table: &str, where_: &str) -> i64 {
    let sql = if where_.is_empty() {
        format!("SELECT count(*) FROM {table}")
    } else {
        format!("SELECT count(*) FROM {table} WHERE {where_}")
    };
    store
        .conn()
        .query_row(&sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql} must run: {e}"))
}

/// Everything a write can change, in a form two snapshots can be compared in:
/// per domain table the row count, the newest HLC and the sum of update times
/// (so an in-place update shows too), the index sizes, the outbox, the field
/// history and the device's sequence and clock.
pub fn snapshot(store: &Store) -> BTreeMap<String, String> {
    let conn = store.conn();
    let one = |sql: &str| -> String {
        conn.query_row(sql, [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{sql} must run: {e}"))
    };
    let mut state = BTreeMap::new();
    // Every kind's table and index, from the descriptions: a new kind is
    // covered without a line here.
    for kind in EntityKind::ALL {
        let table = kind.table();
        let sql = format!(
            "SELECT count(*) || ' rows, hlc ' || coalesce(max(hlc), '-') || ', updated ' || coalesce(sum(updated_at), 0)
                    || ', deleted ' || count(deleted_at) FROM {table}"
        );
        state.insert(table.to_owned(), one(&sql));
    }
    for kind in EntityKind::ALL
        .into_iter()
        .filter(|k| k.fields().iter().any(|f| f.searchable))
    {
        let table = format!("{}_fts", kind.table());
        state.insert(
            table.clone(),
            one(&format!("SELECT count(*) || ' entries' FROM {table}")),
        );
    }
    state.insert(
        "outbox".into(),
        one("SELECT count(*) || ' ops, last seq ' || coalesce(max(device_seq), 0) FROM outbox"),
    );
    state.insert(
        "field_history".into(),
        one("SELECT count(*) || ' entries' FROM field_history"),
    );
    state.insert(
        "device".into(),
        one("SELECT 'seq ' || seq || ', hlc ' || hlc FROM device"),
    );
    state
}

/// Fail with `why` unless the database is exactly as in `before`.
pub fn assert_unchanged(before: &BTreeMap<String, String>, store: &Store, why: &str) {
    let after = snapshot(store);
    for (table, was) in before {
        assert_eq!(
            &after[table], was,
            "{why}: table {table} changed although the write was refused"
        );
    }
}

/// Every (kind, id) that `query` finds, group by group.
pub fn found(store: &Store, query: &str) -> Vec<(EntityKind, Id)> {
    store
        .search(query, 50)
        .unwrap_or_else(|e| panic!("searching {query:?} must not fail: {e}"))
        .into_iter()
        .flat_map(|g| g.hits.into_iter().map(|h| (h.entity, h.id)))
        .collect()
}

/// Whether `query` finds the record `id`.
pub fn finds(store: &Store, query: &str, id: Id) -> bool {
    found(store, query).iter().any(|(_, hit)| *hit == id)
}

/// The record a reference field of record `id` points at, through the
/// generic record path.
pub fn reference(store: &Store, kind: EntityKind, id: Id, field: &str) -> Option<Id> {
    store
        .record(kind, id)
        .unwrap_or_else(|e| panic!("{kind} {id} reads: {e}"))
        .fields
        .get(field)
        .and_then(Value::as_str)
        .map(|s| s.parse().expect("an id"))
}
