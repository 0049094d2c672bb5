//! Sizes: a value larger than its field holds, or an op that would make a
//! record larger than a record may be, is refused as one op's verdict that
//! names the field and the limit; pull pages stop at a byte budget, so
//! records of megabytes kept from before the limits never make a page a
//! laptop cannot take.

use std::collections::BTreeMap;

use crm_domain::{
    EntityKind, Id, OpKind,
    value::{MAX_LIST_BYTES, MAX_RECORD_BYTES, MAX_TEXT_BYTES},
};
use crm_protocol::{Change, Outcome, PULL_PAGE_BYTES, codes};
use crm_server::backend::{Backend, StoredRecord};
use serde_json::{Value, json};

use crate::support::{NOW, Team, conformance, hlc, stored};

conformance!(db:
    a_value_larger_than_its_field_holds_is_refused_naming_the_field_and_limit,
    a_record_kept_from_before_the_limits_may_shrink_but_not_grow,
    pull_pages_stop_at_a_byte_budget_and_always_hold_one_change,
);

fn a_value_larger_than_its_field_holds_is_refused_naming_the_field_and_limit(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    let at_limit = ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Acme")),
            ("notes", json!("n".repeat(MAX_TEXT_BYTES))),
        ],
        NOW,
    );
    // 15 MB of notes: what made a manager's pulls fail for ever.
    let huge_note = ana.insert(
        EntityKind::Interaction,
        &[
            ("account_id", json!(at_limit.record_id.to_string())),
            ("kind", json!("note")),
            ("occurred_at", json!(NOW)),
            ("body", json!("x".repeat(15 * 1024 * 1024))),
        ],
        NOW,
    );
    let tags: Vec<String> = (0..2_000).map(|i| format!("tag {i}")).collect();
    let many_tags = ana.op(
        EntityKind::Account,
        at_limit.record_id,
        OpKind::Update,
        &[("tags", json!([]), json!(tags))],
        NOW,
    );
    let fine = ana.insert(EntityKind::Account, &[("name", json!("Initech"))], NOW);
    let verdicts = ana.push(
        db,
        &[at_limit.clone(), huge_note.clone(), many_tags, fine.clone()],
    );
    assert_eq!(
        verdicts[0].outcome,
        Outcome::Applied,
        "a note at the limit is taken: {:?}",
        verdicts[0]
    );
    for (v, field, limit) in [
        (&verdicts[1], "body", MAX_TEXT_BYTES),
        (&verdicts[2], "tags", MAX_LIST_BYTES),
    ] {
        assert_eq!(
            (v.outcome, v.code.as_deref()),
            (Outcome::Rejected, Some(codes::FIELD_TOO_LARGE)),
            "{field}: its own code, not a generic invalid op: {:?}",
            v.message
        );
        assert_eq!(
            v.params.get("field"),
            Some(&json!(field)),
            "names the field"
        );
        assert_eq!(v.params.get("limit"), Some(&json!(limit)), "says the limit");
    }
    assert_eq!(
        verdicts[3].outcome,
        Outcome::Applied,
        "the rest of the batch goes through"
    );
    assert_eq!(db.read(|tx| tx.record(huge_note.record_id)).unwrap(), None);
    assert_eq!(
        stored(db, at_limit.record_id).data["tags"],
        Value::Null,
        "nothing of a refused op was applied"
    );
    stored(db, fine.record_id);
}

/// A record as a server kept it from before records were limited, in
/// `owner`'s book, with `notes` of `bytes`.
fn legacy_account(db: &impl Backend, owner: Id, bytes: usize) -> Id {
    let data: BTreeMap<String, Value> = [
        ("name", json!(format!("Legacy {bytes}"))),
        ("owner_id", json!(owner.to_string())),
        ("notes", json!("L".repeat(bytes))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let id = Id::new();
    db.write(|tx| {
        let team = tx.user(owner)?.and_then(|u| u.team);
        let change_seq = tx.next_seq(1)?;
        tx.put_record(&StoredRecord {
            entity: EntityKind::Account,
            id,
            data,
            versions: BTreeMap::new(),
            deleted: false,
            hlc: hlc(NOW - 1_000, "0000000000000009"),
            changed_by: owner,
            created_by: owner,
            scope_user: Some(owner),
            scope_team: team,
            extra_user: None,
            extra_team: None,
            parent_id: None,
            change_seq,
        })
    })
    .expect("storing a legacy record");
    id
}

fn a_record_kept_from_before_the_limits_may_shrink_but_not_grow(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    let big = legacy_account(db, ana.user.id, 2 * MAX_RECORD_BYTES);
    let grow = ana.op(
        EntityKind::Account,
        big,
        OpKind::Update,
        &[("phone", Value::Null, json!("+34 600 000 000"))],
        NOW,
    );
    let v = ana.push_one(db, &grow);
    assert_eq!(
        (v.outcome, v.code.as_deref()),
        (Outcome::Rejected, Some(codes::RECORD_TOO_LARGE)),
        "{:?}",
        v.message
    );
    assert_eq!(v.params.get("limit"), Some(&json!(MAX_RECORD_BYTES)));
    // Shortening the note is how the owner gets out of it: taken, though its
    // base is the old oversized note.
    let shrink = ana.op(
        EntityKind::Account,
        big,
        OpKind::Update,
        &[(
            "notes",
            json!("L".repeat(2 * MAX_RECORD_BYTES)),
            json!("the gist of it"),
        )],
        NOW,
    );
    assert_eq!(ana.push_one(db, &shrink).outcome, Outcome::Applied);
    let v = ana.push_one(
        db,
        &ana.op(
            EntityKind::Account,
            big,
            OpKind::Update,
            &[("phone", Value::Null, json!("+34 600 000 000"))],
            NOW,
        ),
    );
    assert_eq!(v.outcome, Outcome::Applied, "{v:?}");
}

fn pull_pages_stop_at_a_byte_budget_and_always_hold_one_change(db: &impl Backend) {
    let team = Team::create(db);
    let ana = team.ana.user.id;
    // Records of megabytes a server kept from before the limits, among
    // small ones: one larger than a whole page.
    let mut expected = Vec::new();
    for bytes in [3, 3, 5 * 1024, 3, 1024, 1024, 1024, 1024, 1024, 3] {
        expected.push(legacy_account(db, ana, bytes * 1024));
    }
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = team.manager.pull(db, cursor, 5_000);
        pages += 1;
        let bytes: usize = serde_json::to_vec(&page.changes).unwrap().len();
        assert!(
            !page.changes.is_empty() || !page.more,
            "a page that says more follow holds at least one change"
        );
        assert!(
            bytes <= PULL_PAGE_BYTES || page.changes.len() == 1,
            "a page over the budget ({bytes} bytes) holds one change alone"
        );
        seen.extend(page.changes.iter().filter_map(|c| match c {
            Change::Upsert(r) if r.entity == EntityKind::Account => Some(r.id),
            _ => None,
        }));
        cursor = page.cursor;
        if !page.more {
            break;
        }
        assert!(pages < 50, "the pull ends");
    }
    assert_eq!(seen, expected, "each record once, in order");
    assert!(pages >= 3, "the 10 MB were cut into pages: {pages}");

    // The storage reads no further than the record that crosses the budget,
    // so a pull never holds every record of megabytes at once.
    let read = db
        .read(|tx| tx.changes_since(&team.manager.viewer(), 0, 5_000, 64 * 1024))
        .unwrap();
    let accounts: Vec<Id> = read
        .iter()
        .filter(|r| r.entity == EntityKind::Account)
        .map(|r| r.id)
        .collect();
    assert_eq!(
        accounts,
        expected[..3],
        "the small ones and the first large one, nothing after it"
    );
}
