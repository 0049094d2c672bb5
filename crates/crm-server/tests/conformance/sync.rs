//! The sync rules (`crm_server::sync::push` and `pull`) over each backend:
//! written once over `Tx`, they must behave the same on both.

use crm_domain::{EntityKind, Id, Op, OpKind};
use crm_protocol::{Change, Outcome, codes};
use crm_server::{backend::Backend, sync};
use serde_json::{Value, json};

use crate::support::{
    Laptop, MINUTE, NOW, Team, all_records, conflicts_about, conformance, removed, stored, upserted,
};

conformance!(db:
    an_insert_is_applied_in_its_authors_book,
    a_replayed_batch_applies_nothing_twice,
    the_later_edit_of_a_field_wins_by_clock_not_arrival,
    an_amount_changed_on_both_sides_becomes_a_conflict_both_see,
    edits_of_different_fields_merge,
    a_delete_of_a_record_edited_since_is_a_conflict,
    delete_against_delete_is_applied_once,
    an_edit_of_a_deleted_record_is_a_conflict,
    reassigning_an_account_moves_its_children_and_removes_them_from_the_old_owner,
    a_rep_cannot_change_another_reps_records,
    an_op_dated_more_than_a_day_ahead_is_rejected,
    an_op_dated_beyond_what_an_i64_holds_is_rejected_and_wins_nothing,
    an_op_numbered_below_one_is_refused_not_called_a_duplicate,
    pull_pages_return_each_change_once_in_order,
    a_removal_behind_a_page_of_moves_within_the_team_is_not_skipped,
    a_pull_without_changes_returns_the_last_sequence_number,
    a_cursor_older_than_the_horizon_must_resync,
    a_text_no_database_can_store_is_rejected_as_one_op,
    a_record_and_its_old_and_new_parents_must_all_be_within_reach,
    an_accounts_deals_and_tasks_follow_it_to_the_new_owner,
    a_conflict_is_seen_exactly_by_those_who_see_its_record,
);

/// A new account in `laptop`'s user's book; returns its id.
fn account(db: &impl Backend, laptop: &Laptop, name: &str) -> Id {
    let owner = json!(laptop.user.id.to_string());
    let op = laptop.insert(
        EntityKind::Account,
        &[("name", json!(name)), ("owner_id", owner)],
        NOW,
    );
    let verdict = laptop.push_one(db, &op);
    assert_eq!(verdict.outcome, Outcome::Applied, "{verdict:?}");
    op.record_id
}

/// A record under `account_id` (a contact, an interaction...); returns its id.
fn child(
    db: &impl Backend,
    laptop: &Laptop,
    entity: EntityKind,
    account_id: Id,
    fields: &[(&str, Value)],
) -> Id {
    let mut fields = fields.to_vec();
    fields.push(("account_id", json!(account_id.to_string())));
    let op = laptop.insert(entity, &fields, NOW);
    let verdict = laptop.push_one(db, &op);
    assert_eq!(verdict.outcome, Outcome::Applied, "{verdict:?}");
    op.record_id
}

fn last_seq(db: &impl Backend) -> i64 {
    db.read(|tx| tx.last_seq()).unwrap()
}

fn an_insert_is_applied_in_its_authors_book(db: &impl Backend) {
    let team = Team::create(db);
    let op = team.ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Acme")),
            ("owner_id", json!(team.ana.user.id.to_string())),
            ("tags", json!(["vip", "north"])),
        ],
        NOW - MINUTE,
    );
    let verdicts = team.ana.push(db, std::slice::from_ref(&op));
    assert_eq!(verdicts[0].outcome, Outcome::Applied);
    assert_eq!(
        (verdicts[0].op_id, verdicts[0].device_seq),
        (op.op_id, op.device_seq)
    );

    let acme = stored(db, op.record_id);
    assert_eq!(acme.entity, EntityKind::Account);
    assert_eq!(acme.data["name"], json!("Acme"));
    assert_eq!(acme.data["tags"], json!(["vip", "north"]));
    assert!(
        acme.versions
            .values()
            .all(|v| v.hlc == op.hlc && v.by == team.ana.user.id),
        "every field was written by this op"
    );
    assert_eq!(acme.versions.len(), 3);
    assert!(!acme.deleted);
    assert_eq!(
        (acme.created_by, acme.changed_by),
        (team.ana.user.id, team.ana.user.id)
    );
    assert_eq!(
        acme.scope_user,
        Some(team.ana.user.id),
        "in the owner's book"
    );
    assert_eq!(
        acme.scope_team.as_deref(),
        Some("north"),
        "and their team's"
    );
    assert_eq!(acme.change_seq, last_seq(db), "the newest change");

    let device = db
        .read(|tx| tx.device(team.ana.device_id))
        .unwrap()
        .unwrap();
    assert_eq!(
        device.last_seq, 1,
        "the server remembers the device's sequence"
    );
    assert_eq!(device.last_seen_at, Some(NOW));

    assert!(
        upserted(&team.ana.pull_all(db, 0).0).contains(&acme.id),
        "the author pulls it"
    );
    assert!(
        upserted(&team.manager.pull_all(db, 0).0).contains(&acme.id),
        "so does their manager"
    );
    assert!(
        !upserted(&team.ben.pull_all(db, 0).0).contains(&acme.id),
        "a teammate does not"
    );
    assert!(!upserted(&team.cy.pull_all(db, 0).0).contains(&acme.id));
}

fn a_replayed_batch_applies_nothing_twice(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    let insert = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    let acme = insert.record_id;
    let phone = ana.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("phone", Value::Null, json!("+1 555 0100"))],
        NOW + 1,
    );
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("name", json!("Bo")),
            ("account_id", json!(acme.to_string())),
        ],
        NOW + 2,
    );
    let batch = [insert, phone, contact];
    let first = ana.push(db, &batch);
    assert!(
        first.iter().all(|v| v.outcome == Outcome::Applied),
        "{first:?}"
    );
    let before = (all_records(db), last_seq(db));

    // The laptop crashed before it saw the answer and sends the batch again.
    let replay = ana.push(db, &batch);
    assert!(
        replay.iter().all(|v| v.outcome == Outcome::Duplicate),
        "every op of a replayed batch is a duplicate: {replay:?}"
    );
    assert_eq!(
        (all_records(db), last_seq(db)),
        before,
        "and nothing was applied twice"
    );

    // A batch that repeats the tail of the last one and goes on.
    let notes = ana.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("notes", Value::Null, json!("met at the fair"))],
        NOW + 3,
    );
    let verdicts = ana.push(db, &[batch[2].clone(), notes]);
    assert_eq!(
        verdicts.iter().map(|v| v.outcome).collect::<Vec<_>>(),
        [Outcome::Duplicate, Outcome::Applied]
    );
    assert_eq!(stored(db, acme).data["notes"], json!("met at the fair"));
    let device = db.read(|tx| tx.device(ana.device_id)).unwrap().unwrap();
    assert_eq!(device.last_seq, 4);
}

fn the_later_edit_of_a_field_wins_by_clock_not_arrival(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let set_phone = |laptop: &Laptop, phone: &str, at: i64| {
        let op = laptop.op(
            EntityKind::Account,
            acme,
            OpKind::Update,
            &[("phone", Value::Null, json!(phone))],
            at,
        );
        laptop.push_one(db, &op)
    };

    // Ana's edit at +10 min arrives first; the manager's, made offline at +5
    // min, arrives later and is older: it loses, visibly.
    assert_eq!(
        set_phone(&team.ana, "+1 555 0110", NOW + 10 * MINUTE).outcome,
        Outcome::Applied
    );
    let late = set_phone(&team.manager, "+1 555 0105", NOW + 5 * MINUTE);
    assert_eq!(late.outcome, Outcome::Merged, "{late:?}");
    assert_eq!(late.code.as_deref(), Some("superseded"));
    let record = stored(db, acme);
    assert_eq!(
        record.data["phone"],
        json!("+1 555 0110"),
        "the newer edit stays"
    );
    assert_eq!(record.versions["phone"].by, team.ana.user.id);

    // A newer edit wins even though it started from an older value.
    assert_eq!(
        set_phone(&team.manager, "+1 555 0120", NOW + 20 * MINUTE).outcome,
        Outcome::Applied
    );
    let record = stored(db, acme);
    assert_eq!(record.data["phone"], json!("+1 555 0120"));
    assert_eq!(record.versions["phone"].by, team.manager.user.id);
    assert_eq!(
        record.versions["phone"].hlc.wall_ms,
        (NOW + 20 * MINUTE).unsigned_abs()
    );
    assert!(
        conflicts_about(db, acme).is_empty(),
        "a low-stakes field never makes a conflict"
    );
}

fn an_amount_changed_on_both_sides_becomes_a_conflict_both_see(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let cursors: Vec<i64> = [&team.ana, &team.manager, &team.ben, &team.cy]
        .iter()
        .map(|l| l.pull_all(db, 0).1)
        .collect();
    let deal = child(
        db,
        &team.ana,
        EntityKind::Opportunity,
        acme,
        &[
            ("name", json!("Renewal")),
            ("amount", json!(1000)),
            ("currency", json!("EUR")),
        ],
    );
    let set_amount = |laptop: &Laptop, amount: i64, at: i64| {
        let op = laptop.op(
            EntityKind::Opportunity,
            deal,
            OpKind::Update,
            &[("amount", json!(1000), json!(amount))],
            at,
        );
        laptop.push_one(db, &op)
    };

    assert_eq!(
        set_amount(&team.ana, 1500, NOW + MINUTE).outcome,
        Outcome::Applied
    );
    // Newer by clock, but the amount is high-stakes: the server keeps its value.
    let verdict = set_amount(&team.manager, 2000, NOW + 2 * MINUTE);
    assert_eq!(verdict.outcome, Outcome::Conflict, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some("conflict"));
    assert_eq!(
        stored(db, deal).data["amount"],
        json!(1500),
        "the server's value is kept"
    );

    let conflicts = conflicts_about(db, deal);
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.data["field"], json!("amount"));
    assert_eq!(conflict.data["base"], json!(1000));
    assert_eq!(conflict.data["mine"], json!(2000), "both values are kept");
    assert_eq!(conflict.data["theirs"], json!(1500));
    assert_eq!(
        conflict.data["mine_by"],
        json!(team.manager.user.id.to_string())
    );
    assert_eq!(
        conflict.data["theirs_by"],
        json!(team.ana.user.id.to_string())
    );
    assert_eq!(
        conflict.scope_user,
        Some(team.ana.user.id),
        "in the record's book"
    );
    assert_eq!(
        conflict.extra_user, None,
        "seen exactly by those who see the deal: the manager by her team"
    );

    let sees = |laptop: &Laptop, cursor: i64| {
        upserted(&laptop.pull_all(db, cursor).0).contains(&conflict.id)
    };
    assert!(sees(&team.ana, cursors[0]), "the owner pulls the conflict");
    assert!(sees(&team.manager, cursors[1]), "so does the other author");
    assert!(!sees(&team.ben, cursors[2]), "nobody else in the team");
    assert!(!sees(&team.cy, cursors[3]));

    // The other way round: the owner's edit arrives second.
    let deal2 = child(
        db,
        &team.ana,
        EntityKind::Opportunity,
        acme,
        &[
            ("name", json!("Upsell")),
            ("amount", json!(1000)),
            ("currency", json!("EUR")),
        ],
    );
    let op = team.manager.op(
        EntityKind::Opportunity,
        deal2,
        OpKind::Update,
        &[("amount", json!(1000), json!(3000))],
        NOW + MINUTE,
    );
    assert_eq!(team.manager.push_one(db, &op).outcome, Outcome::Applied);
    let op = team.ana.op(
        EntityKind::Opportunity,
        deal2,
        OpKind::Update,
        &[("amount", json!(1000), json!(500))],
        NOW + 2 * MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &op).outcome, Outcome::Conflict);
    let conflicts = conflicts_about(db, deal2);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].scope_team.as_deref(),
        Some("north"),
        "the other author, the team's manager, sees it too"
    );
    assert_eq!(
        (
            conflicts[0].data["mine"].clone(),
            conflicts[0].data["theirs"].clone()
        ),
        (json!(500), json!(3000))
    );
}

fn edits_of_different_fields_merge(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    // Both started from the same state, offline; each changed another field.
    let phone = team.ana.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("phone", Value::Null, json!("+1 555 0100"))],
        NOW + 2 * MINUTE,
    );
    let notes = team.manager.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[
            ("notes", Value::Null, json!("budget in Q3")),
            ("name", json!("Acme"), json!("Acme Ltd")),
        ],
        NOW + MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &phone).outcome, Outcome::Applied);
    assert_eq!(
        team.manager.push_one(db, &notes).outcome,
        Outcome::Applied,
        "an older edit of other fields still applies"
    );
    let record = stored(db, acme);
    assert_eq!(record.data["phone"], json!("+1 555 0100"));
    assert_eq!(record.data["notes"], json!("budget in Q3"));
    assert_eq!(record.data["name"], json!("Acme Ltd"));
    assert_eq!(record.versions["phone"].by, team.ana.user.id);
    assert_eq!(record.versions["notes"].by, team.manager.user.id);
    assert_eq!(
        record.hlc, phone.hlc,
        "the record's clock is its newest edit's"
    );
    assert!(conflicts_about(db, acme).is_empty());
}

fn a_delete_of_a_record_edited_since_is_a_conflict(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let seen = stored(db, acme).hlc;
    let notes = team.manager.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("notes", Value::Null, json!("they want a quote"))],
        NOW + MINUTE,
    );
    assert_eq!(team.manager.push_one(db, &notes).outcome, Outcome::Applied);

    // Ana deletes the account as she last saw it, before the manager's edit.
    let verdict = team.ana.push_one(
        db,
        &team
            .ana
            .delete(EntityKind::Account, acme, &seen, NOW + 2 * MINUTE),
    );
    assert_eq!(verdict.outcome, Outcome::Conflict, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some("delete_of_edited"));
    let record = stored(db, acme);
    assert!(!record.deleted, "a delete never silently wins over an edit");
    assert_eq!(record.data["notes"], json!("they want a quote"));
    let conflicts = conflicts_about(db, acme);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].data["mine"], json!("deleted"));
    assert_eq!(conflicts[0].data["field"], json!(sync::SEEN_FIELD));

    // Having seen the edit, she can delete it.
    let verdict = team.ana.push_one(
        db,
        &team
            .ana
            .delete(EntityKind::Account, acme, &record.hlc, NOW + 3 * MINUTE),
    );
    assert_eq!(verdict.outcome, Outcome::Applied);
    assert!(stored(db, acme).deleted);
}

fn delete_against_delete_is_applied_once(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let seen = stored(db, acme).hlc;
    let first = team
        .ana
        .delete(EntityKind::Account, acme, &seen, NOW + MINUTE);
    assert_eq!(team.ana.push_one(db, &first).outcome, Outcome::Applied);
    let tombstone = stored(db, acme);
    assert!(tombstone.deleted);
    assert_eq!(tombstone.changed_by, team.ana.user.id);

    let second = team
        .manager
        .delete(EntityKind::Account, acme, &seen, NOW + 2 * MINUTE);
    assert_eq!(
        team.manager.push_one(db, &second).outcome,
        Outcome::Applied,
        "both wanted it gone: no conflict"
    );
    assert_eq!(
        stored(db, acme),
        tombstone,
        "the second delete changes nothing"
    );
    assert!(conflicts_about(db, acme).is_empty());
}

fn an_edit_of_a_deleted_record_is_a_conflict(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let seen = stored(db, acme).hlc;
    let delete = team
        .ana
        .delete(EntityKind::Account, acme, &seen, NOW + 2 * MINUTE);
    assert_eq!(team.ana.push_one(db, &delete).outcome, Outcome::Applied);
    let tombstone = stored(db, acme);

    // The manager edited it offline before hearing of the delete.
    let edit = team.manager.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("phone", Value::Null, json!("+1 555 0100"))],
        NOW + MINUTE,
    );
    let verdict = team.manager.push_one(db, &edit);
    assert_eq!(verdict.outcome, Outcome::Conflict, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some("edit_of_deleted"));
    assert_eq!(stored(db, acme), tombstone, "not silently resurrected");
    let conflicts = conflicts_about(db, acme);
    assert_eq!(conflicts.len(), 1, "not silently lost either");
    assert_eq!(conflicts[0].data["mine"], json!({"phone": "+1 555 0100"}));
    assert_eq!(conflicts[0].data["theirs"], json!("deleted"));
}

fn reassigning_an_account_moves_its_children_and_removes_them_from_the_old_owner(
    db: &impl Backend,
) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let contact = child(
        db,
        &team.ana,
        EntityKind::Contact,
        acme,
        &[("name", json!("Bo"))],
    );
    let call = child(
        db,
        &team.ana,
        EntityKind::Interaction,
        acme,
        &[
            ("subject", json!("first call")),
            ("kind", json!("call")),
            ("occurred_at", json!(NOW)),
        ],
    );
    let family = [acme, contact, call];
    let (_, ana_cursor) = team.ana.pull_all(db, 0);
    let (_, ben_cursor) = team.ben.pull_all(db, 0);
    let (_, mia_cursor) = team.manager.pull_all(db, 0);

    // Ana hands the account to Ben.
    let give = team.ana.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[(
            "owner_id",
            json!(team.ana.user.id.to_string()),
            json!(team.ben.user.id.to_string()),
        )],
        NOW + MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &give).outcome, Outcome::Applied);
    for id in family {
        let r = stored(db, id);
        assert_eq!(
            r.scope_user,
            Some(team.ben.user.id),
            "{:?} moved to the new owner's book",
            r.entity
        );
        assert_eq!(r.scope_team.as_deref(), Some("north"));
    }

    let (ana_changes, _) = team.ana.pull_all(db, ana_cursor);
    let mut gone = removed(&ana_changes);
    gone.sort();
    let mut expected = family.to_vec();
    expected.sort();
    assert_eq!(
        gone, expected,
        "the old owner is told to drop the account and what hangs under it"
    );
    assert!(upserted(&ana_changes).iter().all(|id| !family.contains(id)));

    let (ben_changes, _) = team.ben.pull_all(db, ben_cursor);
    let mut got = upserted(&ben_changes);
    got.sort();
    assert_eq!(got, expected, "the new owner pulls all of it");
    assert!(removed(&ben_changes).is_empty());

    let (mia_changes, mia_cursor) = team.manager.pull_all(db, mia_cursor);
    assert!(
        removed(&mia_changes).is_empty(),
        "it stayed in the manager's team: nothing to remove"
    );
    assert_eq!(upserted(&mia_changes).len(), 3);

    // Ana's laptop still had a change to the contact queued.
    let late = team.ana.op(
        EntityKind::Contact,
        contact,
        OpKind::Update,
        &[("title", Value::Null, json!("CTO"))],
        NOW + 2 * MINUTE,
    );
    let verdict = team.ana.push_one(db, &late);
    assert_eq!(verdict.outcome, Outcome::Rejected);
    assert_eq!(verdict.code.as_deref(), Some(codes::OUT_OF_SCOPE));

    // Handed on to another team (by an admin: a rep gives records only
    // within his team), it leaves the manager's scope too.
    let give = team.admin.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[(
            "owner_id",
            json!(team.ben.user.id.to_string()),
            json!(team.cy.user.id.to_string()),
        )],
        NOW + 3 * MINUTE,
    );
    assert_eq!(team.admin.push_one(db, &give).outcome, Outcome::Applied);
    let (mia_changes, _) = team.manager.pull_all(db, mia_cursor);
    let mut gone = removed(&mia_changes);
    gone.sort();
    assert_eq!(gone, expected, "the manager of the old team drops it");
    assert_eq!(stored(db, contact).scope_team.as_deref(), Some("south"));
}

fn a_rep_cannot_change_another_reps_records(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let before = stored(db, acme);
    let edit = team.ben.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[("phone", Value::Null, json!("+1 555 0100"))],
        NOW + MINUTE,
    );
    let sneak = team.ben.insert(
        EntityKind::Contact,
        &[
            ("name", json!("Mole")),
            ("account_id", json!(acme.to_string())),
        ],
        NOW + MINUTE,
    );
    let mine = team.ben.insert(
        EntityKind::Account,
        &[("name", json!("Ben's own"))],
        NOW + MINUTE,
    );
    let verdicts = team.ben.push(db, &[edit, sneak.clone(), mine.clone()]);
    assert_eq!(verdicts[0].outcome, Outcome::Rejected);
    assert_eq!(verdicts[0].code.as_deref(), Some(codes::OUT_OF_SCOPE));
    assert_eq!(verdicts[1].outcome, Outcome::Rejected);
    assert_eq!(
        verdicts[1].code.as_deref(),
        Some(codes::PARENT_OUT_OF_SCOPE),
        "a contact under Ana's account is refused for its parent"
    );
    assert_eq!(
        verdicts[2].outcome,
        Outcome::Applied,
        "a rejected op does not block the rest"
    );
    assert_eq!(
        stored(db, acme),
        before,
        "nothing of the rejected edit was applied"
    );
    assert_eq!(db.read(|tx| tx.record(sneak.record_id)).unwrap(), None);
    let device = db
        .read(|tx| tx.device(team.ben.device_id))
        .unwrap()
        .unwrap();
    assert_eq!(
        device.last_seq, 3,
        "rejected ops are answered for good, not retried"
    );
}

fn an_op_dated_more_than_a_day_ahead_is_rejected(db: &impl Backend) {
    let team = Team::create(db);
    let day = 24 * 60 * MINUTE;
    let ahead = team.ana.insert(
        EntityKind::Account,
        &[("name", json!("From the future"))],
        NOW + day + MINUTE,
    );
    let skewed = team.ana.insert(
        EntityKind::Account,
        &[("name", json!("Skewed"))],
        NOW + day - MINUTE,
    );
    let behind = team.ana.insert(
        EntityKind::Account,
        &[("name", json!("An hour behind"))],
        NOW - 60 * MINUTE,
    );
    let verdicts = team
        .ana
        .push(db, &[ahead.clone(), skewed.clone(), behind.clone()]);
    assert_eq!(verdicts[0].outcome, Outcome::Rejected);
    assert_eq!(verdicts[0].code.as_deref(), Some(codes::CLOCK_AHEAD));
    assert!(
        verdicts[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("clock")),
        "the message says what to fix"
    );
    assert_eq!(
        verdicts[1].outcome,
        Outcome::Applied,
        "less than a day ahead is accepted"
    );
    assert_eq!(verdicts[2].outcome, Outcome::Applied);
    assert_eq!(db.read(|tx| tx.record(ahead.record_id)).unwrap(), None);
    stored(db, skewed.record_id);
    stored(db, behind.record_id);
}

/// Wall times a cast to `i64` would turn negative (or that overflow the
/// sum with a day) are far in the future too: none may pass the clock check
/// and then win every concurrent edit by last-writer-wins.
fn an_op_dated_beyond_what_an_i64_holds_is_rejected_and_wins_nothing(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let set_phone = |laptop: &Laptop, phone: &str, wall_ms: u64| {
        let mut op = laptop.op(
            EntityKind::Account,
            acme,
            OpKind::Update,
            &[("phone", Value::Null, json!(phone))],
            NOW,
        );
        op.hlc.wall_ms = wall_ms;
        laptop.push_one(db, &op)
    };
    let day = 24 * 60 * MINUTE;
    let first = set_phone(&team.manager, "+1 555 0200", (NOW + MINUTE).unsigned_abs());
    assert_eq!(first.outcome, Outcome::Applied, "{first:?}");
    for wall_ms in [
        u64::MAX,
        u64::MAX - day.unsigned_abs(),
        i64::MAX.unsigned_abs() + 1,
        i64::MAX.unsigned_abs(),
        i64::MAX.unsigned_abs() - day.unsigned_abs(),
        (NOW + day + 1).unsigned_abs(),
    ] {
        let verdict = set_phone(&team.ana, "+1 555 0199", wall_ms);
        assert_eq!(
            (verdict.outcome, verdict.code.as_deref()),
            (Outcome::Rejected, Some(codes::CLOCK_AHEAD)),
            "an op dated {wall_ms} ms is refused: {verdict:?}"
        );
    }
    assert_eq!(
        stored(db, acme).data["phone"],
        json!("+1 555 0200"),
        "nothing of the refused edits was applied"
    );
    // The record's clock was not pushed to the end of time: a later edit
    // by the server's clock still wins.
    let later = set_phone(
        &team.manager,
        "+1 555 0300",
        (NOW + 2 * MINUTE).unsigned_abs(),
    );
    assert_eq!(later.outcome, Outcome::Applied, "{later:?}");
    let exactly_a_day = set_phone(&team.ana, "+1 555 0400", (NOW + day).unsigned_abs());
    assert_eq!(
        exactly_a_day.outcome,
        Outcome::Applied,
        "a day ahead is the limit, included: {exactly_a_day:?}"
    );
}

/// Device sequence numbers start at 1. An op numbered 0 or below is not a
/// replay of something applied: calling it a duplicate would let the laptop
/// drop a change the server never applied.
fn an_op_numbered_below_one_is_refused_not_called_a_duplicate(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    for seq in [0, -1, i64::MIN] {
        let mut op = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
        op.device_seq = seq;
        let verdict = ana.push_one(db, &op);
        assert_eq!(
            (verdict.outcome, verdict.code.as_deref()),
            (Outcome::Rejected, Some(codes::INVALID_OP)),
            "sequence number {seq}: {verdict:?}"
        );
        assert!(
            verdict
                .message
                .as_deref()
                .is_some_and(|m| m.contains("sequence")),
            "the message says what is wrong: {verdict:?}"
        );
        assert_eq!(verdict.device_seq, seq, "answered under its own number");
        assert_eq!(db.read(|tx| tx.record(op.record_id)).unwrap(), None);
    }
    let device = db.read(|tx| tx.device(ana.device_id)).unwrap().unwrap();
    assert_eq!(device.last_seq, 0, "the device's sequence did not move");
    let fine = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    assert_eq!(ana.push_one(db, &fine).outcome, Outcome::Applied);
}

fn pull_pages_return_each_change_once_in_order(db: &impl Backend) {
    let team = Team::create(db);
    // Ana's and Ben's records interleaved; then an account of Ana's, with
    // children, handed to Ben: Ana's stream mixes upserts and removals.
    for i in 0..12 {
        account(db, &team.ana, &format!("ana {i}"));
        if i % 3 == 0 {
            account(db, &team.ben, &format!("ben {i}"));
        }
    }
    let acme = account(db, &team.ana, "Acme");
    child(
        db,
        &team.ana,
        EntityKind::Contact,
        acme,
        &[("name", json!("Bo"))],
    );
    child(
        db,
        &team.ana,
        EntityKind::Contact,
        acme,
        &[("name", json!("Cat"))],
    );
    for i in 0..3 {
        account(db, &team.ana, &format!("ana late {i}"));
    }
    let give = team.ana.op(
        EntityKind::Account,
        acme,
        OpKind::Update,
        &[(
            "owner_id",
            json!(team.ana.user.id.to_string()),
            json!(team.ben.user.id.to_string()),
        )],
        NOW + MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &give).outcome, Outcome::Applied);
    account(db, &team.ana, "the very last");

    let everything = team.ana.pull(db, 0, 10_000);
    assert!(!everything.more);
    assert_eq!(everything.cursor, last_seq(db));
    assert_eq!(
        removed(&everything.changes).len(),
        3,
        "the account and its two contacts left"
    );

    for limit in [1, 4, 7] {
        let mut cursor = 0;
        let mut paged: Vec<Change> = Vec::new();
        loop {
            let page = team.ana.pull(db, cursor, limit);
            assert!(!page.resync);
            assert!(
                page.changes.len() <= limit as usize,
                "a page holds at most the limit"
            );
            if let Some(last) = page.changes.last() {
                assert!(
                    page.cursor >= last.change_seq(),
                    "the cursor covers the page"
                );
            }
            if page.more {
                assert!(
                    page.cursor > cursor,
                    "a page with more to come makes progress"
                );
            }
            paged.extend(page.changes);
            assert!(page.cursor >= cursor, "the cursor never goes back");
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert!(
            paged
                .windows(2)
                .all(|w| w[0].change_seq() < w[1].change_seq()),
            "strictly in sequence order, so nothing comes twice (limit {limit})"
        );
        assert_eq!(
            paged, everything.changes,
            "pages of {limit} add up to the whole"
        );
        assert_eq!(cursor, last_seq(db));
    }
}

fn a_pull_without_changes_returns_the_last_sequence_number(db: &impl Backend) {
    let team = Team::create(db);
    account(db, &team.ana, "Acme");
    let (_, cursor) = team.ana.pull_all(db, 0);
    assert_eq!(cursor, last_seq(db));

    let again = team.ana.pull(db, cursor, 1_000);
    assert!(again.changes.is_empty() && !again.more && !again.resync);
    assert_eq!(again.cursor, cursor, "nothing new: the same cursor");

    // Others' changes she may not see move her cursor past them, so the next
    // sync does not scan them again.
    account(db, &team.ben, "Ben's");
    account(db, &team.cy, "Cy's");
    let after = team.ana.pull(db, cursor, 1_000);
    assert!(
        after.changes.is_empty(),
        "nothing of ana's: {:?}",
        after.changes
    );
    assert!(!after.more);
    assert_eq!(after.cursor, last_seq(db));
    assert!(after.cursor > cursor);
}

fn a_cursor_older_than_the_horizon_must_resync(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let (_, early) = team.ana.pull_all(db, 0);
    let seen = stored(db, acme).hlc;
    let delete = team
        .ana
        .delete(EntityKind::Account, acme, &seen, NOW + MINUTE);
    assert_eq!(team.ana.push_one(db, &delete).outcome, Outcome::Applied);
    account(db, &team.ana, "Globex");
    let purged = db
        .write(|tx| tx.purge_tombstones(NOW + 2 * MINUTE))
        .unwrap();
    assert_eq!(purged, 1);

    let stale = team.ana.pull(db, early, 1_000);
    assert!(
        stale.resync,
        "a laptop that missed the purged tombstone must start over"
    );
    assert!(stale.changes.is_empty());
    let fresh = team.ana.pull(db, 0, 1_000);
    assert!(!fresh.resync, "a first sync is never told to resync");
    assert!(
        !upserted(&fresh.changes).contains(&acme),
        "the purged tombstone is gone"
    );
}

fn a_removal_behind_a_page_of_moves_within_the_team_is_not_skipped(db: &impl Backend) {
    let team = Team::create(db);
    let ping = account(db, &team.ana, "Ping");
    let away = account(db, &team.ana, "Away");
    let (_, cursor) = team.manager.pull_all(db, 0);
    let give = |from: &Laptop, to: &Laptop, id: Id, at: i64| {
        let op = from.op(
            EntityKind::Account,
            id,
            OpKind::Update,
            &[(
                "owner_id",
                json!(from.user.id.to_string()),
                json!(to.user.id.to_string()),
            )],
            at,
        );
        assert_eq!(from.push_one(db, &op).outcome, Outcome::Applied);
    };
    // "Ping" goes back and forth inside the north team: each move leaves an
    // exit that is no removal for the team's manager. Then "Away" goes south.
    give(&team.ana, &team.ben, ping, NOW + MINUTE);
    give(&team.ben, &team.ana, ping, NOW + 2 * MINUTE);
    give(&team.ana, &team.ben, ping, NOW + 3 * MINUTE);
    give(&team.ben, &team.ana, ping, NOW + 4 * MINUTE);
    // (Out of the team only by an admin: a rep gives within his team.)
    let op = team.admin.op(
        EntityKind::Account,
        away,
        OpKind::Update,
        &[(
            "owner_id",
            json!(team.ana.user.id.to_string()),
            json!(team.cy.user.id.to_string()),
        )],
        NOW + 5 * MINUTE,
    );
    assert_eq!(team.admin.push_one(db, &op).outcome, Outcome::Applied);

    let whole = team.manager.pull(db, cursor, 1_000);
    assert_eq!(
        removed(&whole.changes),
        [away],
        "in one page: Away is removed"
    );
    for limit in [1, 2, 3] {
        let mut paged = Vec::new();
        let mut at = cursor;
        loop {
            let page = team.manager.pull(db, at, limit);
            paged.extend(page.changes);
            assert!(page.cursor > at || !page.more, "every page makes progress");
            at = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(
            paged, whole.changes,
            "pages of {limit}: the same changes, none skipped"
        );
        assert_eq!(at, last_seq(db));
    }
}

fn a_text_no_database_can_store_is_rejected_as_one_op(db: &impl Backend) {
    let team = Team::create(db);
    // A NUL pasted into a note: PostgreSQL cannot store it in text or jsonb.
    let note = team.ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Acme")),
            ("notes", json!("before\u{0}after")),
        ],
        NOW,
    );
    let tags = team.ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Globex")),
            ("tags", json!(["ok", "n\u{0}t ok"])),
        ],
        NOW,
    );
    let fine = team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Initech"))], NOW);
    let verdicts = team
        .ana
        .push(db, &[note.clone(), tags.clone(), fine.clone()]);
    for v in &verdicts[..2] {
        assert_eq!(v.outcome, Outcome::Rejected, "{v:?}");
        assert_eq!(v.code.as_deref(), Some(codes::INVALID_OP));
    }
    assert_eq!(
        verdicts[2].outcome,
        Outcome::Applied,
        "the rest of the batch goes through"
    );
    assert_eq!(db.read(|tx| tx.record(note.record_id)).unwrap(), None);
    stored(db, fine.record_id);
}

/// The update of one field of `record` by `laptop`, from `base` to `new`.
fn set(
    laptop: &Laptop,
    entity: EntityKind,
    record: Id,
    field: &str,
    base: Value,
    new: Value,
    at: i64,
) -> Op {
    laptop.op(entity, record, OpKind::Update, &[(field, base, new)], at)
}

fn rejected_with(verdict: &crm_protocol::Verdict, code: &str) {
    assert_eq!(verdict.outcome, Outcome::Rejected, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some(code), "{verdict:?}");
}

fn a_record_and_its_old_and_new_parents_must_all_be_within_reach(db: &impl Backend) {
    let team = Team::create(db);
    let anas = account(db, &team.ana, "Ana's customer");
    let bens = account(db, &team.ben, "Ben's customer");
    let (_, ana_cursor) = team.ana.pull_all(db, 0);

    // A deal Ben owns, under Ana's account whose id he happens to know.
    let deal = team.ben.insert(
        EntityKind::Opportunity,
        &[
            ("account_id", json!(anas.to_string())),
            ("name", json!("Poached")),
            ("owner_id", json!(team.ben.user.id.to_string())),
            ("currency", json!("EUR")),
        ],
        NOW + MINUTE,
    );
    rejected_with(&team.ben.push_one(db, &deal), codes::PARENT_OUT_OF_SCOPE);
    assert_eq!(db.read(|tx| tx.record(deal.record_id)).unwrap(), None);

    // Ben moves his own contact under Ana's account.
    let contact = child(
        db,
        &team.ben,
        EntityKind::Contact,
        bens,
        &[("name", json!("Moved"))],
    );
    let before = stored(db, contact);
    let verdict = team.ben.push_one(
        db,
        &set(
            &team.ben,
            EntityKind::Contact,
            contact,
            "account_id",
            json!(bens.to_string()),
            json!(anas.to_string()),
            NOW + 2 * MINUTE,
        ),
    );
    rejected_with(&verdict, codes::PARENT_OUT_OF_SCOPE);
    assert_eq!(
        stored(db, contact),
        before,
        "the contact stayed where it was"
    );
    let (ana_changes, _) = team.ana.pull_all(db, ana_cursor);
    assert!(
        !upserted(&ana_changes).contains(&contact),
        "and never reached Ana's laptop"
    );

    // A parent the server does not have is no place for a record either.
    let orphan = team.ben.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(Id::new().to_string())),
            ("name", json!("Nobody's")),
        ],
        NOW + 2 * MINUTE,
    );
    rejected_with(&team.ben.push_one(db, &orphan), codes::PARENT_OUT_OF_SCOPE);

    // A rep gives his account away only within his team.
    let to_cy = set(
        &team.ben,
        EntityKind::Account,
        bens,
        "owner_id",
        json!(team.ben.user.id.to_string()),
        json!(team.cy.user.id.to_string()),
        NOW + 3 * MINUTE,
    );
    rejected_with(&team.ben.push_one(db, &to_cy), codes::HAND_OVER_REFUSED);
    assert_eq!(stored(db, bens).scope_user, Some(team.ben.user.id));
    // A manager within hers.
    let to_cy = set(
        &team.manager,
        EntityKind::Account,
        bens,
        "owner_id",
        json!(team.ben.user.id.to_string()),
        json!(team.cy.user.id.to_string()),
        NOW + 3 * MINUTE,
    );
    rejected_with(&team.manager.push_one(db, &to_cy), codes::HAND_OVER_REFUSED);
    // A task assigned to another team's rep is the same gift.
    let task = team.ben.insert(
        EntityKind::Task,
        &[
            ("title", json!("Call back")),
            ("account_id", json!(bens.to_string())),
            ("assignee_id", json!(team.cy.user.id.to_string())),
        ],
        NOW + 3 * MINUTE,
    );
    rejected_with(&team.ben.push_one(db, &task), codes::HAND_OVER_REFUSED);

    // Ana hands her account to Ben, a colleague: allowed.
    let give = set(
        &team.ana,
        EntityKind::Account,
        anas,
        "owner_id",
        json!(team.ana.user.id.to_string()),
        json!(team.ben.user.id.to_string()),
        NOW + 4 * MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &give).outcome, Outcome::Applied);
    // Afterwards she may no longer add her own task under it.
    let task = team.ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Still mine?")),
            ("account_id", json!(anas.to_string())),
            ("assignee_id", json!(team.ana.user.id.to_string())),
        ],
        NOW + 5 * MINUTE,
    );
    rejected_with(&team.ana.push_one(db, &task), codes::PARENT_OUT_OF_SCOPE);

    // An admin gives records to anyone.
    let to_cy = set(
        &team.admin,
        EntityKind::Account,
        bens,
        "owner_id",
        json!(team.ben.user.id.to_string()),
        json!(team.cy.user.id.to_string()),
        NOW + 6 * MINUTE,
    );
    assert_eq!(team.admin.push_one(db, &to_cy).outcome, Outcome::Applied);
    assert_eq!(stored(db, contact).scope_team.as_deref(), Some("south"));
}

fn an_accounts_deals_and_tasks_follow_it_to_the_new_owner(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let ana = json!(team.ana.user.id.to_string());
    let deal = child(
        db,
        &team.ana,
        EntityKind::Opportunity,
        acme,
        &[
            ("name", json!("Renewal")),
            ("currency", json!("EUR")),
            ("owner_id", ana.clone()),
        ],
    );
    let task = child(
        db,
        &team.ana,
        EntityKind::Task,
        acme,
        &[
            ("title", json!("Send the quote")),
            ("assignee_id", ana.clone()),
        ],
    );
    let (_, ana_cursor) = team.ana.pull_all(db, 0);
    let (_, ben_cursor) = team.ben.pull_all(db, 0);

    let give = set(
        &team.ana,
        EntityKind::Account,
        acme,
        "owner_id",
        ana,
        json!(team.ben.user.id.to_string()),
        NOW + MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &give).outcome, Outcome::Applied);
    let ben = json!(team.ben.user.id.to_string());
    for (id, owner) in [(deal, "owner_id"), (task, "assignee_id")] {
        let r = stored(db, id);
        assert_eq!(r.data[owner], ben, "the {:?} follows the account", r.entity);
        assert_eq!(r.scope_user, Some(team.ben.user.id), "into Ben's book");
    }
    let (ana_changes, _) = team.ana.pull_all(db, ana_cursor);
    for id in [acme, deal, task] {
        assert!(removed(&ana_changes).contains(&id), "off Ana's laptop");
    }
    let (ben_changes, _) = team.ben.pull_all(db, ben_cursor);
    for id in [acme, deal, task] {
        assert!(upserted(&ben_changes).contains(&id), "onto Ben's");
    }
}

fn a_conflict_is_seen_exactly_by_those_who_see_its_record(db: &impl Backend) {
    let team = Team::create(db);
    let acme = account(db, &team.ana, "Acme");
    let deal = child(
        db,
        &team.ana,
        EntityKind::Opportunity,
        acme,
        &[
            ("name", json!("Renewal")),
            ("amount", json!(1000)),
            ("currency", json!("EUR")),
            ("owner_id", json!(team.ana.user.id.to_string())),
        ],
    );
    let amount = |laptop: &Laptop, new: i64, at: i64| {
        laptop.push_one(
            db,
            &set(
                laptop,
                EntityKind::Opportunity,
                deal,
                "amount",
                json!(1000),
                json!(new),
                at,
            ),
        )
    };
    assert_eq!(
        amount(&team.ana, 1500, NOW + MINUTE).outcome,
        Outcome::Applied
    );
    // The account (and with it the deal) goes to Ben, whose stale edit of
    // the amount meets Ana's: the conflict is about a deal Ana lost.
    let give = set(
        &team.ana,
        EntityKind::Account,
        acme,
        "owner_id",
        json!(team.ana.user.id.to_string()),
        json!(team.ben.user.id.to_string()),
        NOW + 2 * MINUTE,
    );
    assert_eq!(team.ana.push_one(db, &give).outcome, Outcome::Applied);
    assert_eq!(
        amount(&team.ben, 2000, NOW + 3 * MINUTE).outcome,
        Outcome::Conflict
    );
    let conflict = conflicts_about(db, deal).remove(0).id;
    let sees = |laptop: &Laptop| upserted(&laptop.pull_all(db, 0).0).contains(&conflict);
    assert!(sees(&team.ben), "the deal's owner sees it");
    assert!(sees(&team.manager), "so does his manager");
    assert!(!sees(&team.ana), "not the old owner, who lost the deal");
    assert!(!sees(&team.cy), "nor another team");
    assert_eq!(
        stored(db, conflict).parent_id,
        Some(deal),
        "it hangs under the deal"
    );

    // Where the deal goes, its conflict goes: an admin hands the account to
    // the south, the deal follows, and so does the conflict.
    let (_, ben_cursor) = team.ben.pull_all(db, 0);
    let south = set(
        &team.admin,
        EntityKind::Account,
        acme,
        "owner_id",
        json!(team.ben.user.id.to_string()),
        json!(team.cy.user.id.to_string()),
        NOW + 3 * MINUTE,
    );
    assert_eq!(team.admin.push_one(db, &south).outcome, Outcome::Applied);
    assert!(sees(&team.cy), "the new owner sees the conflict");
    assert!(
        !sees(&team.manager),
        "the old team's manager no longer does"
    );
    let (ben_changes, _) = team.ben.pull_all(db, ben_cursor);
    assert!(
        removed(&ben_changes).contains(&conflict),
        "and the old owner's laptop drops it"
    );
    let back = set(
        &team.admin,
        EntityKind::Account,
        acme,
        "owner_id",
        json!(team.cy.user.id.to_string()),
        json!(team.ben.user.id.to_string()),
        NOW + 3 * MINUTE,
    );
    assert_eq!(team.admin.push_one(db, &back).outcome, Outcome::Applied);
    assert!(sees(&team.ben) && !sees(&team.cy), "back with Ben");

    // Someone whose push meets a deleted parent that is not his learns
    // nothing of it: no conflict, not who deleted it.
    let gone = account(db, &team.ana, "Gone");
    let seen = stored(db, gone).hlc;
    let delete = team
        .ana
        .delete(EntityKind::Account, gone, &seen, NOW + 4 * MINUTE);
    assert_eq!(team.ana.push_one(db, &delete).outcome, Outcome::Applied);
    let sneak = team.ben.insert(
        EntityKind::Opportunity,
        &[
            ("account_id", json!(gone.to_string())),
            ("name", json!("Under a deleted account")),
            ("currency", json!("EUR")),
            ("owner_id", json!(team.ben.user.id.to_string())),
        ],
        NOW + 5 * MINUTE,
    );
    rejected_with(&team.ben.push_one(db, &sneak), codes::PARENT_OUT_OF_SCOPE);
    assert!(conflicts_about(db, gone).is_empty());

    // Once the deal is deleted and purged, resolving its conflict keeps it
    // in Ben's book: never everyone's.
    let seen = stored(db, deal).hlc;
    let delete = team
        .ben
        .delete(EntityKind::Opportunity, deal, &seen, NOW + 6 * MINUTE);
    assert_eq!(team.ben.push_one(db, &delete).outcome, Outcome::Applied);
    db.write(|tx| tx.purge_tombstones(NOW + 7 * MINUTE))
        .unwrap();
    let resolve = team.ben.op(
        EntityKind::Conflict,
        conflict,
        OpKind::Update,
        &[("resolution", Value::Null, json!("theirs"))],
        NOW + 8 * MINUTE,
    );
    assert_eq!(team.ben.push_one(db, &resolve).outcome, Outcome::Applied);
    let stored_conflict = stored(db, conflict);
    assert_eq!(stored_conflict.data["resolution"], json!("theirs"));
    assert_eq!(stored_conflict.scope_user, Some(team.ben.user.id));
    assert!(sees(&team.ben));
    assert!(!sees(&team.cy), "another team never receives the amounts");
    assert!(!sees(&team.ana));
}
