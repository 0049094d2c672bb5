//! The sync rules, written once over [`Tx`]: authorize every op, merge it
//! field by field, order it, and serve each user the changes they may see.

use std::collections::BTreeMap;

use crm_domain::{
    EntityKind, FieldChange, Hlc, Id, Op, OpKind,
    change::SCHEMA_VERSION,
    schema::{FieldType, MergePolicy},
};
use crm_protocol::{Change, Outcome, PullResponse, RecordState, Verdict, codes};
use serde_json::{Value, json};

use crate::backend::{
    DeviceRow, Exit, FieldVersion, StorageResult, StoredRecord, Tx, UserRow, Viewer,
};

/// How far ahead of the server's clock an op may be (a day).
pub const MAX_CLOCK_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;
/// The oldest synced-schema version the server still accepts (and upgrades):
/// the previous one. Version 1 is the first, so it has none before it.
pub const MIN_SCHEMA_VERSION: u32 = if SCHEMA_VERSION > 1 {
    SCHEMA_VERSION - 1
} else {
    1
};
/// The field a delete or restore carries: the record's clock as the device
/// last saw it, so a delete of a record someone edited since is a conflict.
pub const SEEN_FIELD: &str = "*";

fn reject(op: &Op, code: &str, message: impl Into<String>) -> Verdict {
    Verdict {
        op_id: op.op_id,
        device_seq: op.device_seq,
        outcome: Outcome::Rejected,
        code: Some(code.to_owned()),
        message: Some(message.into()),
        state: None,
    }
}

fn verdict(op: &Op, outcome: Outcome, code: Option<&str>, message: Option<String>) -> Verdict {
    Verdict {
        op_id: op.op_id,
        device_seq: op.device_seq,
        outcome,
        code: code.map(str::to_owned),
        message,
        state: None,
    }
}

fn id_field(data: &BTreeMap<String, Value>, field: &str) -> Option<Id> {
    data.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// The viewer a user is.
pub fn viewer_of(user: &UserRow) -> Viewer {
    Viewer {
        user_id: user.id,
        role: user.role.clone(),
        team: user.team.clone(),
    }
}

/// Whose book a record belongs to, from its fields and its parents.
fn scope_of(tx: &mut dyn Tx, record: &StoredRecord) -> StorageResult<(Option<Id>, Option<Id>)> {
    let data = &record.data;
    let owner_of = |tx: &mut dyn Tx, id: Option<Id>| -> StorageResult<Option<Id>> {
        Ok(match id {
            Some(id) => tx.record(id)?.and_then(|r| r.scope_user),
            None => None,
        })
    };
    let account = id_field(data, "account_id");
    let user = match record.entity {
        EntityKind::User => None,
        EntityKind::Account | EntityKind::Lead => {
            id_field(data, "owner_id").or(Some(record.created_by))
        }
        EntityKind::Opportunity => match id_field(data, "owner_id") {
            Some(owner) => Some(owner),
            None => owner_of(tx, account)?.or(Some(record.created_by)),
        },
        EntityKind::Task => match id_field(data, "assignee_id") {
            Some(assignee) => Some(assignee),
            None => owner_of(tx, account)?.or(Some(record.created_by)),
        },
        EntityKind::Contact => owner_of(tx, account)?.or(Some(record.created_by)),
        EntityKind::Interaction => match account {
            Some(_) => owner_of(tx, account)?,
            None => owner_of(tx, id_field(data, "lead_id"))?,
        }
        .or(id_field(data, "author_id"))
        .or(Some(record.created_by)),
        EntityKind::Conflict => owner_of(tx, id_field(data, "record_id"))?,
    };
    let parent = match record.entity {
        EntityKind::Contact
        | EntityKind::Interaction
        | EntityKind::Opportunity
        | EntityKind::Task => account,
        _ => None,
    };
    Ok((user, parent))
}

/// Fill in scope, team and parent of `record`.
fn place(tx: &mut dyn Tx, record: &mut StoredRecord) -> StorageResult<()> {
    let (user, parent) = scope_of(tx, record)?;
    record.scope_user = user;
    record.scope_team = match user {
        Some(u) => tx.user(u)?.and_then(|u| u.team),
        None => None,
    };
    record.account_id = parent;
    Ok(())
}

/// Save a record at the next sequence number; if it left its old scope,
/// record the exit, and move the records hanging under it along.
fn save(
    tx: &mut dyn Tx,
    record: &mut StoredRecord,
    old_scope: Option<(Option<Id>, Option<String>)>,
) -> StorageResult<()> {
    let moved = old_scope
        .as_ref()
        .is_some_and(|(user, team)| *user != record.scope_user || *team != record.scope_team);
    if moved && record.entity == EntityKind::Account {
        for mut child in tx.children_of(record.id)? {
            let before = (child.scope_user, child.scope_team.clone());
            // The account's new owner must be visible to the child's lookup.
            let (user, _) = scope_of_with_parent(tx, &child, record)?;
            if user != child.scope_user {
                child.scope_user = user;
                child.scope_team = match user {
                    Some(u) => tx.user(u)?.and_then(|u| u.team),
                    None => None,
                };
                exit_and_put(tx, &mut child, Some(before))?;
            }
        }
    }
    exit_and_put(tx, record, if moved { old_scope } else { None })
}

/// A child's scope, when its account is `parent` (not yet saved).
fn scope_of_with_parent(
    tx: &mut dyn Tx,
    child: &StoredRecord,
    parent: &StoredRecord,
) -> StorageResult<(Option<Id>, Option<Id>)> {
    let own_owner = match child.entity {
        EntityKind::Opportunity => id_field(&child.data, "owner_id"),
        EntityKind::Task => id_field(&child.data, "assignee_id"),
        _ => None,
    };
    if own_owner.is_some() {
        return scope_of(tx, child);
    }
    Ok((parent.scope_user, Some(parent.id)))
}

fn exit_and_put(
    tx: &mut dyn Tx,
    record: &mut StoredRecord,
    exit: Option<(Option<Id>, Option<String>)>,
) -> StorageResult<()> {
    if let Some((old_user, old_team)) = exit {
        let seq = tx.next_seq(1)?;
        tx.add_exit(&Exit {
            change_seq: seq,
            entity: record.entity,
            id: record.id,
            old_user,
            old_team,
        })?;
    }
    record.change_seq = tx.next_seq(1)?;
    tx.put_record(record)
}

/// Check an op's field names and values against the entity's field table.
fn check_fields(op: &Op) -> Result<(), String> {
    for (name, change) in &op.fields {
        if matches!(op.kind, OpKind::Delete | OpKind::Restore) && name == SEEN_FIELD {
            continue;
        }
        let Some(def) = op.entity.field(name) else {
            return Err(format!("{} has no field {name:?}", op.entity));
        };
        // PostgreSQL cannot store a NUL character (in text or jsonb): refuse
        // it here, as one op's verdict, rather than fail the whole push.
        if has_nul(&change.new) || has_nul(&change.base) {
            return Err(format!("{}.{name} contains a NUL character", op.entity));
        }
        let ok = match (def.ty, &change.new) {
            (_, Value::Null) => !matches!(def.ty, FieldType::Line { required: true }),
            (FieldType::Int { min, max }, v) => {
                v.as_i64().is_some_and(|n| (min..=max).contains(&n))
            }
            (FieldType::Amount | FieldType::DateTime, v) => v.as_i64().is_some(),
            (FieldType::Bool, v) => v.is_boolean(),
            (FieldType::Emails | FieldType::Phones | FieldType::Tags, v) => v.is_array(),
            (FieldType::Choice(allowed), v) => v.as_str().is_some_and(|s| allowed.contains(&s)),
            (FieldType::Ref(_) | FieldType::AnyRef, v) => {
                v.as_str().is_some_and(|s| s.parse::<Id>().is_ok())
            }
            (FieldType::Json, _) => true,
            (_, v) => v.is_string(),
        };
        if !ok {
            return Err(format!("{}.{name} cannot be {}", op.entity, change.new));
        }
    }
    Ok(())
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Apply a batch of ops from one device, in order, each with its own verdict.
/// A replayed op (sequence number already applied) is not applied twice.
pub fn push(
    tx: &mut dyn Tx,
    user: &UserRow,
    device_id: Id,
    ops: &[Op],
    now_ms: i64,
) -> StorageResult<Vec<Verdict>> {
    let Some(mut device) = tx.lock_device(device_id)? else {
        return Ok(ops
            .iter()
            .map(|op| reject(op, codes::UNAUTHORIZED, "unknown device"))
            .collect());
    };
    let viewer = viewer_of(user);
    let mut verdicts = Vec::with_capacity(ops.len());
    for op in ops {
        if op.device_seq <= device.last_seq {
            verdicts.push(verdict(op, Outcome::Duplicate, None, None));
            continue;
        }
        let v = if op.device_id != device_id {
            reject(op, codes::INVALID_OP, "the op was made on another device")
        } else {
            apply(tx, &viewer, user, op, now_ms)?
        };
        device.last_seq = op.device_seq;
        verdicts.push(v);
    }
    device.last_seen_at = Some(now_ms);
    tx.update_device(&device)?;
    // Where the laptop's copy may now differ from the server's and no later
    // change will tell it, send the record's final state along.
    for (v, op) in verdicts.iter_mut().zip(ops) {
        if v.outcome != Outcome::Applied
            && let Some(r) = tx.record(op.record_id)?
            && viewer.sees(r.scope_user, r.scope_team.as_deref(), r.extra_user)
        {
            v.state = Some(state_of(&r));
        }
    }
    Ok(verdicts)
}

/// Two values of one field (or `*`: the record's existence) that could not
/// both stand.
struct Clash<'a> {
    field: &'a str,
    base: &'a Value,
    mine: &'a Value,
    theirs: &'a Value,
}

fn conflict_record(
    tx: &mut dyn Tx,
    record: &StoredRecord,
    clash: Clash<'_>,
    op: &Op,
    theirs_version: Option<&FieldVersion>,
) -> StorageResult<()> {
    let Clash {
        field,
        base,
        mine,
        theirs,
    } = clash;
    let theirs_by = theirs_version.map(|v| v.by).unwrap_or(record.changed_by);
    let theirs_hlc = theirs_version
        .map(|v| v.hlc.clone())
        .unwrap_or_else(|| record.hlc.clone());
    let data: BTreeMap<String, Value> = [
        ("entity", json!(record.entity.name())),
        ("record_id", json!(record.id.to_string())),
        ("field", json!(field)),
        ("base", base.clone()),
        ("mine", mine.clone()),
        ("theirs", theirs.clone()),
        ("mine_by", json!(op.author_id.to_string())),
        ("theirs_by", json!(theirs_by.to_string())),
        ("mine_hlc", json!(op.hlc.to_string())),
        ("theirs_hlc", json!(theirs_hlc.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let versions = data
        .keys()
        .map(|k| {
            (
                k.clone(),
                FieldVersion {
                    hlc: op.hlc.clone(),
                    by: op.author_id,
                },
            )
        })
        .collect();
    let mut conflict = StoredRecord {
        entity: EntityKind::Conflict,
        id: Id::new(),
        data,
        versions,
        deleted: false,
        hlc: op.hlc.clone(),
        changed_by: op.author_id,
        created_by: op.author_id,
        scope_user: record.scope_user,
        scope_team: record.scope_team.clone(),
        // Both people involved must see it.
        extra_user: Some(if Some(op.author_id) == record.scope_user {
            theirs_by
        } else {
            op.author_id
        }),
        account_id: None,
        change_seq: 0,
    };
    conflict.change_seq = tx.next_seq(1)?;
    tx.put_record(&conflict)
}

fn apply(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    user: &UserRow,
    op: &Op,
    now_ms: i64,
) -> StorageResult<Verdict> {
    if op.hlc.wall_ms as i64 > now_ms + MAX_CLOCK_AHEAD_MS {
        return Ok(reject(
            op,
            codes::CLOCK_AHEAD,
            "the change is dated more than a day in the future; check the laptop's clock and date",
        ));
    }
    if op.author_id != user.id {
        return Ok(reject(
            op,
            codes::FORBIDDEN,
            "the change was made by another user",
        ));
    }
    if op.entity == EntityKind::User {
        return Ok(reject(
            op,
            codes::FORBIDDEN,
            "the team directory is managed on the server (crm-server user add)",
        ));
    }
    if op.entity == EntityKind::Conflict
        && (op.kind != OpKind::Update
            || op
                .fields
                .keys()
                .any(|f| !matches!(f.as_str(), "resolution" | "resolved_by" | "resolved_at")))
    {
        return Ok(reject(
            op,
            codes::FORBIDDEN,
            "conflicts are created by the server; a laptop can only resolve them",
        ));
    }
    if let Err(message) = check_fields(op) {
        return Ok(reject(op, codes::INVALID_OP, message));
    }
    let current = tx.record(op.record_id)?;
    if let Some(current) = &current {
        if current.entity != op.entity {
            return Ok(reject(
                op,
                codes::INVALID_OP,
                "the id belongs to another kind of record",
            ));
        }
        if !viewer.sees(
            current.scope_user,
            current.scope_team.as_deref(),
            current.extra_user,
        ) {
            return Ok(reject(
                op,
                codes::OUT_OF_SCOPE,
                "this record is no longer yours to change (it was reassigned or you lost access)",
            ));
        }
    }
    match (op.kind, current) {
        (OpKind::Insert, None) => insert(tx, viewer, op),
        (OpKind::Insert | OpKind::Update, Some(current)) => update(tx, op, current),
        (_, None) => Ok(reject(
            op,
            codes::UNKNOWN_RECORD,
            "the server has no such record (it may have been purged)",
        )),
        (OpKind::Delete, Some(current)) => delete(tx, op, current),
        (OpKind::Restore, Some(mut current)) => {
            if current.deleted {
                let old = (current.scope_user, current.scope_team.clone());
                current.deleted = false;
                current.hlc = current.hlc.clone().max(op.hlc.clone());
                current.changed_by = op.author_id;
                save(tx, &mut current, Some(old))?;
            }
            Ok(verdict(op, Outcome::Applied, None, None))
        }
    }
}

fn insert(tx: &mut dyn Tx, viewer: &Viewer, op: &Op) -> StorageResult<Verdict> {
    // Every field the server knows is present in a record, null or not, so a
    // laptop can tell "empty" from "unknown to whoever wrote it".
    let mut data: BTreeMap<String, Value> = op
        .entity
        .fields()
        .iter()
        .map(|d| (d.name.to_owned(), Value::Null))
        .collect();
    data.extend(op.fields.iter().map(|(k, c)| (k.clone(), c.new.clone())));
    let versions = op
        .fields
        .keys()
        .map(|k| {
            (
                k.clone(),
                FieldVersion {
                    hlc: op.hlc.clone(),
                    by: op.author_id,
                },
            )
        })
        .collect();
    let mut record = StoredRecord {
        entity: op.entity,
        id: op.record_id,
        data,
        versions,
        deleted: false,
        hlc: op.hlc.clone(),
        changed_by: op.author_id,
        created_by: op.author_id,
        scope_user: None,
        scope_team: None,
        extra_user: None,
        account_id: None,
        change_seq: 0,
    };
    place(tx, &mut record)?;
    if !viewer.sees(record.scope_user, record.scope_team.as_deref(), None) {
        return Ok(reject(
            op,
            codes::OUT_OF_SCOPE,
            "you cannot create a record in another person's book (it belongs to an account you do not own)",
        ));
    }
    save(tx, &mut record, None)?;
    // Added offline under an account deleted meanwhile: kept (nothing is
    // lost), and the deletion becomes a conflict both people see.
    if let Some(account) = record.account_id
        && let Some(parent) = tx.record(account)?
        && parent.deleted
    {
        let mine = json!({ op.entity.name(): op.record_id.to_string() });
        return deleted_meanwhile(
            tx,
            &parent,
            &mine,
            op,
            "parent_deleted",
            "added to an account that was deleted meanwhile; restore the account or let it go",
        );
    }
    Ok(verdict(op, Outcome::Applied, None, None))
}

/// `op` meets a record deleted meanwhile: a conflict between what the op
/// wanted (`mine`) and the deletion, for the people involved to settle.
fn deleted_meanwhile(
    tx: &mut dyn Tx,
    deleted: &StoredRecord,
    mine: &Value,
    op: &Op,
    code: &str,
    message: &str,
) -> StorageResult<Verdict> {
    conflict_record(
        tx,
        deleted,
        Clash {
            field: SEEN_FIELD,
            base: &Value::Null,
            mine,
            theirs: &json!("deleted"),
        },
        op,
        None,
    )?;
    Ok(verdict(
        op,
        Outcome::Conflict,
        Some(code),
        Some(message.to_owned()),
    ))
}

fn update(tx: &mut dyn Tx, op: &Op, mut current: StoredRecord) -> StorageResult<Verdict> {
    if current.deleted {
        // An edit made offline to a record deleted meanwhile: never silently
        // lost, never silently resurrected. Both people see a conflict.
        let mine = json!(
            op.fields
                .iter()
                .map(|(k, c)| (k.clone(), c.new.clone()))
                .collect::<BTreeMap<_, _>>()
        );
        return deleted_meanwhile(
            tx,
            &current,
            &mine,
            op,
            "edit_of_deleted",
            "the record was deleted on the server; restore it or let it go",
        );
    }
    let old_scope = (current.scope_user, current.scope_team.clone());
    let mut changed = false;
    let mut lost = Vec::new();
    let mut conflicts = Vec::new();
    for (field, FieldChange { base, new }) in &op.fields {
        let server = current.data.get(field).cloned().unwrap_or(Value::Null);
        let version = current.versions.get(field).cloned();
        if server == *new {
            continue; // already so, whoever did it
        }
        let unchanged_since_base = server == *base;
        let policy = current
            .entity
            .field(field)
            .map_or(MergePolicy::LastWriterWins, |d| d.policy);
        let take_mine = if unchanged_since_base {
            true
        } else {
            match policy {
                MergePolicy::LastWriterWins => {
                    let newer = version.as_ref().is_none_or(|v| op.hlc > v.hlc);
                    if !newer {
                        lost.push(field.clone());
                    }
                    newer
                }
                MergePolicy::Conflict => {
                    conflicts.push((
                        field.clone(),
                        base.clone(),
                        new.clone(),
                        server.clone(),
                        version.clone(),
                    ));
                    false
                }
            }
        };
        if take_mine {
            current.data.insert(field.clone(), new.clone());
            current.versions.insert(
                field.clone(),
                FieldVersion {
                    hlc: op.hlc.clone(),
                    by: op.author_id,
                },
            );
            changed = true;
        }
    }
    if changed {
        current.hlc = current.hlc.clone().max(op.hlc.clone());
        current.changed_by = op.author_id;
        place(tx, &mut current)?;
        save(tx, &mut current, Some(old_scope))?;
    }
    for (field, base, mine, theirs, version) in &conflicts {
        conflict_record(
            tx,
            &current,
            Clash {
                field,
                base,
                mine,
                theirs,
            },
            op,
            version.as_ref(),
        )?;
    }
    Ok(if !conflicts.is_empty() {
        let fields: Vec<&str> = conflicts.iter().map(|c| c.0.as_str()).collect();
        verdict(
            op,
            Outcome::Conflict,
            Some("conflict"),
            Some(format!(
                "{} changed on both sides; both values are kept for you to choose",
                fields.join(", ")
            )),
        )
    } else if !lost.is_empty() {
        verdict(
            op,
            Outcome::Merged,
            Some("superseded"),
            Some(format!("a newer edit of {} won", lost.join(", "))),
        )
    } else {
        verdict(op, Outcome::Applied, None, None)
    })
}

fn delete(tx: &mut dyn Tx, op: &Op, mut current: StoredRecord) -> StorageResult<Verdict> {
    if current.deleted {
        return Ok(verdict(op, Outcome::Applied, None, None)); // delete vs delete
    }
    let seen: Option<Hlc> = op
        .fields
        .get(SEEN_FIELD)
        .and_then(|c| c.base.as_str())
        .and_then(|s| s.parse().ok());
    let edited_since = current
        .versions
        .values()
        .any(|v| seen.as_ref().is_none_or(|seen| v.hlc > *seen) && v.by != op.author_id);
    if edited_since {
        let theirs = json!(current.data);
        conflict_record(
            tx,
            &current,
            Clash {
                field: SEEN_FIELD,
                base: &Value::Null,
                mine: &json!("deleted"),
                theirs: &theirs,
            },
            op,
            None,
        )?;
        return Ok(verdict(
            op,
            Outcome::Conflict,
            Some("delete_of_edited"),
            Some("someone changed the record after you last saw it, so it was kept; delete it again or keep it".into()),
        ));
    }
    let old_scope = (current.scope_user, current.scope_team.clone());
    current.deleted = true;
    current.hlc = current.hlc.clone().max(op.hlc.clone());
    current.changed_by = op.author_id;
    save(tx, &mut current, Some(old_scope))?;
    Ok(verdict(op, Outcome::Applied, None, None))
}

/// The wire form of a stored record.
pub fn state_of(record: &StoredRecord) -> RecordState {
    RecordState {
        entity: record.entity,
        id: record.id,
        fields: record.data.clone(),
        deleted: record.deleted,
        hlc: record.hlc.clone(),
        changed_by: Some(record.changed_by),
        created_by: Some(record.created_by),
        change_seq: record.change_seq,
    }
}

/// The changes after `cursor` that `viewer` may see, one page.
pub fn pull(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    cursor: i64,
    limit: u32,
) -> StorageResult<PullResponse> {
    let horizon = tx.horizon()?;
    if cursor > 0 && cursor < horizon {
        return Ok(PullResponse {
            changes: Vec::new(),
            cursor: 0,
            more: true,
            resync: true,
        });
    }
    let records = tx.changes_since(viewer, cursor, limit)?;
    let all_exits = tx.exits_since(viewer, cursor, limit)?;
    // A list cut at the limit is complete only up to its last row, so the page
    // must end there: a later change of the other list may be missing. (The
    // exits list can be cut while the page looks short: exits that are no
    // removal are dropped below.)
    let cut_at = |len: usize, last: Option<i64>| if len > limit as usize { last } else { None };
    let complete_to = [
        cut_at(records.len(), records.last().map(|r| r.change_seq)),
        cut_at(all_exits.len(), all_exits.last().map(|e| e.change_seq)),
    ]
    .into_iter()
    .flatten()
    .min();
    let mut exits = Vec::new();
    for exit in all_exits {
        // Still visible by another route (a manager's team): not a removal.
        let still_visible = tx
            .record(exit.id)?
            .is_some_and(|r| viewer.sees(r.scope_user, r.scope_team.as_deref(), r.extra_user));
        if !still_visible {
            exits.push(exit);
        }
    }
    let mut changes: Vec<Change> = records
        .iter()
        .map(|r| Change::Upsert(state_of(r)))
        .chain(exits.into_iter().map(|e| Change::Remove {
            entity: e.entity,
            id: e.id,
            change_seq: e.change_seq,
        }))
        .filter(|c| complete_to.is_none_or(|last| c.change_seq() <= last))
        .collect();
    changes.sort_by_key(Change::change_seq);
    let (more, next) = if changes.len() > limit as usize {
        changes.truncate(limit as usize);
        (true, changes.last().map_or(cursor, Change::change_seq))
    } else if let Some(last) = complete_to {
        (true, last)
    } else {
        // Nothing more for this user up to the newest change: skip past the
        // changes they may not see, so the next sync starts from here.
        (false, tx.last_seq()?.max(cursor))
    };
    Ok(PullResponse {
        changes,
        cursor: next,
        more,
        resync: false,
    })
}

/// The visible ones among `ids`.
pub fn fetch(tx: &mut dyn Tx, viewer: &Viewer, ids: &[Id]) -> StorageResult<Vec<RecordState>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = tx.record(*id)?
            && viewer.sees(r.scope_user, r.scope_team.as_deref(), r.extra_user)
        {
            out.push(state_of(&r));
        }
    }
    Ok(out)
}

/// Keep the team directory's synced records in step with the users table.
pub fn publish_user(tx: &mut dyn Tx, user: &UserRow, hlc: Hlc) -> StorageResult<()> {
    let data: BTreeMap<String, Value> = [
        ("name", json!(user.name)),
        ("email", json!(user.email)),
        ("role", json!(user.role)),
        ("team", json!(user.team)),
        ("active", json!(user.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let versions = data
        .keys()
        .map(|k| {
            (
                k.clone(),
                FieldVersion {
                    hlc: hlc.clone(),
                    by: user.id,
                },
            )
        })
        .collect();
    let mut record = StoredRecord {
        entity: EntityKind::User,
        id: user.id,
        data,
        versions,
        deleted: false,
        hlc,
        changed_by: user.id,
        created_by: user.id,
        scope_user: None,
        scope_team: None,
        extra_user: None,
        account_id: None,
        change_seq: 0,
    };
    save(tx, &mut record, None)
}

/// A device's row after a login.
pub fn new_device(
    user: &UserRow,
    id: Id,
    name: &str,
    token_hash: String,
    now_ms: i64,
    previous: Option<DeviceRow>,
) -> DeviceRow {
    DeviceRow {
        id,
        user_id: user.id,
        name: name.to_owned(),
        token_hash,
        created_at: now_ms,
        last_seen_at: None,
        revoked_at: None,
        // A new login on the same laptop keeps its sequence: replays stay duplicates.
        last_seq: previous
            .filter(|p| p.user_id == user.id)
            .map_or(0, |p| p.last_seq),
    }
}
