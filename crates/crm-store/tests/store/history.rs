//! Field history: who changed which field, when, from what to what.

use crm_domain::EntityKind;
use serde_json::{Value, json};

use crate::{Fixture, ME, account, insert, update};

#[test]
fn history_shows_the_insert_then_every_change_with_who_and_what() {
    let mut fx = Fixture::create();
    let me = fx.store.user_id();
    let id = insert(
        &mut fx.store,
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技有限公司")),
            ("industry", json!("软件")),
        ],
    );
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[
            ("phone", json!("+86 10 1234 5678")),
            ("industry", json!("电子")),
        ],
    );
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("phone", json!("+86 10 8765 4321"))],
    );

    let history = fx.store.history(id).unwrap();
    let summary: Vec<(&str, &str, Value, Value)> = history
        .iter()
        .map(|h| {
            (
                h.op.as_str(),
                h.field.as_str(),
                h.old.clone(),
                h.new.clone(),
            )
        })
        .skip(1)
        .collect();
    assert_eq!(history[0].op, "insert", "the first entry is the creation");
    assert_eq!(
        history[0].field, "*",
        "the creation covers the whole record"
    );
    assert_eq!(history[0].old, Value::Null);
    assert_eq!(
        history[0].new["name"],
        json!("北京星辰科技有限公司"),
        "the creation shows the values it set"
    );
    assert_eq!(history[0].new["industry"], json!("软件"));
    assert_eq!(
        summary,
        vec![
            ("update", "industry", json!("软件"), json!("电子")),
            ("update", "phone", Value::Null, json!("+86 10 1234 5678")),
            (
                "update",
                "phone",
                json!("+86 10 1234 5678"),
                json!("+86 10 8765 4321")
            ),
        ],
        "each changed field appears once per edit, oldest first, with its old and new value"
    );
    for entry in &history {
        assert_eq!(
            entry.changed_by,
            Some(me),
            "every entry must say who made it: {entry:?}"
        );
        assert_eq!(
            entry.changed_by_name.as_deref(),
            Some(ME),
            "and show their name"
        );
    }
    assert!(
        history
            .windows(2)
            .all(|p| p[0].changed_at <= p[1].changed_at),
        "entries come oldest first"
    );
}

#[test]
fn delete_and_restore_appear_in_the_history() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, "ACME");
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("region", json!("Madrid"))],
    );
    fx.store
        .write(|w| w.delete(EntityKind::Account, id))
        .unwrap();
    fx.store
        .write(|w| w.restore(EntityKind::Account, id))
        .unwrap();

    let ops: Vec<String> = fx
        .store
        .history(id)
        .unwrap()
        .into_iter()
        .map(|h| h.op)
        .collect();
    assert_eq!(
        ops,
        ["insert", "update", "delete", "restore"],
        "every kind of change must be in the history"
    );
}

#[test]
fn history_belongs_to_its_record_only() {
    let mut fx = Fixture::create();
    let a = account(&mut fx.store, "ACME");
    let b = account(&mut fx.store, "Globex");
    update(
        &mut fx.store,
        EntityKind::Account,
        b,
        &[("region", json!("London"))],
    );
    assert_eq!(
        fx.store.history(a).unwrap().len(),
        1,
        "an edit of Globex must not show on ACME"
    );
    assert_eq!(fx.store.history(b).unwrap().len(), 2);
}

#[test]
fn history_shows_each_authors_own_name() {
    // "Three reps talked to this customer": entries pulled from the server
    // carry their own author, whose name comes from the team directory, not
    // the current user's. The other author's entry is written directly here,
    // as applying a pulled change would.
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, "ACME");
    let bob = crate::user(&mut fx.store, "Bob");
    fx.store
        .conn()
        .execute(
            "INSERT INTO field_history (entity, record_id, field, old, new, op, changed_by, changed_at, hlc)
             VALUES ('account', ?1, 'region', NULL, '\"Lima\"', 'update', ?2, 0, '0')",
            rusqlite::params![id.0, bob.0],
        )
        .unwrap();
    let history = fx.store.history(id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.changed_by, Some(bob));
    assert_eq!(
        last.changed_by_name.as_deref(),
        Some("Bob"),
        "each entry shows its own author's name"
    );
    assert_eq!(last.new, json!("Lima"));
}
