//! Change records: what one local write did, as the outbox keeps it and sync
//! sends it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{hlc::Hlc, id::Id, schema::EntityKind};

/// The newest version of the synced schema this build speaks. Bumped when a
/// synced kind or field is added (its description says `since` which
/// version) or a value changes meaning (a step in [`crate::upgrade`]); the
/// server upgrades ops of the previous version.
///
/// 1: the first release. 2: exchange rates; the account's tier. 3: planned
/// activities (a task's `activity`, `starts_at`, `place`, `attendees`).
/// 4: sales documents (products, price lists and prices, quotes and their
/// lines, orders and their lines, payments and their allocations; an
/// account's price list and payment terms). 5: service (cases and their
/// events, SLA policies, the business calendar, knowledge-base articles,
/// satisfaction answers; an interaction's case).
pub const SCHEMA_VERSION: u32 = 5;

/// The synced-schema version this program speaks: [`SCHEMA_VERSION`], or an
/// older one named by `CRM_SCHEMA_VERSION` (a server held back during a
/// staged update; tests of mixed versions run the real binaries this way).
/// A program speaking an older version behaves as that version's build: it
/// neither sends nor takes kinds and fields it would not know.
pub fn spoken_schema() -> u32 {
    static SPOKEN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *SPOKEN.get_or_init(|| {
        std::env::var("CRM_SCHEMA_VERSION")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .map_or(SCHEMA_VERSION, |v| v.clamp(1, SCHEMA_VERSION))
    })
}

/// What an op did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// A new record.
    Insert,
    /// Changed fields of an existing record.
    Update,
    /// A soft delete.
    Delete,
    /// Undoing a soft delete.
    Restore,
}

impl OpKind {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OpKind::Insert => "insert",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
            OpKind::Restore => "restore",
        }
    }
}

impl std::str::FromStr for OpKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "insert" => Ok(OpKind::Insert),
            "update" => Ok(OpKind::Update),
            "delete" => Ok(OpKind::Delete),
            "restore" => Ok(OpKind::Restore),
            other => Err(format!("unknown op kind {other:?}")),
        }
    }
}

/// One field's change: the value the edit started from and the value it set.
/// The base lets the server tell a real conflict from a field-level merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The value before the edit (`null` for inserts).
    pub base: Value,
    /// The value after the edit.
    pub new: Value,
}

/// One local write, as queued in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Unique id of this op (UUIDv7).
    pub op_id: Id,
    /// The device that made the edit.
    pub device_id: Id,
    /// Position in that device's sequence of ops, starting at 1, no gaps.
    pub device_seq: i64,
    /// The entity of the record.
    pub entity: EntityKind,
    /// The record.
    pub record_id: Id,
    /// What happened.
    pub kind: OpKind,
    /// Changed fields by name.
    pub fields: BTreeMap<String, FieldChange>,
    /// When it happened, by the device's hybrid logical clock.
    pub hlc: Hlc,
    /// Who made the edit.
    pub author_id: Id,
    /// The synced-schema version the op was written against.
    pub schema_version: u32,
}
