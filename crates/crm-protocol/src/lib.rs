//! The sync protocol, version 1: routes under `/api/v1/`, JSON bodies, the
//! protocol version in the `x-crm-protocol` header of every request.
//!
//! Unknown fields are ignored when reading, so a newer peer's additions do not
//! break an older one; the protocol version says when the meaning changed.
//!
//! The kinds of record are open: an op, a record or a change of a kind this
//! build does not know still parses, as [`Open::Unknown`], so one of them
//! never fails a whole push or pull page. Each side says which synced-schema
//! version it speaks in the [`SCHEMA_HEADER`] of every request and answer;
//! the server sends a laptop only the kinds and fields its version knows, and
//! answers an op it cannot know with its own verdict (`server_too_old`).

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Hlc, Id, Op, User};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::DeserializeOwned};
use serde_json::Value;

/// The protocol this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The header that carries it.
pub const PROTOCOL_HEADER: &str = "x-crm-protocol";
/// The header that carries the synced-schema version a peer speaks (requests
/// and answers alike). Absent: version 1, the first release, which did not send it.
pub const SCHEMA_HEADER: &str = "x-crm-schema";
/// The most ops one push may carry.
pub const MAX_PUSH_OPS: usize = 1_000;
/// The largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 5_000;
/// The bytes of records a pull page holds at most: a page ends once its
/// records reach this, but always holds at least one change (a record
/// larger than this, kept from before records were limited, comes alone).
pub const PULL_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// `POST /api/v1/login`: exchange a password for a device token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The user's email.
    pub email: String,
    /// The password (sent over TLS only, except on loopback).
    pub password: String,
    /// The laptop's device id (its local database's).
    pub device_id: Id,
    /// A name to recognise the device by in `device list`.
    pub device_name: String,
}

/// The longest email a login may name, in characters (the most an address
/// can have, RFC 5321); a longer one is refused before anything is stored.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest password a login may send, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1_024;
/// The longest device name a login may register, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 200;

/// The answer to a login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Bearer token for later requests; the server keeps only its hash.
    pub token: String,
    /// Who logged in.
    pub user: User,
    /// This device's series: a small number no other device of the team
    /// has (1, 2, 3...), given when the server first registers the device
    /// and kept for its later logins. The laptop numbers the documents it
    /// makes offline under it (`Q7-00012`: series 7, its 12th quote).
    /// Absent from servers that give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<u32>,
    /// How long the laptop may stay away (absent from servers before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<lease::LeasePolicy>,
    /// The device's key for the extension codes an administrator reads out
    /// (`lease::check_code`), base64; kept as a secret on the laptop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_key: Option<String>,
}

/// The synced-schema version of a peer that did not say (the first release).
pub const FIRST_SCHEMA: u32 = 1;

/// The version a header value names; absent or unreadable: the first.
pub fn schema_of(header: Option<&str>) -> u32 {
    header
        .and_then(|v| v.trim().parse().ok())
        .filter(|v| *v >= FIRST_SCHEMA)
        .unwrap_or(FIRST_SCHEMA)
}

/// One item of a list on the wire that this build may not understand (a kind
/// of record a newer version added): kept as it came, so it never fails the
/// list it is in, and written back unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum Open<T> {
    /// Understood.
    Known(T),
    /// Not understood; the JSON as it came.
    Unknown(Value),
}

impl<T> Open<T> {
    /// The understood item, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Open::Known(t) => Some(t),
            Open::Unknown(_) => None,
        }
    }

    /// The understood item, if it is one.
    pub fn into_known(self) -> Option<T> {
        match self {
            Open::Known(t) => Some(t),
            Open::Unknown(_) => None,
        }
    }

    /// The name of the kind of record in an item not understood (its
    /// `entity`), for saying what was not understood.
    pub fn unknown_entity(&self) -> Option<&str> {
        match self {
            Open::Known(_) => None,
            Open::Unknown(raw) => raw.get("entity").and_then(Value::as_str),
        }
    }
}

impl<T> From<T> for Open<T> {
    fn from(t: T) -> Self {
        Open::Known(t)
    }
}

impl<T: Serialize> Serialize for Open<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Open::Known(t) => t.serialize(serializer),
            Open::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&raw) {
            Ok(t) => Open::Known(t),
            Err(_) => Open::Unknown(raw),
        })
    }
}

/// `POST /api/v1/push`: local changes, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// The ops, in device sequence order. An op of a kind the server does not
    /// know still has its `op_id` and `device_seq`, and gets its own verdict.
    pub ops: Vec<Open<Op>>,
}

/// What became of one pushed op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied as sent.
    Applied,
    /// Applied field by field; some fields lost to newer edits by last-writer-wins.
    Merged,
    /// At least one field kept the server's value and a conflict records both.
    Conflict,
    /// Refused; `code` and `message` say why. Nothing of it was applied.
    Rejected,
    /// Already applied before (a replayed batch); nothing done twice.
    Duplicate,
}

/// The server's verdict on one op.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The op.
    pub op_id: Id,
    /// Its device sequence number.
    pub device_seq: i64,
    /// What happened.
    pub outcome: Outcome,
    /// Machine-readable reason, for rejections and merges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What a translation of `code` needs (`field` and `limit` of
    /// `field_too_large`, `limit` of `record_too_large`); absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    /// The record as the server now has it, when the op was not applied as
    /// sent (merged, conflict, replay, rejection): the laptop takes it at once,
    /// since no later change of the record may come to bring it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Open<RecordState>>,
}

/// The answer to a push: one verdict per op, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    /// Verdicts.
    pub verdicts: Vec<Verdict>,
    /// The server's clock (UTC ms): a laptop whose ops were refused as dated
    /// in the future starts its clock again from here.
    #[serde(default)]
    pub server_time_ms: i64,
}

/// `POST /api/v1/device/renew`: this laptop's data folder was copied back
/// (an OS backup, a disk image), so its device sequence numbers were spent
/// before; it goes on as a new device with a fresh sequence. Authorized by
/// the current token; answered with the new device's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewRequest {
    /// The new device id (a new UUIDv7 made by the laptop).
    pub device_id: Id,
}

/// The answer to a renewal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewResponse {
    /// Bearer token of the new device.
    pub token: String,
    /// The new device's series (see [`LoginResponse::series`]): never the
    /// old one's, which a disk image may still be using elsewhere. Absent
    /// from servers that give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<u32>,
    /// The new device's lease key (see [`LoginResponse::lease_key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_key: Option<String>,
}

/// The part of an op a server can read whatever its kind: enough to give
/// it a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct OpHeader {
    /// The op.
    pub op_id: Id,
    /// Its device sequence number.
    pub device_seq: i64,
}

/// The current state of one record, as a pull delivers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Id,
    /// Every field's canonical value.
    pub fields: BTreeMap<String, Value>,
    /// Soft-deleted (a tombstone).
    pub deleted: bool,
    /// When it last changed.
    pub hlc: Hlc,
    /// Who changed it last.
    pub changed_by: Option<Id>,
    /// Who created it.
    pub created_by: Option<Id>,
    /// Position in the server's change sequence.
    pub change_seq: i64,
}

/// One entry of a pull page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A record to create or overwrite (tombstones included).
    Upsert(RecordState),
    /// A record that left the user's scope (reassigned, access revoked): it
    /// leaves the laptop.
    Remove {
        /// Kind.
        entity: EntityKind,
        /// Id.
        id: Id,
        /// Position in the server's change sequence.
        change_seq: i64,
    },
}

impl Change {
    /// Position in the server's change sequence.
    pub fn change_seq(&self) -> i64 {
        match self {
            Change::Upsert(r) => r.change_seq,
            Change::Remove { change_seq, .. } => *change_seq,
        }
    }
}

/// `GET /api/v1/pull?cursor=N&limit=L`: the changes after `cursor`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PullQuery {
    /// The last change sequence applied locally (0 for a first sync).
    pub cursor: i64,
    /// Page size.
    #[serde(default = "default_limit")]
    pub limit: u32,
}

fn default_limit() -> u32 {
    1_000
}

/// One page of changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes in sequence order. A laptop skips those of kinds it does not
    /// know (the server sends none when it knows the laptop's version).
    pub changes: Vec<Open<Change>>,
    /// The cursor to save once the page is applied.
    pub cursor: i64,
    /// Whether more pages follow.
    pub more: bool,
    /// The cursor is older than the server's tombstone retention: drop the
    /// local copy of server data (keeping the outbox) and pull from 0.
    #[serde(default)]
    pub resync: bool,
    /// The team's lease policy now (absent from servers before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<lease::LeasePolicy>,
}

/// `POST /api/v1/fetch`: the current state of given records (after a
/// rejected change is discarded, to put the server's version back).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchRequest {
    /// Record ids.
    pub ids: Vec<Id>,
}

/// The answer to a fetch: the visible ones among the records asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchResponse {
    /// Their states.
    pub records: Vec<Open<RecordState>>,
}

/// Every error body: a stable code and a human message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code (see [`codes`]).
    pub code: String,
    /// What happened, for a person.
    pub message: String,
    /// What a translation of the code needs (`field` and `max` of a value
    /// too long, `retry_after_s` of a refusal to wait); absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
}

/// The error codes the server uses.
pub mod lease;

pub mod codes {
    /// No or unknown token.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// Wrong email or password.
    pub const BAD_LOGIN: &str = "bad_login";
    /// Too many failed logins from this address; wait `retry_after_s`
    /// seconds (also in the `Retry-After` header) and try again.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The server is answering too many logins at once; try again in
    /// `retry_after_s` seconds (also in the `Retry-After` header).
    pub const BUSY: &str = "busy";
    /// A value of the request is longer than the server takes: `field`
    /// names it, `max` is its limit in characters. Nothing was stored.
    pub const TOO_LONG: &str = "too_long";
    /// The request did not arrive whole in time (a stalled connection).
    pub const TIMEOUT: &str = "timeout";
    /// The device was revoked by an administrator.
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// An administrator marked this laptop lost: it erases its copy of the
    /// team's data (410).
    pub const DEVICE_WIPED: &str = "device_wiped";
    /// The user was disabled.
    pub const USER_DISABLED: &str = "user_disabled";
    /// The protocol version header is missing or unknown.
    pub const PROTOCOL_VERSION: &str = "protocol_version";
    /// The client's schema is older than the server accepts.
    pub const UPGRADE_REQUIRED: &str = "upgrade_required";
    /// The client's schema is newer than the server knows: as an op's
    /// verdict, an op of a kind or field this server does not know, which
    /// waits on the laptop until the server is updated.
    pub const SERVER_TOO_OLD: &str = "server_too_old";
    /// The body is not valid for this route.
    pub const BAD_REQUEST: &str = "bad_request";
    /// The body is too large.
    pub const TOO_LARGE: &str = "too_large";
    /// Not allowed for this user.
    pub const FORBIDDEN: &str = "forbidden";
    /// Something broke on the server.
    pub const INTERNAL: &str = "internal";
    /// An op's clock is far in the future.
    pub const CLOCK_AHEAD: &str = "clock_ahead";
    /// An op touches a record outside the user's scope.
    pub const OUT_OF_SCOPE: &str = "out_of_scope";
    /// An op names an unknown field or an invalid value.
    pub const INVALID_OP: &str = "invalid_op";
    /// An op edits a record the server does not have.
    pub const UNKNOWN_RECORD: &str = "unknown_record";
    /// An op puts a record under (or takes it from) a parent record the user
    /// may not write, or one the server does not have: the message names the
    /// reference field.
    pub const PARENT_OUT_OF_SCOPE: &str = "parent_out_of_scope";
    /// An op hands a record to someone the user's role may not give records
    /// to (a rep or a manager: outside their team): the message names the
    /// owner field.
    pub const HAND_OVER_REFUSED: &str = "hand_over_refused";
    /// As an op's verdict: a value is larger than its field holds; `field`
    /// names it, `limit` is the most bytes it holds. Nothing was applied.
    pub const FIELD_TOO_LARGE: &str = "field_too_large";
    /// As an op's verdict: the op would make its record larger than a record
    /// may be; `limit` is the most bytes a record holds.
    pub const RECORD_TOO_LARGE: &str = "record_too_large";
    /// As an op's verdict (outcome `rejected`): the device already used this
    /// sequence number for another op. The laptop was restored from a copy
    /// of its data folder; it must go on as a new device
    /// (`/api/v1/device/renew`) and send the op again. The server answers
    /// no op after it in the same push (they stay queued).
    pub const SEQ_REUSED: &str = "seq_reused";
    /// As an op's verdict: another live record of the kind holds the value
    /// of a field no two may share (a product's code); `field` names it.
    pub const TAKEN: &str = "taken";
    /// As an op's verdict: the change touches a document that was sent (a
    /// quote, or its lines) and never changes again; `number` names it.
    pub const DOCUMENT_LOCKED: &str = "document_locked";
    /// An intake request without a valid key (`x-crm-intake-key`).
    pub const INTAKE_KEY: &str = "intake_key";
    /// An intake request with a value its field does not take; `field`
    /// names it, `problem` says what is wrong.
    pub const INVALID: &str = "invalid";
    /// An intake request nobody in the key's team can take.
    pub const NO_ASSIGNEE: &str = "no_assignee";
}

/// `GET /api/v1/me`: who the token belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeResponse {
    /// The user.
    pub user: User,
    /// The device.
    pub device_id: Id,
    /// The server's clock (UTC ms), for skew warnings.
    pub server_time_ms: i64,
    /// The synced-schema version the server speaks (absent from the first
    /// release's answers: 1).
    #[serde(default = "first_schema")]
    pub schema_version: u32,
}

fn first_schema() -> u32 {
    FIRST_SCHEMA
}
