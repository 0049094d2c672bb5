//! The sync rules, written once over [`Tx`]: authorize every op, merge it
//! field by field, order it, and serve each user the changes they may see.

use std::collections::BTreeMap;

use crm_domain::{
    EntityKind, FieldChange, Hlc, Id, Op, OpKind, Problem,
    change::{SCHEMA_VERSION, spoken_schema},
    schema::{FieldType, MergePolicy, Scope, Source, Writers},
    upgrade::{UPGRADES, downgrade_fields, upgrade_op},
    value::MAX_RECORD_BYTES,
};
use crm_protocol::{
    Change, OpHeader, Open, Outcome, PULL_PAGE_BYTES, PullResponse, RecordState, Verdict, codes,
};
use serde_json::{Value, json};

use crate::backend::{
    DeviceRow, Exit, FieldVersion, Reach, StorageResult, StoredRecord, Tx, UserRow, Viewer,
    data_bytes,
};

/// How far ahead of the server's clock an op may be (a day).
/// The laptop's clock refuses to adopt anything further ahead by the same
/// bound ([`crm_domain::hlc::MAX_AHEAD_MS`]).
pub const MAX_CLOCK_AHEAD_MS: u64 = crm_domain::hlc::MAX_AHEAD_MS;
/// The oldest synced-schema version the server still accepts (and upgrades
/// through every step since, `upgrade::UPGRADES`). A laptop stamps an op
/// with the oldest version that can carry it, so a new laptop's edit of a
/// field as old as the first release is a version-1 op: refusing the
/// versions before the previous one would refuse current laptops once a
/// third version exists. Every step so far can be upgraded, so every
/// version is taken; this rises only if a step ever cannot be.
pub const MIN_SCHEMA_VERSION: u32 = 1;
/// The field a delete or restore carries: the record's clock as the device
/// last saw it, so a delete of a record someone edited since is a conflict.
pub const SEEN_FIELD: &str = "*";

/// The verdict on the op `header` names.
fn answer(
    header: OpHeader,
    outcome: Outcome,
    code: Option<&str>,
    message: Option<String>,
) -> Verdict {
    Verdict {
        op_id: header.op_id,
        device_seq: header.device_seq,
        outcome,
        code: code.map(str::to_owned),
        message,
        params: BTreeMap::new(),
        state: None,
    }
}

fn header_of(op: &Op) -> OpHeader {
    OpHeader {
        op_id: op.op_id,
        device_seq: op.device_seq,
    }
}

fn reject(op: &Op, code: &str, message: impl Into<String>) -> Verdict {
    refuse(header_of(op), code, message.into())
}

fn verdict(op: &Op, outcome: Outcome, code: Option<&str>, message: Option<String>) -> Verdict {
    answer(header_of(op), outcome, code, message)
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

/// Where a record goes: whose book, who holds it besides, and the parent
/// it hangs under.
struct Placement {
    user: Option<Id>,
    extra_user: Option<Id>,
    extra_team: Option<String>,
    parent: Option<Id>,
}

/// Where a record belongs, from its kind's description: the book is the
/// first of its scope's sources that names a user; its holder (a case's
/// owner and team) is its own `Holder` source's or, failing that, that of
/// the parent whose book it is in (a case's events and replies). `pending`
/// is a parent being saved, whose new place must count.
fn scope_of(
    tx: &mut dyn Tx,
    record: &StoredRecord,
    pending: Option<&StoredRecord>,
) -> StorageResult<Placement> {
    let entity = record.entity.entity();
    let data = &record.data;
    let parent = entity
        .parents()
        .into_iter()
        .find_map(|field| id_field(data, field));
    let mut placement = Placement {
        user: None,
        extra_user: None,
        extra_team: None,
        parent,
    };
    let Scope::Book(sources) = entity.scope else {
        placement.parent = None;
        return Ok(placement);
    };
    let mut inherited = (None, None);
    for source in sources {
        let user = match *source {
            Source::Owner(field) | Source::Author(field) => id_field(data, field),
            Source::Holder { .. } => None,
            Source::Parent(field) => match id_field(data, field) {
                Some(id) => {
                    // The parent's place (the one being saved: as it will be).
                    let found = match pending.filter(|p| p.id == id) {
                        Some(p) => Some((p.scope_user, p.extra_user, p.extra_team.clone())),
                        None => tx
                            .record(id)?
                            .map(|r| (r.scope_user, r.extra_user, r.extra_team)),
                    };
                    match found {
                        Some((user, extra_user, extra_team)) => {
                            inherited = (extra_user, extra_team);
                            user
                        }
                        // The parent is gone (purged): the record stays in
                        // the book it was in. Falling through would put a
                        // conflict about a purged record in nobody's book,
                        // which is everyone's. (A new record never gets
                        // here: a parent the server lacks is refused.)
                        None => {
                            placement.user = record.scope_user;
                            placement.extra_user = record.extra_user;
                            placement.extra_team = record.extra_team.clone();
                            return Ok(placement);
                        }
                    }
                }
                None => None,
            },
            Source::Creator => Some(record.created_by),
            Source::PublicWhen(field, value) => {
                if data.get(field).and_then(Value::as_str) == Some(value) {
                    return Ok(placement);
                }
                None
            }
        };
        if user.is_some() {
            placement.user = user;
            break;
        }
    }
    (placement.extra_user, placement.extra_team) = match entity.holder() {
        Some((user_field, team_field)) => {
            let holder = id_field(data, user_field);
            let own_team = team_field
                .and_then(|f| data.get(f))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            let team = match (own_team, holder) {
                (Some(team), _) => Some(team),
                (None, Some(h)) => tx.user(h)?.and_then(|u| u.team),
                (None, None) => None,
            };
            (holder, team)
        }
        None => inherited,
    };
    Ok(placement)
}

/// Every field of `data` last written at `hlc` by `by` (a record the
/// server makes whole).
pub fn versions_of(
    data: &BTreeMap<String, Value>,
    hlc: &Hlc,
    by: Id,
) -> BTreeMap<String, FieldVersion> {
    data.keys()
        .map(|k| {
            (
                k.clone(),
                FieldVersion {
                    hlc: hlc.clone(),
                    by,
                },
            )
        })
        .collect()
}

/// Write a new record the server makes itself (an intake request, an
/// escalation) on behalf of `by`: every field checked by the description
/// as a laptop's would be (a refusal is the inner error, nothing written),
/// placed in its book, at the next sequence number.
pub fn create_record(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Id,
    fields: &[(&str, Value)],
    by: Id,
    hlc: &Hlc,
) -> StorageResult<Result<(), crm_domain::Invalid>> {
    let mut data: BTreeMap<String, Value> = BTreeMap::new();
    for def in entity.fields() {
        let value = fields
            .iter()
            .find(|(f, _)| *f == def.name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| def.empty());
        if let Err(invalid) = entity.check_field(def.name, &value) {
            return Ok(Err(invalid));
        }
        data.insert(def.name.to_owned(), value);
    }
    let versions = versions_of(&data, hlc, by);
    let mut record = StoredRecord::new(entity, id, data, versions, hlc.clone(), by);
    place_and_save(tx, &mut record)?;
    Ok(Ok(()))
}

/// Set one field of a live record as the server (an escalation raising a
/// case's priority): the field's version and the record's clock move on,
/// and it is saved at the next sequence number so every holder pulls it.
/// Returns whether it changed.
pub fn set_field(
    tx: &mut dyn Tx,
    id: Id,
    field: &str,
    value: Value,
    by: Id,
    hlc: &Hlc,
) -> StorageResult<bool> {
    let Some(mut record) = tx.record(id)? else {
        return Ok(false);
    };
    if record.deleted || record.data.get(field) == Some(&value) {
        return Ok(false);
    }
    let old = record.reach();
    record.data.insert(field.to_owned(), value);
    record.versions.insert(
        field.to_owned(),
        FieldVersion {
            hlc: hlc.clone(),
            by,
        },
    );
    record.hlc = record.hlc.clone().max(hlc.clone());
    record.changed_by = by;
    place(tx, &mut record)?;
    save(tx, &mut record, Some(old))?;
    Ok(true)
}

/// Place a record the server makes itself (an intake request) in its book
/// and save it at the next sequence number.
pub fn place_and_save(tx: &mut dyn Tx, record: &mut StoredRecord) -> StorageResult<()> {
    place(tx, record)?;
    save(tx, record, None)
}

/// Fill in book, holder and parent of `record`.
fn place(tx: &mut dyn Tx, record: &mut StoredRecord) -> StorageResult<()> {
    let placement = scope_of(tx, record, None)?;
    set_place(tx, record, placement)
}

fn set_place(tx: &mut dyn Tx, record: &mut StoredRecord, p: Placement) -> StorageResult<()> {
    record.scope_team = match p.user {
        Some(u) => tx.user(u)?.and_then(|u| u.team),
        None => None,
    };
    record.scope_user = p.user;
    record.extra_user = p.extra_user;
    record.extra_team = p.extra_team;
    record.parent_id = p.parent;
    Ok(())
}

/// Save a record at the next sequence number; if it left its old reach,
/// record the exits, and move the records hanging under it along (and
/// theirs, down the tree). A child that has an owner of its own (a deal, a
/// task) follows when the parent's old owner held it: its owner field
/// becomes the parent's new owner, so an account's deals and tasks go with
/// the account instead of staying behind in a book that no longer holds it.
fn save(tx: &mut dyn Tx, record: &mut StoredRecord, old: Option<Reach>) -> StorageResult<()> {
    let moved = old.as_ref().is_some_and(|old| *old != record.reach());
    if moved {
        let from = old.as_ref().and_then(|old| old.user);
        for mut child in tx.children_of(record.id)? {
            if child.id == record.id {
                continue;
            }
            let before = child.reach();
            let mut followed = false;
            if let (Some(from), Some(to)) = (from, record.scope_user)
                && from != to
                && let Some(owner) = child.entity.entity().owner()
                && id_field(&child.data, owner) == Some(from)
            {
                child.data.insert(owner.to_owned(), json!(to.to_string()));
                child.versions.insert(
                    owner.to_owned(),
                    FieldVersion {
                        hlc: record.hlc.clone(),
                        by: record.changed_by,
                    },
                );
                child.hlc = child.hlc.clone().max(record.hlc.clone());
                child.changed_by = record.changed_by;
                followed = true;
            }
            // The parent's new place is not saved yet: the lookup is told.
            let placement = scope_of(tx, &child, Some(record))?;
            let parent = child.parent_id;
            set_place(tx, &mut child, placement)?;
            child.parent_id = parent;
            if child.reach() != before || followed {
                save(tx, &mut child, Some(before))?;
            }
        }
    }
    exit_and_put(tx, record, if moved { old } else { None })
}

fn exit_and_put(
    tx: &mut dyn Tx,
    record: &mut StoredRecord,
    old: Option<Reach>,
) -> StorageResult<()> {
    if let Some(old) = old {
        match (old.user, record.scope_user) {
            // Everyone's until now (an article taken back to draft): it
            // leaves the book of each person who no longer sees it.
            (None, Some(_)) => {
                for user in tx.users()? {
                    if user.role == "admin" || viewer_of(&user).sees(record) {
                        continue;
                    }
                    exit(tx, record, Some(user.id), None)?;
                }
            }
            // Now everyone's (an article published): nobody loses it.
            (_, None) => {}
            (Some(user), Some(_)) => exit(tx, record, Some(user), old.team.clone())?,
        }
        // Its holder changed (a case handed to another engineer or team):
        // the old holders lose it unless they see it another way (the pull
        // leaves out an exit whose record its reader still sees).
        if (old.extra_user, &old.extra_team) != (record.extra_user, &record.extra_team)
            && (old.extra_user.is_some() || old.extra_team.is_some())
        {
            exit(tx, record, old.extra_user, old.extra_team)?;
        }
    }
    record.change_seq = tx.next_seq(1)?;
    tx.put_record(record)
}

/// Record that `record` left the book of `user` (and of `team`).
fn exit(
    tx: &mut dyn Tx,
    record: &StoredRecord,
    user: Option<Id>,
    team: Option<String>,
) -> StorageResult<()> {
    let seq = tx.next_seq(1)?;
    tx.add_exit(&Exit {
        change_seq: seq,
        entity: record.entity,
        id: record.id,
        old_user: user,
        old_team: team,
    })
}

/// Check an op's field names and values with the checks every door uses
/// (the kind's description).
fn check_fields(op: &Op) -> Result<(), String> {
    for (name, change) in &op.fields {
        if matches!(op.kind, OpKind::Delete | OpKind::Restore) && name == SEEN_FIELD {
            continue;
        }
        // PostgreSQL cannot store a NUL character (in text or jsonb): refuse
        // it here, as one op's verdict, rather than fail the whole push.
        if has_nul(&change.new) || has_nul(&change.base) {
            return Err(format!("{}.{name} contains a NUL character", op.entity));
        }
        op.entity
            .check_field(name, &change.new)
            .map_err(|invalid| format!("{}.{invalid}", op.entity))?;
    }
    Ok(())
}

/// Refuse an op that carries a value larger than its field holds
/// (`field_too_large`, by the field check every door uses) or that would
/// make its record larger than a record may be (`record_too_large`); an op
/// that shrinks a record kept from before the limits is taken. Checked before
/// anything else of the op, so the verdict names the size and its limit.
fn too_large(tx: &mut dyn Tx, op: &Op) -> StorageResult<Option<Verdict>> {
    if !matches!(op.kind, OpKind::Insert | OpKind::Update) {
        return Ok(None);
    }
    for (name, change) in &op.fields {
        let Some(def) = op.entity.field(name) else {
            continue; // an unknown field gets its own verdict later
        };
        // A base is only compared, except a conflict's, which is kept:
        // bounded like the value. (Any other base may be a value from
        // before the limits, which an edit that shortens it carries.)
        let bases = (def.policy == MergePolicy::Conflict).then_some(&change.base);
        for value in std::iter::once(&change.new).chain(bases) {
            if let Err(Problem::TooLarge { max_bytes }) = def.check(value) {
                let mut v = reject(
                    op,
                    codes::FIELD_TOO_LARGE,
                    format!(
                        "{}.{name} is larger than {max_bytes} bytes; shorten it (a file belongs in a document store, not a field)",
                        op.entity
                    ),
                );
                v.params.insert("field".into(), json!(name));
                v.params.insert("limit".into(), json!(max_bytes));
                return Ok(Some(v));
            }
        }
    }
    let before = tx.record(op.record_id)?.map(|r| r.data);
    let old_size = before.as_ref().map_or(0, data_bytes);
    let mut after = before.unwrap_or_default();
    for (name, change) in &op.fields {
        after.insert(name.clone(), change.new.clone());
    }
    let new_size = data_bytes(&after);
    if new_size > MAX_RECORD_BYTES && new_size > old_size {
        let mut v = reject(
            op,
            codes::RECORD_TOO_LARGE,
            format!(
                "the {} would be larger than {MAX_RECORD_BYTES} bytes; shorten its longest fields",
                op.entity
            ),
        );
        v.params.insert("limit".into(), json!(MAX_RECORD_BYTES));
        return Ok(Some(v));
    }
    Ok(None)
}

/// Whether this server's version can understand `op`; if not, why.
fn too_new(op: &Op) -> Option<String> {
    let spoken = spoken_schema();
    if !op.entity.known_at(spoken) {
        return Some(format!(
            "this server does not know {} records yet; the change waits on the laptop until the server is updated",
            op.entity
        ));
    }
    if let Some(field) = op
        .fields
        .keys()
        .find(|f| op.entity.field(f).is_some_and(|d| d.since > spoken))
    {
        return Some(format!(
            "this server does not know the {} field {field} yet; the change waits on the laptop until the server is updated",
            op.entity
        ));
    }
    (op.schema_version > spoken).then(|| {
        format!(
            "the change was written by a newer app (data version {}, this server knows {spoken}); it waits on the laptop until the server is updated",
            op.schema_version
        )
    })
}

/// One pushed op, as far as this server understands it.
#[derive(Debug, Clone)]
pub enum Pushed {
    /// An op this build can read.
    Op(Op),
    /// An op it cannot (a kind a newer version added): enough to answer it.
    Unread {
        /// Its id and sequence number.
        header: OpHeader,
        /// The kind it names, if it names one.
        entity: Option<String>,
    },
}

impl Pushed {
    /// Read one pushed item; an item without even an op id and sequence
    /// number cannot be answered, and fails the push as malformed.
    pub fn read(item: Open<Op>) -> Result<Pushed, String> {
        match item {
            Open::Known(op) => Ok(Pushed::Op(op)),
            Open::Unknown(raw) => {
                let header: OpHeader = serde_json::from_value(raw.clone())
                    .map_err(|e| format!("a change without its id or sequence number ({e})"))?;
                let entity = raw.get("entity").and_then(Value::as_str).map(str::to_owned);
                Ok(Pushed::Unread { header, entity })
            }
        }
    }

    fn header(&self) -> OpHeader {
        match self {
            Pushed::Op(op) => header_of(op),
            Pushed::Unread { header, .. } => *header,
        }
    }
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn refuse(header: OpHeader, code: &str, message: String) -> Verdict {
    answer(header, Outcome::Rejected, Some(code), Some(message))
}

/// Apply a batch of ops from one device, in order, each with its own verdict.
/// A replayed op (sequence number already applied) is not applied twice. An
/// op this server's version cannot understand is answered `server_too_old`
/// and the rest go on. `schema` is the version the laptop speaks: records
/// sent back are as it knows them.
pub fn push(
    tx: &mut dyn Tx,
    user: &UserRow,
    device_id: Id,
    schema: u32,
    ops: &[Pushed],
    now_ms: i64,
) -> StorageResult<Vec<Verdict>> {
    let Some(mut device) = tx.lock_device(device_id)? else {
        return Ok(ops
            .iter()
            .map(|op| refuse(op.header(), codes::UNAUTHORIZED, "unknown device".into()))
            .collect());
    };
    let viewer = viewer_of(user);
    let mut verdicts = Vec::with_capacity(ops.len());
    for pushed in ops {
        let header = pushed.header();
        // Sequence numbers start at 1. A zero or negative one is not a
        // replay: answering it "duplicate" would tell the laptop it was
        // applied and let it drop the change.
        if header.device_seq < 1 {
            verdicts.push(refuse(
                header,
                codes::INVALID_OP,
                format!(
                    "device sequence number {} is not valid (they start at 1)",
                    header.device_seq
                ),
            ));
            continue;
        }
        if header.device_seq <= device.last_seq {
            // A replay carries the op id the number was spent on. Another op
            // under a spent number comes from a laptop restored from a copy
            // of its data folder: never "duplicate", which would let it drop
            // a change nobody has. What follows it in the batch is not
            // answered (it stays queued), so nothing is applied out of order
            // once the laptop goes on as a new device.
            match tx.op_at(device_id, header.device_seq)? {
                Some(spent) if spent != header.op_id => {
                    verdicts.push(refuse(
                        header,
                        codes::SEQ_REUSED,
                        format!(
                            "this laptop already sent another change numbered {}: its data was restored from a copy; it goes on as a new device and sends the change again",
                            header.device_seq
                        ),
                    ));
                    break;
                }
                // The same op again, or one sent before ops were remembered.
                _ => verdicts.push(answer(header, Outcome::Duplicate, None, None)),
            }
            continue;
        }
        let v = match pushed {
            Pushed::Unread {
                entity: Some(entity),
                ..
            } if entity.parse::<EntityKind>().is_err() => refuse(
                header,
                codes::SERVER_TOO_OLD,
                format!(
                    "this server does not know {entity} records yet; the change waits on the laptop until the server is updated"
                ),
            ),
            Pushed::Unread { .. } => refuse(
                header,
                codes::INVALID_OP,
                "the change could not be read".into(),
            ),
            Pushed::Op(op) if op.device_id != device_id => {
                reject(op, codes::INVALID_OP, "the op was made on another device")
            }
            Pushed::Op(op) => match (too_new(op), too_large(tx, op)?) {
                (Some(why), _) => reject(op, codes::SERVER_TOO_OLD, why),
                (None, Some(refused)) => refused,
                // Ops of an older version take the steps since (none yet).
                (None, None)
                    if op.schema_version < SCHEMA_VERSION
                        && UPGRADES.iter().any(|u| u.version > op.schema_version) =>
                {
                    let mut op = op.clone();
                    upgrade_op(&mut op, UPGRADES);
                    apply(tx, &viewer, user, &op, now_ms)?
                }
                (None, None) => apply(tx, &viewer, user, op, now_ms)?,
            },
        };
        device.last_seq = header.device_seq;
        tx.remember_op(device_id, header.device_seq, header.op_id)?;
        verdicts.push(v);
    }
    device.last_seen_at = Some(now_ms);
    tx.update_device(&device)?;
    // Where the laptop's copy may now differ from the server's and no later
    // change will tell it, send the record's final state along.
    for (v, pushed) in verdicts.iter_mut().zip(ops) {
        if let Pushed::Op(op) = pushed
            && !matches!(v.outcome, Outcome::Applied)
            && v.code.as_deref() != Some(codes::SERVER_TOO_OLD)
            && let Some(r) = tx.record(op.record_id)?
            && viewer.sees(&r)
        {
            v.state = state_for(&r, schema).map(Open::Known);
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
        // Exactly those who may see the record: its book, never one more
        // user (the other author may have lost the record since, and the
        // op's author could see it, or the op was refused).
        extra_user: None,
        extra_team: None,
        // It hangs under its record, so it moves with it.
        parent_id: Some(record.id),
        change_seq: 0,
    };
    conflict.change_seq = tx.next_seq(1)?;
    tx.put_record(&conflict)
}

/// Whether an op's wall time is at most [`MAX_CLOCK_AHEAD_MS`] ahead of the
/// server's clock. Compared in `i128`: the wall time is a `u64`, and a cast to
/// `i64` would make 2^64-1 ms negative, "in the past", and let it win every
/// later edit by last-writer-wins.
pub fn within_clock_limit(wall_ms: u64, now_ms: i64) -> bool {
    i128::from(wall_ms) <= i128::from(now_ms) + i128::from(MAX_CLOCK_AHEAD_MS)
}

fn apply(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    user: &UserRow,
    op: &Op,
    now_ms: i64,
) -> StorageResult<Verdict> {
    if !within_clock_limit(op.hlc.wall_ms, now_ms) {
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
    match op.entity.entity().writers {
        Writers::Anyone => {}
        Writers::Server => {
            return Ok(reject(
                op,
                codes::FORBIDDEN,
                format!(
                    "{} records are kept on the server (the team directory: crm-server user add)",
                    op.entity
                ),
            ));
        }
        Writers::Roles(roles) if !roles.contains(&user.role.as_str()) => {
            return Ok(reject(
                op,
                codes::FORBIDDEN,
                format!(
                    "only a {} may change {} records",
                    roles.join(" or "),
                    op.entity
                ),
            ));
        }
        Writers::Roles(_) => {}
        Writers::Fields(allowed) => {
            if op.kind != OpKind::Update || op.fields.keys().any(|f| !allowed.contains(&f.as_str()))
            {
                return Ok(reject(
                    op,
                    codes::FORBIDDEN,
                    format!(
                        "{} records are created by the server; a laptop can only change {}",
                        op.entity,
                        allowed.join(", ")
                    ),
                ));
            }
        }
    }
    if let Err(message) = check_fields(op) {
        return Ok(reject(op, codes::INVALID_OP, message));
    }
    let current = tx.record(op.record_id)?;
    if let Some(verdict) = document_rules(tx, op, current.as_ref())? {
        return Ok(verdict);
    }
    if let Some(current) = &current {
        if current.entity != op.entity {
            return Ok(reject(
                op,
                codes::INVALID_OP,
                "the id belongs to another kind of record",
            ));
        }
        if !viewer.sees(current) {
            return Ok(reject(
                op,
                codes::OUT_OF_SCOPE,
                "this record is no longer yours to change (it was reassigned or you lost access)",
            ));
        }
    }
    match (op.kind, current) {
        (OpKind::Insert, None) => insert(tx, viewer, user, op),
        (OpKind::Insert | OpKind::Update, Some(current)) => update(tx, viewer, user, op, current),
        (_, None) => Ok(reject(
            op,
            codes::UNKNOWN_RECORD,
            "the server has no such record (it may have been purged)",
        )),
        (OpKind::Delete, Some(current)) => delete(tx, op, current),
        (OpKind::Restore, Some(mut current)) => {
            if current.deleted {
                let old = current.reach();
                current.deleted = false;
                current.hlc = current.hlc.clone().max(op.hlc.clone());
                current.changed_by = op.author_id;
                save(tx, &mut current, Some(old))?;
            }
            Ok(verdict(op, Outcome::Applied, None, None))
        }
    }
}

/// The rules of the descriptions and documents a push must keep, whoever
/// sent it: no two live records share a `unique` field's value (a
/// product's code); a quote that left its draft never changes but for its
/// status (accepting, rejecting, revising), nor do its lines. A laptop keeps
/// them too; the server keeps them for every laptop at once (two managers
/// adding one code offline, a line edited offline while a colleague sent
/// the quote).
fn document_rules(
    tx: &mut dyn Tx,
    op: &Op,
    current: Option<&StoredRecord>,
) -> StorageResult<Option<Verdict>> {
    let entity = op.entity.entity();
    if op.kind != OpKind::Delete {
        for field in entity.unique {
            let Some(value) = op.fields.get(*field).and_then(|c| c.new.as_str()) else {
                continue;
            };
            if tx
                .holder_of(op.entity, field, value, op.record_id)?
                .is_some()
            {
                let mut refused = reject(
                    op,
                    codes::TAKEN,
                    format!("another {} has {field} {value:?}", op.entity),
                );
                refused
                    .params
                    .insert("field".into(), Value::String((*field).to_owned()));
                return Ok(Some(refused));
            }
        }
    }
    let quote = match op.entity {
        EntityKind::Quote => current.cloned(),
        EntityKind::QuoteLine => {
            let parent = op
                .fields
                .get("quote_id")
                .and_then(|c| c.new.as_str())
                .and_then(|s| s.parse::<Id>().ok())
                .or_else(|| current.and_then(|c| id_field(&c.data, "quote_id")));
            match parent {
                Some(id) => tx.record(id)?,
                None => None,
            }
        }
        _ => None,
    };
    let Some(quote) = quote else {
        return Ok(None);
    };
    let status = quote
        .data
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("draft");
    // What changes after sending: the status and what goes with it.
    const AFTER_SENDING: &[&str] = &["status", "sent_at", "reject_reason", "notes"];
    let allowed = op.entity == EntityKind::Quote
        && op.kind == OpKind::Update
        && op
            .fields
            .keys()
            .all(|f| AFTER_SENDING.contains(&f.as_str()));
    if status != "draft" && !allowed {
        let number = quote
            .data
            .get("number")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut refused = reject(
            op,
            codes::DOCUMENT_LOCKED,
            format!("quote {number} was {status} and never changes; revise it instead"),
        );
        refused
            .params
            .insert("number".into(), Value::String(number));
        return Ok(Some(refused));
    }
    Ok(None)
}

/// Whether `user` may hand records to `to`: an admin to anyone; a manager
/// or a rep to themselves or an active member of their own team (a rep's
/// own book is all they see, but a colleague taking over is the team's
/// business, as the laptop's reassignment of a departing rep's records).
fn may_hand(tx: &mut dyn Tx, user: &UserRow, to: Id) -> StorageResult<bool> {
    if to == user.id || user.role == "admin" {
        return Ok(true);
    }
    let Some(team) = user.team.as_deref() else {
        return Ok(false);
    };
    Ok(tx
        .user(to)?
        .is_some_and(|u| u.active && u.team.as_deref() == Some(team)))
}

/// Refuse an insert or update (`before` is the record as it was, already
/// known to be within reach; `after` as it will be, placed) unless
/// everything it touches is within what `user` may write: every parent the
/// description names, the old one and the new one, and the book the record
/// lands in, which is the user's own reach or someone they may hand records
/// to. An owner field set to someone else must name such a person.
fn out_of_reach(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    user: &UserRow,
    op: &Op,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
) -> StorageResult<Option<Verdict>> {
    let entity = after.entity.entity();
    let parents = entity.parents();
    for &field in &parents {
        let old = before.and_then(|b| id_field(&b.data, field));
        let new = id_field(&after.data, field);
        // A parent the record keeps is within reach of whoever may change
        // the record (the engineer holding a case, who does not hold its
        // account); one it leaves or gains must be reachable itself.
        if old.is_some() && old == new && before.is_some_and(|b| viewer.sees(b)) {
            continue;
        }
        for id in old.into_iter().chain(new.filter(|n| Some(*n) != old)) {
            let is_new = Some(id) == new && Some(id) != old;
            let fits = match tx.record(id)? {
                Some(parent) => {
                    let kind_fits = !is_new
                        || match entity.kind.field(field).map(|d| d.ty) {
                            Some(FieldType::Ref(kind)) => parent.entity == kind,
                            _ => true,
                        };
                    kind_fits
                        && (viewer.sees(&parent)
                            || named_by_another_parent(tx, viewer, &parents, field, id, after)?)
                }
                // A parent purged since: nothing of it to reach.
                None => !is_new,
            };
            if !fits {
                return Ok(Some(reject(
                    op,
                    codes::PARENT_OUT_OF_SCOPE,
                    format!(
                        "{}.{field}: the record it names is not yours to write (it is in another person's book), or the server does not have it",
                        op.entity
                    ),
                )));
            }
        }
    }
    if let Some(owner) = entity.owner()
        && let Some(to) = id_field(&after.data, owner)
        && Some(to) != before.and_then(|b| id_field(&b.data, owner))
        && !may_hand(tx, user, to)?
        && !(entity.holder().is_some_and(|(holder, _)| holder == owner) && is_support(tx, to)?)
    {
        return Ok(Some(reject(
            op,
            codes::HAND_OVER_REFUSED,
            format!(
                "{}.{owner}: you may give records only to members of your own team",
                op.entity
            ),
        )));
    }
    let lands_in_reach = viewer.sees(after)
        || match after.scope_user {
            Some(to) => may_hand(tx, user, to)?,
            None => false,
        };
    if !lands_in_reach {
        return Ok(Some(reject(
            op,
            codes::OUT_OF_SCOPE,
            "the change would put the record in a book that is not yours to write",
        )));
    }
    Ok(None)
}

/// Whether `to` is active support staff: anyone may give a case to them
/// (it reaches them, not the account it is about).
fn is_support(tx: &mut dyn Tx, to: Id) -> StorageResult<bool> {
    Ok(tx
        .user(to)?
        .is_some_and(|u| u.active && u.role == "support"))
}

/// Whether the record `id`, which `field` of `after` names and `viewer`
/// does not see, is reached through another of its parents: one the
/// viewer sees and that names the same record in the same field (a case's
/// reply names the case's account; the engineer holding the case may write
/// it without holding the account).
fn named_by_another_parent(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    parents: &[&'static str],
    field: &str,
    id: Id,
    after: &StoredRecord,
) -> StorageResult<bool> {
    for &other in parents.iter().filter(|&&p| p != field) {
        if let Some(through) = id_field(&after.data, other)
            && let Some(parent) = tx.record(through)?
            && !parent.deleted
            && viewer.sees(&parent)
            && id_field(&parent.data, field) == Some(id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn insert(tx: &mut dyn Tx, viewer: &Viewer, user: &UserRow, op: &Op) -> StorageResult<Verdict> {
    // Every field the server knows is present in a record, null or not, so a
    // laptop can tell "empty" from "unknown to whoever wrote it".
    let mut data: BTreeMap<String, Value> = op
        .entity
        .fields()
        .iter()
        .map(|d| {
            (
                d.name.to_owned(),
                d.default.map_or(Value::Null, |f| f.value()),
            )
        })
        .collect();
    data.extend(
        op.fields
            .iter()
            .filter(|(_, c)| !c.new.is_null())
            .map(|(k, c)| (k.clone(), c.new.clone())),
    );
    // A record must be whole: one missing a required value (a contact with
    // no account) would stop every laptop that pulls it.
    for def in op.entity.fields() {
        let value = data.get(def.name).unwrap_or(&Value::Null);
        if let Err(problem) = def.check(value) {
            return Ok(reject(
                op,
                codes::INVALID_OP,
                format!("{}.{} {problem}", op.entity, def.name),
            ));
        }
    }
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
    let mut record = StoredRecord::new(
        op.entity,
        op.record_id,
        data,
        versions,
        op.hlc.clone(),
        op.author_id,
    );
    place(tx, &mut record)?;
    if let Some(refused) = out_of_reach(tx, viewer, user, op, None, &record)? {
        return Ok(refused);
    }
    save(tx, &mut record, None)?;
    // Added offline under an account deleted meanwhile: kept (nothing is
    // lost), and the deletion becomes a conflict both people see.
    if let Some(account) = record.parent_id
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

fn update(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    user: &UserRow,
    op: &Op,
    mut current: StoredRecord,
) -> StorageResult<Verdict> {
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
    let before = current.clone();
    let old_scope = current.reach();
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
    }
    // Checked whether or not anything changes: an op under a parent out of
    // reach must not even leave a conflict behind.
    if let Some(refused) = out_of_reach(tx, viewer, user, op, Some(&before), &current)? {
        return Ok(refused);
    }
    if changed {
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
    let old_scope = current.reach();
    current.deleted = true;
    current.hlc = current.hlc.clone().max(op.hlc.clone());
    current.changed_by = op.author_id;
    save(tx, &mut current, Some(old_scope))?;
    Ok(verdict(op, Outcome::Applied, None, None))
}

/// The wire form of a stored record for a laptop speaking `schema`: `None`
/// if its kind is newer than the laptop; fields newer than it left out.
pub fn state_for(record: &StoredRecord, schema: u32) -> Option<RecordState> {
    if !record.entity.known_at(schema) {
        return None;
    }
    let mut state = state_of(record);
    if schema < SCHEMA_VERSION {
        downgrade_fields(record.entity, &mut state.fields, schema, UPGRADES);
    }
    Some(state)
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

/// The changes after `cursor` that `viewer` may see, one page, as a laptop
/// speaking `schema` knows them: records of kinds newer than it are left out
/// (the cursor still moves past them; once updated, it pulls again from the
/// start to take them).
pub fn pull(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    schema: u32,
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
            lease: None,
        });
    }
    let records = tx.changes_since(viewer, cursor, limit, PULL_PAGE_BYTES)?;
    let records_cut = records.len() > limit as usize
        || records.iter().map(|r| data_bytes(&r.data)).sum::<usize>() > PULL_PAGE_BYTES;
    let all_exits = tx.exits_since(viewer, cursor, limit)?;
    // A list cut at the limit (or, for records, past the byte budget) is
    // complete only up to its last row, so the page must end there: a later
    // change of the other list may be missing. (The exits list can be cut
    // while the page looks short: exits that are no removal are dropped
    // below.)
    let cut_at = |len: usize, last: Option<i64>| if len > limit as usize { last } else { None };
    let complete_to = [
        records.last().map(|r| r.change_seq).filter(|_| records_cut),
        cut_at(all_exits.len(), all_exits.last().map(|e| e.change_seq)),
    ]
    .into_iter()
    .flatten()
    .min();
    let mut exits = Vec::new();
    for exit in all_exits {
        // Still visible by another route (a manager's team): not a removal.
        let still_visible = tx.record(exit.id)?.is_some_and(|r| viewer.sees(&r));
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
    // A page also ends at a byte budget, so records of megabytes (kept from
    // before records were limited) never make a page a laptop cannot take
    // in one answer; it always holds at least one change, so it moves on.
    let mut bytes = 0;
    let within = changes
        .iter()
        .position(|c| {
            bytes += change_bytes(c);
            bytes > PULL_PAGE_BYTES
        })
        .map(|i| i.max(1))
        .filter(|n| *n < changes.len());
    let (more, next) = match within {
        Some(n) => {
            changes.truncate(n);
            (true, changes.last().map_or(cursor, Change::change_seq))
        }
        None => (more, next),
    };
    let changes = changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Upsert(state) => {
                if !state.entity.known_at(schema) {
                    return None;
                }
                let mut state = state;
                if schema < SCHEMA_VERSION {
                    downgrade_fields(state.entity, &mut state.fields, schema, UPGRADES);
                }
                Some(Open::Known(Change::Upsert(state)))
            }
            Change::Remove { entity, .. } if !entity.known_at(schema) => None,
            remove @ Change::Remove { .. } => Some(Open::Known(remove)),
        })
        .collect();
    Ok(PullResponse {
        changes,
        cursor: next,
        more,
        resync: false,
        lease: None,
    })
}

/// About the bytes a change takes on the wire: its fields, and a little for
/// the rest of it.
fn change_bytes(change: &Change) -> usize {
    const FRAME: usize = 256;
    match change {
        Change::Upsert(state) => FRAME + data_bytes(&state.fields),
        Change::Remove { .. } => FRAME,
    }
}

/// The visible ones among `ids`, as a laptop speaking `schema` knows them.
pub fn fetch(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    schema: u32,
    ids: &[Id],
) -> StorageResult<Vec<Open<RecordState>>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = tx.record(*id)?
            && viewer.sees(&r)
            && let Some(state) = state_for(&r, schema)
        {
            out.push(Open::Known(state));
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
    let versions = versions_of(&data, &hlc, user.id);
    let mut record = StoredRecord::new(EntityKind::User, user.id, data, versions, hlc, user.id);
    save(tx, &mut record, None)
}

/// A device's row after a login. A laptop logging in again keeps its
/// sequence (replays stay duplicates) and its series (the numbers of the
/// documents it made stay its own); a device the server has not seen takes
/// the next series.
pub fn new_device(
    tx: &mut dyn Tx,
    user: &UserRow,
    id: Id,
    name: &str,
    token_hash: String,
    now_ms: i64,
    previous: Option<DeviceRow>,
) -> StorageResult<DeviceRow> {
    let previous = previous.filter(|p| p.user_id == user.id);
    let (last_seq, series) = match &previous {
        Some(p) => (p.last_seq, p.series),
        None => (0, tx.next_device_series()?),
    };
    Ok(DeviceRow {
        id,
        user_id: user.id,
        name: name.to_owned(),
        token_hash,
        created_at: now_ms,
        last_seen_at: None,
        revoked_at: None,
        last_seq,
        series,
        // A laptop marked lost stays so whoever logs in on it.
        wipe_requested_at: previous.as_ref().and_then(|p| p.wipe_requested_at),
        wipe_sent_at: previous.as_ref().and_then(|p| p.wipe_sent_at),
        lease_key: Some(crate::auth::new_token()),
    })
}
