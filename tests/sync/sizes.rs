//! Sizes, from the outside test report: "36 notes of 15 MB make a manager's
//! sync fail forever, reported as 'server unreachable'". A value larger
//! than its field holds is refused where it is written and by the server
//! (one op's verdict naming the field and the limit); records of megabytes
//! a server kept from before the limits reach everyone in pages cut by
//! bytes; an answer a laptop cannot take says so, coded, instead of
//! "unreachable".

use std::time::Duration;

use crm_domain::{EntityKind, Hlc, Id, Invalid, Problem, value::MAX_TEXT_BYTES};
use crm_store::StoreError;
use crm_sync::{Options, SyncError};
use crm_system_tests::{Laptop, Server};
use serde_json::json;

use crate::team;

#[test]
fn a_note_larger_than_its_field_holds_is_refused_on_the_laptop_and_by_the_server() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let big = "n".repeat(MAX_TEXT_BYTES + 1);

    // Written here: refused by the field's check, before anything is queued.
    let err = ana
        .store
        .write(|w| {
            w.insert(
                EntityKind::Account,
                &[("name", json!("Acme")), ("notes", json!(big))],
            )
        })
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Invalid(Invalid { field, problem: Problem::TooLarge { max_bytes } })
                if field == "notes" && *max_bytes == MAX_TEXT_BYTES
        ),
        "{err:?}"
    );
    let out = ana.crm(
        &[
            "record",
            "add",
            "account",
            "name=Acme",
            &format!("notes={big}"),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("larger than 64 KB"), "translated: {stderr}");
    assert_eq!(ana.pending(), 0, "nothing was queued");

    // A change queued by an older app, which took notes of up to 100,000
    // characters: the server refuses that one change, naming the field and
    // its limit; the rest of the queue goes.
    let acme = ana.account("Acme");
    ana.update(EntityKind::Account, acme, &[("notes", json!("short"))]);
    let fields = json!({ "notes": { "base": null, "new": big } }).to_string();
    ana.store
        .conn()
        .execute(
            "UPDATE outbox SET fields = ?1 WHERE device_seq = (SELECT max(device_seq) FROM outbox)",
            [fields],
        )
        .unwrap();
    let globex = ana.account("Globex");
    let summary = ana.sync();
    assert_eq!(
        (summary.pushed, summary.rejected, summary.pending),
        (2, 1, 0),
        "{summary:?}"
    );
    let out = ana.crm(&["rejected", "list"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("notes is larger than the field holds (64 KB at most)"),
        "the refusal is translated with its field and limit: {stdout}"
    );
    let out = ana.crm(&["rejected", "list"], &[("LANG", "zh_CN.UTF-8")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("最多 64 KB"), "{stdout}");

    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Account, globex, "name"),
        Some(json!("Globex"))
    );
    assert_eq!(
        boss.field(EntityKind::Account, acme, "notes"),
        Some(serde_json::Value::Null),
        "the oversized note never reached the team"
    );
}

/// Accounts of `owner` (team North) as a server kept them from before
/// values were limited, written straight into its database: notes of
/// `bytes` each. Returns their ids.
fn legacy_accounts(server: &Server, owner: Id, count: usize, bytes: usize) -> Vec<Id> {
    let path = server
        .database
        .strip_prefix("sqlite://")
        .expect("a SQLite server");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let hlc = Hlc {
        wall_ms: 1_700_000_000_000,
        counter: 0,
        node: "0000000000000009".into(),
    }
    .to_string();
    let mut ids = Vec::new();
    for i in 0..count {
        let id = Id::new();
        let data = json!({
            "name": format!("Legacy {i}"),
            "owner_id": owner.to_string(),
            "notes": "L".repeat(bytes),
        });
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let seq: i64 = conn
            .query_row(
                "UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value",
                [],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute(
            "INSERT INTO records (id, entity, data, versions, deleted, hlc, changed_by, created_by,
                                  scope_user, scope_team, change_seq)
             VALUES (?1, 'account', ?2, '{}', 0, ?3, ?4, ?4, ?4, 'North', ?5)",
            rusqlite::params![id.0, data.to_string(), hlc, owner.0, seq],
        )
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
        ids.push(id);
    }
    ids
}

#[test]
fn records_of_megabytes_kept_on_a_server_reach_a_manager_and_stop_nobody() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    ana.account("Small");
    ana.sync();
    let legacy = legacy_accounts(&server, ana.store.user_id(), 6, 3 * 1024 * 1024);

    // A manager's laptop that takes at most 8 MB in one answer: the 18 MB
    // come in pages it can take, and every note arrives whole (the limit is
    // on writing; hiding them would lose them here).
    let small = Options {
        max_answer_bytes: Some(8 * 1024 * 1024),
        ..Options::default()
    };
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let summary = boss
        .try_sync_with(&small)
        .unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert_eq!(summary.unreadable, 0);
    for id in &legacy {
        let notes = boss.field(EntityKind::Account, *id, "notes").unwrap();
        assert_eq!(notes.as_str().map(str::len), Some(3 * 1024 * 1024));
    }

    // One record larger than the laptop takes at once: a coded error that
    // says so (not "unreachable"), the queue kept; other laptops go on.
    legacy_accounts(&server, ana.store.user_id(), 1, 10 * 1024 * 1024);
    boss.account("Queued meanwhile");
    let err = boss.try_sync_with(&small).unwrap_err();
    assert!(
        matches!(err, SyncError::AnswerTooLarge { limit_mb: 8, .. }),
        "{}: {err}",
        err.code()
    );
    assert_eq!(err.code(), "answer_too_large");
    assert_eq!(boss.pending(), 0, "the push went before the pull");
    boss.sync();
    ana.sync();
}
