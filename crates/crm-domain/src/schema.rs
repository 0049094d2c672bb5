//! The field tables of every synced entity: column names, how a raw value is
//! parsed, and how sync merges concurrent edits of the field.
//!
//! A field's *canonical value* is a `serde_json::Value`: text as a string, whole
//! numbers (money in minor units, times in UTC milliseconds) as integers, lists
//! (tags, emails, phones) as arrays, record references as id strings, and `null`
//! for "no value". Outbox entries, field history and the sync wire all carry
//! canonical values, so every layer agrees on what a field holds.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    error::{Invalid, Problem},
    id::Id,
    value::{
        self, Currency, Email, MAX_LINE, MAX_LIST_BYTES, MAX_RECORD_BYTES, MAX_SHORT_BYTES,
        MAX_TEXT, MAX_TEXT_BYTES, Money, Phone, Website, value_bytes,
    },
};

/// The earliest moment a date-and-time field may hold (year 1900, UTC ms).
pub const MIN_MOMENT_MS: i64 = -2_208_988_800_000;
/// The latest moment a date-and-time field may hold (year 9999, UTC ms).
pub const MAX_MOMENT_MS: i64 = 253_402_300_799_999;

/// What sync does when the same field was changed on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergePolicy {
    /// Low-stakes: the later edit by hybrid logical clock wins.
    LastWriterWins,
    /// High-stakes (amount, stage, owner): keep the server's value and record a
    /// conflict holding both for a person to resolve.
    Conflict,
}

/// How a field's raw text is parsed and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Single-line text.
    Line,
    /// Multi-line free text.
    Text,
    /// One email address.
    Email,
    /// Several email addresses, comma separated when typed.
    Emails,
    /// One phone number.
    Phone,
    /// Several phone numbers, comma separated when typed.
    Phones,
    /// A web address.
    Website,
    /// One of a fixed set of values.
    Choice(&'static [&'static str]),
    /// A whole number within bounds.
    Int {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// An exact positive decimal number (an exchange rate), kept as its text
    /// (`"7.1234"`) so no binary fraction ever rounds it.
    Decimal {
        /// Most digits after the point.
        places: u8,
    },
    /// A quantity: an exact positive number of up to three decimals, kept
    /// as its text (`"2.5"`).
    Quantity,
    /// A length of working time (`4h`, `2d`, `1d4h`: an SLA's), kept in
    /// its canonical text.
    WorkingTime,
    /// A percentage from 0 to 100 with up to two decimals, kept as its text
    /// (`"13"`, `"7.5"`): a tax rate, a discount.
    Percent,
    /// Money in minor units; parsing needs the record's currency.
    Amount,
    /// An ISO 4217 code.
    Currency,
    /// A pipeline stage key; the store checks it against the pipeline.
    Stage,
    /// A calendar date, stored as `YYYY-MM-DD`.
    Date,
    /// A moment, stored as UTC milliseconds.
    DateTime,
    /// Free-form labels, comma separated when typed.
    Tags,
    /// Yes or no.
    Bool,
    /// A reference to another record.
    Ref(EntityKind),
    /// A reference to a record of any kind.
    AnyRef,
    /// Any canonical value, kept as JSON (a conflict's two values).
    Json,
}

/// How a field is held in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// TEXT column.
    Text,
    /// INTEGER column.
    Integer,
    /// TEXT column holding a JSON array.
    JsonList,
    /// BLOB column holding a 16-byte UUID.
    Uuid,
    /// TEXT column holding any JSON value.
    Json,
}

impl FieldType {
    /// The SQL storage class of this type.
    pub fn storage(&self) -> Storage {
        match self {
            FieldType::Int { .. } | FieldType::Amount | FieldType::DateTime | FieldType::Bool => {
                Storage::Integer
            }
            FieldType::Emails | FieldType::Phones | FieldType::Tags => Storage::JsonList,
            FieldType::Ref(_) | FieldType::AnyRef => Storage::Uuid,
            FieldType::Json => Storage::Json,
            FieldType::Line
            | FieldType::Text
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Website
            | FieldType::Choice(_)
            | FieldType::Decimal { .. }
            | FieldType::Quantity
            | FieldType::WorkingTime
            | FieldType::Percent
            | FieldType::Currency
            | FieldType::Stage
            | FieldType::Date => Storage::Text,
        }
    }
}

/// One field of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Column and wire name.
    pub name: &'static str,
    /// How raw text is parsed.
    pub ty: FieldType,
    /// How concurrent edits merge.
    pub policy: MergePolicy,
    /// Whether the full-text index covers it.
    pub searchable: bool,
    /// Whether a record must have a value.
    pub required: bool,
    /// The synced-schema version that introduced the field: a peer speaking
    /// an older version neither receives nor sends it.
    pub since: u32,
    /// The value a new record gets when none is given.
    pub default: Option<Fill>,
    /// Only the system sets it (through a use case such as converting a
    /// lead), never a person's edit.
    pub system: bool,
    /// Choice values only the system sets (a lead becomes `converted` only
    /// by being converted, with its account, contact and deal).
    pub reserved: &'static [&'static str],
}

/// A field's default value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Text (a choice, a stage).
    Text(&'static str),
    /// A whole number (an amount in minor units).
    Int(i64),
    /// Yes or no.
    Bool(bool),
}

impl Fill {
    /// The canonical value.
    pub fn value(&self) -> Value {
        match self {
            Fill::Text(t) => json!(t),
            Fill::Int(n) => json!(n),
            Fill::Bool(b) => json!(b),
        }
    }
}

const fn field(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        policy: MergePolicy::LastWriterWins,
        searchable: false,
        required: false,
        since: 1,
        default: None,
        system: false,
        reserved: &[],
    }
}

const fn guarded(name: &'static str, ty: FieldType) -> FieldDef {
    field(name, ty).conflicts()
}

const fn searched(name: &'static str, ty: FieldType) -> FieldDef {
    field(name, ty).searched()
}

impl FieldDef {
    /// Concurrent edits of this field become a conflict for a person to settle.
    pub const fn conflicts(mut self) -> Self {
        self.policy = MergePolicy::Conflict;
        self
    }

    /// The full-text index covers the field.
    pub const fn searched(mut self) -> Self {
        self.searchable = true;
        self
    }

    /// A record must have a value.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// New records get `fill` when no value is given.
    pub const fn or(mut self, fill: Fill) -> Self {
        self.default = Some(fill);
        self
    }

    /// Only the system sets it.
    pub const fn system(mut self) -> Self {
        self.system = true;
        self
    }

    /// These choice values only the system sets.
    pub const fn reserved(mut self, values: &'static [&'static str]) -> Self {
        self.reserved = values;
        self
    }

    /// Added in synced-schema version `version`.
    pub const fn since(mut self, version: u32) -> Self {
        self.since = version;
        self
    }
}

const LINE: FieldType = FieldType::Line;

/// Roles in the team directory.
/// `support` (version 5) works on the cases it holds and its team holds;
/// older peers see it as `rep` (see `upgrade::UPGRADES`).
pub const ROLES: &[&str] = &["rep", "manager", "admin", "support"];
/// Kinds of account.
pub const ACCOUNT_KINDS: &[&str] = &["company", "individual"];
/// Company size bands (employees).
pub const SIZES: &[&str] = &["1-10", "11-50", "51-200", "201-1000", "1000+"];
/// Where an account stands with us.
pub const LIFECYCLES: &[&str] = &["prospect", "customer", "former"];
/// How much an account matters to us (service levels and reports use it).
pub const TIERS: &[&str] = &["standard", "key", "strategic"];
/// How a contact prefers to be reached.
pub const CHANNELS: &[&str] = &["email", "phone", "visit", "message", "mail"];
/// Kinds of contact-history entry.
pub const INTERACTION_KINDS: &[&str] = &[
    "call", "visit", "meeting", "email", "note", "fax", "web", "message",
];
/// What a task is: a plain to-do, or a planned activity that becomes a
/// history entry of the same kind once done. No value means a to-do (a task
/// from before version 3, or from a laptop that does not know the field).
pub const ACTIVITIES: &[&str] = &["todo", "call", "visit", "meeting", "email"];
/// How a conflict was settled.
pub const RESOLUTIONS: &[&str] = &["mine", "theirs"];
/// Who started an interaction.
pub const DIRECTIONS: &[&str] = &["outbound", "inbound", "internal"];
/// Where a lead stands.
pub const LEAD_STATUSES: &[&str] = &["new", "working", "qualified", "disqualified", "converted"];

/// Every synced entity this build knows. The wire is open: a peer may name a
/// kind that is not here (see `crm_protocol`), and it is answered, not choked on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EntityKind {
    /// The team directory.
    User,
    /// A company or individual customer.
    Account,
    /// A person at an account.
    Contact,
    /// One entry of the contact history.
    Interaction,
    /// A not-yet-qualified prospect.
    Lead,
    /// A deal in the pipeline.
    Opportunity,
    /// A promise or to-do.
    Task,
    /// Two edits of one field that sync could not merge: both values, kept
    /// until a person chooses. Created by the server, resolved on a laptop.
    Conflict,
    /// The rate between two currencies on a day (reports and campaigns
    /// convert money with it).
    ExchangeRate,
    /// Something the team sells (the catalogue, kept by managers).
    Product,
    /// Prices in one currency for a time (kept by managers).
    PriceList,
    /// A product's price in a list, from a quantity on.
    Price,
    /// An offer to a customer: lines at list prices with explicit discounts.
    Quote,
    /// One line of a quote.
    QuoteLine,
    /// What a customer ordered (from an accepted quote, or entered).
    Order,
    /// One line of an order.
    OrderLine,
    /// Money received from a customer.
    Payment,
    /// The part of a payment that settles one order.
    PaymentAllocation,
    /// The team's own company, as its documents show it.
    Company,
    /// A customer's request for service: a fault, a question, a complaint.
    Case,
    /// A status move or an escalation of a case.
    CaseEvent,
    /// How fast cases of a priority must be answered and resolved.
    SlaPolicy,
    /// The team's business hours, holidays and make-up working days.
    Calendar,
    /// A knowledge-base article: a solution anyone can give.
    Article,
    /// A satisfaction answer (CSAT for a case, NPS for an account).
    Survey,
}

/// Where a record's owner (whose book it is in) comes from; the first source
/// that gives a user wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A user field that means "responsible for it": reassigning a departing
    /// rep's records rewrites it.
    Owner(&'static str),
    /// A reference to the parent record: the record is in its parent's book,
    /// and moves with it.
    Parent(&'static str),
    /// A user field that says who wrote it (kept when records are reassigned).
    Author(&'static str),
    /// Whoever created the record.
    Creator,
    /// Everyone's while this choice field has this value (a published
    /// article), else the next source's: the record enters and leaves
    /// the other books as the value changes.
    PublicWhen(&'static str, &'static str),
    /// A user field naming who works on the record besides its book's
    /// owner (a case's owner, often a support engineer who does not hold
    /// the account): that person sees it, and so do the support staff and
    /// the manager of `team` (the record's team field when set, else the
    /// person's team). Never decides the book; responsible for the record
    /// as an owner is (reassigning rewrites it). The records under it
    /// (a case's events, replies and surveys) are held the same way.
    Holder {
        /// The user field.
        user: &'static str,
        /// The record's own team field, if it has one.
        team: Option<&'static str>,
    },
}

/// Who may see a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Someone's book (and their manager's): the owner from these sources.
    Book(&'static [Source]),
    /// Everyone in the team (the directory, reference data).
    Team,
}

/// Who may write a record from a laptop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writers {
    /// Anyone who may see it.
    Anyone,
    /// Only these roles (reference data a manager keeps).
    Roles(&'static [&'static str]),
    /// Nobody: the server alone keeps it (the team directory).
    Server,
    /// The server creates it; a laptop may only change these fields.
    Fields(&'static [&'static str]),
}

/// The description of one kind of record: the single source every layer
/// (storage, validation, history, search, sync, scope, merge, reassignment,
/// lists) derives from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity {
    /// Which kind.
    pub kind: EntityKind,
    /// Singular name on the wire and in messages.
    pub name: &'static str,
    /// The SQL table.
    pub table: &'static str,
    /// The synced-schema version that introduced the kind.
    pub since: u32,
    /// Its fields (system columns such as ids and timestamps are not listed).
    pub fields: &'static [FieldDef],
    /// The field that names a record in lists, conflicts and history.
    pub title: Option<&'static str>,
    /// Who may see it.
    pub scope: Scope,
    /// Who may write it.
    pub writers: Writers,
    /// The columns shown in a list of these records, in order.
    pub list: &'static [&'static str],
    /// A field that, once set, marks the record finished (a task's
    /// `done_at`): finished records stay with whoever finished them when a
    /// departing rep's records are reassigned.
    pub done: Option<&'static str>,
    /// The reference whose record's `currency` its amounts are in (a
    /// price's list, a quote line's quote); `None`: its own `currency`.
    pub money_from: Option<&'static str>,
    /// Fields no two live records of the kind may share (a product's code):
    /// checked by the laptop's edits and by the server on every push.
    pub unique: &'static [&'static str],
}

const USER: Entity = Entity {
    kind: EntityKind::User,
    name: "user",
    table: "users",
    since: 1,
    fields: &[
        field("name", LINE).required(),
        field("email", FieldType::Email),
        guarded("role", FieldType::Choice(ROLES))
            .required()
            .or(Fill::Text("rep")),
        field("team", LINE),
        guarded("active", FieldType::Bool)
            .required()
            .or(Fill::Bool(true)),
    ],
    title: Some("name"),
    scope: Scope::Team,
    writers: Writers::Server,
    list: &["name", "email", "role", "team"],
    done: None,
    money_from: None,
    unique: &[],
};

const ACCOUNT: Entity = Entity {
    kind: EntityKind::Account,
    name: "account",
    table: "accounts",
    since: 1,
    fields: &[
        searched("name", LINE).required(),
        field("kind", FieldType::Choice(ACCOUNT_KINDS))
            .required()
            .or(Fill::Text("company")),
        searched("industry", LINE),
        searched("region", LINE),
        searched("address", LINE),
        searched("phone", FieldType::Phone),
        searched("email", FieldType::Email),
        searched("website", FieldType::Website),
        field("size", FieldType::Choice(SIZES)),
        guarded("lifecycle", FieldType::Choice(LIFECYCLES))
            .required()
            .or(Fill::Text("prospect")),
        searched("tags", FieldType::Tags),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        searched("notes", FieldType::Text),
        guarded("tier", FieldType::Choice(TIERS)).since(2),
        // The account's own price list, and its payment terms in days.
        field("price_list_id", FieldType::Ref(EntityKind::PriceList)).since(4),
        field("payment_terms_days", FieldType::Int { min: 0, max: 365 }).since(4),
    ],
    title: Some("name"),
    scope: Scope::Book(&[Source::Owner("owner_id"), Source::Creator]),
    writers: Writers::Anyone,
    list: &["name", "industry", "region", "lifecycle", "owner_id"],
    done: None,
    money_from: None,
    unique: &[],
};

const CONTACT: Entity = Entity {
    kind: EntityKind::Contact,
    name: "contact",
    table: "contacts",
    since: 1,
    fields: &[
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        searched("name", LINE).required(),
        searched("title", LINE),
        searched("emails", FieldType::Emails),
        searched("phones", FieldType::Phones),
        field("preferred_channel", FieldType::Choice(CHANNELS)),
        searched("notes", FieldType::Text),
    ],
    title: Some("name"),
    scope: Scope::Book(&[Source::Parent("account_id"), Source::Creator]),
    writers: Writers::Anyone,
    list: &["name", "title", "emails", "phones", "account_id"],
    done: None,
    money_from: None,
    unique: &[],
};

const INTERACTION: Entity = Entity {
    kind: EntityKind::Interaction,
    name: "interaction",
    table: "interactions",
    since: 1,
    fields: &[
        field("kind", FieldType::Choice(INTERACTION_KINDS))
            .required()
            .or(Fill::Text("note")),
        field("direction", FieldType::Choice(DIRECTIONS)),
        field("occurred_at", FieldType::DateTime).required(),
        searched("subject", LINE).required(),
        searched("body", FieldType::Text),
        searched("outcome", LINE),
        field("account_id", FieldType::Ref(EntityKind::Account)),
        field("contact_id", FieldType::Ref(EntityKind::Contact)),
        field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
        field("lead_id", FieldType::Ref(EntityKind::Lead)),
        field("author_id", FieldType::Ref(EntityKind::User)),
        // The case it answers or works on (a reply, a call, a visit).
        field("case_id", FieldType::Ref(EntityKind::Case)).since(5),
    ],
    title: Some("subject"),
    // A case's reply is in the case's book and held with it, so the
    // engineer working the case may write it without holding the account.
    scope: Scope::Book(&[
        Source::Parent("case_id"),
        Source::Parent("account_id"),
        Source::Parent("lead_id"),
        Source::Author("author_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &["occurred_at", "kind", "subject", "account_id", "author_id"],
    done: None,
    money_from: None,
    unique: &[],
};

const LEAD: Entity = Entity {
    kind: EntityKind::Lead,
    name: "lead",
    table: "leads",
    since: 1,
    fields: &[
        searched("name", LINE).required(),
        searched("company", LINE),
        searched("title", LINE),
        searched("email", FieldType::Email),
        searched("phone", FieldType::Phone),
        field("source", LINE),
        guarded("status", FieldType::Choice(LEAD_STATUSES))
            .required()
            .or(Fill::Text("new"))
            .reserved(&["converted"]),
        field("score", FieldType::Int { min: 0, max: 100 }),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        field("disqualify_reason", LINE),
        searched("notes", FieldType::Text),
        field("converted_account_id", FieldType::Ref(EntityKind::Account)).system(),
        field("converted_contact_id", FieldType::Ref(EntityKind::Contact)).system(),
        field(
            "converted_opportunity_id",
            FieldType::Ref(EntityKind::Opportunity),
        )
        .system(),
    ],
    title: Some("name"),
    scope: Scope::Book(&[Source::Owner("owner_id"), Source::Creator]),
    writers: Writers::Anyone,
    list: &["name", "company", "source", "status", "score", "owner_id"],
    done: None,
    money_from: None,
    unique: &[],
};

const OPPORTUNITY: Entity = Entity {
    kind: EntityKind::Opportunity,
    name: "opportunity",
    table: "opportunities",
    since: 1,
    fields: &[
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        searched("name", LINE).required(),
        guarded("stage", FieldType::Stage)
            .required()
            .or(Fill::Text("qualification")),
        guarded("amount", FieldType::Amount)
            .required()
            .or(Fill::Int(0)),
        guarded("currency", FieldType::Currency).required(),
        guarded("probability", FieldType::Int { min: 0, max: 100 }),
        field("close_date", FieldType::Date),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        field("lost_reason", LINE),
        field("lead_id", FieldType::Ref(EntityKind::Lead)),
        searched("notes", FieldType::Text),
    ],
    title: Some("name"),
    scope: Scope::Book(&[
        Source::Owner("owner_id"),
        Source::Parent("account_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &[
        "name",
        "account_id",
        "stage",
        "amount",
        "close_date",
        "owner_id",
    ],
    done: None,
    money_from: None,
    unique: &[],
};

const TASK: Entity = Entity {
    kind: EntityKind::Task,
    name: "task",
    table: "tasks",
    since: 1,
    fields: &[
        field("title", LINE).required(),
        field("due_date", FieldType::Date),
        guarded("assignee_id", FieldType::Ref(EntityKind::User)),
        field("account_id", FieldType::Ref(EntityKind::Account)),
        field("contact_id", FieldType::Ref(EntityKind::Contact)),
        field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
        field("lead_id", FieldType::Ref(EntityKind::Lead)),
        field("done_at", FieldType::DateTime),
        field("notes", FieldType::Text),
        // A planned call, visit or meeting. No default: a plain to-do made
        // on a new laptop stays an op an older server takes.
        field("activity", FieldType::Choice(ACTIVITIES)).since(3),
        field("starts_at", FieldType::DateTime).since(3),
        field("place", LINE).since(3),
        field("attendees", LINE).since(3),
    ],
    title: Some("title"),
    scope: Scope::Book(&[
        Source::Owner("assignee_id"),
        Source::Parent("account_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &["title", "due_date", "assignee_id", "account_id", "done_at"],
    done: Some("done_at"),
    money_from: None,
    unique: &[],
};

const CONFLICT: Entity = Entity {
    kind: EntityKind::Conflict,
    name: "conflict",
    table: "conflicts",
    since: 1,
    fields: &[
        field("entity", LINE).required(),
        field("record_id", FieldType::AnyRef),
        field("field", LINE).required(),
        field("base", FieldType::Json),
        field("mine", FieldType::Json),
        field("theirs", FieldType::Json),
        field("mine_by", FieldType::Ref(EntityKind::User)),
        field("theirs_by", FieldType::Ref(EntityKind::User)),
        field("mine_hlc", LINE),
        field("theirs_hlc", LINE),
        field("resolution", FieldType::Choice(RESOLUTIONS)),
        field("resolved_by", FieldType::Ref(EntityKind::User)),
        field("resolved_at", FieldType::DateTime),
    ],
    title: None,
    scope: Scope::Book(&[Source::Parent("record_id")]),
    writers: Writers::Fields(&["resolution", "resolved_by", "resolved_at"]),
    list: &["entity", "field", "mine_by", "theirs_by", "resolution"],
    done: None,
    money_from: None,
    unique: &[],
};

const EXCHANGE_RATE: Entity = Entity {
    kind: EntityKind::ExchangeRate,
    name: "exchange_rate",
    table: "exchange_rates",
    since: 2,
    fields: &[
        field("day", FieldType::Date).required(),
        field("from_currency", FieldType::Currency).required(),
        field("to_currency", FieldType::Currency).required(),
        guarded("rate", FieldType::Decimal { places: 8 }).required(),
        field("source", LINE),
    ],
    title: None,
    scope: Scope::Team,
    writers: Writers::Roles(&["manager", "admin"]),
    list: &["day", "from_currency", "to_currency", "rate", "source"],
    done: None,
    money_from: None,
    unique: &[],
};

/// A quote's status. Only `draft` is set by an edit; sending, revising,
/// accepting and rejecting are use cases (a sent quote never changes).
pub const QUOTE_STATUSES: &[&str] = &[
    "draft", "sent", "accepted", "rejected", "expired", "revised",
];

/// An order's status.
pub const ORDER_STATUSES: &[&str] = &["open", "fulfilled", "cancelled"];

/// How a payment was received.
pub const PAYMENT_METHODS: &[&str] =
    &["bank_transfer", "cash", "card", "cheque", "online", "other"];

/// The roles that keep the catalogue and the price lists.
const CATALOGUE_KEEPERS: &[&str] = &["manager", "admin"];

const PRODUCT: Entity = Entity {
    kind: EntityKind::Product,
    name: "product",
    table: "products",
    since: 4,
    fields: &[
        searched("code", LINE).required(),
        searched("name", LINE).required(),
        searched("description", FieldType::Text),
        field("unit", LINE),
        searched("category", LINE),
        field("tax_rate", FieldType::Percent),
        field("active", FieldType::Bool)
            .required()
            .or(Fill::Bool(true)),
    ],
    title: Some("name"),
    scope: Scope::Team,
    writers: Writers::Roles(CATALOGUE_KEEPERS),
    list: &["code", "name", "category", "unit", "tax_rate", "active"],
    done: None,
    money_from: None,
    unique: &["code"],
};

const PRICE_LIST: Entity = Entity {
    kind: EntityKind::PriceList,
    name: "price_list",
    table: "price_lists",
    since: 4,
    fields: &[
        searched("name", LINE).required(),
        field("currency", FieldType::Currency).required(),
        field("valid_from", FieldType::Date),
        field("valid_to", FieldType::Date),
        field("is_default", FieldType::Bool)
            .required()
            .or(Fill::Bool(false)),
        field("notes", FieldType::Text),
    ],
    title: Some("name"),
    scope: Scope::Team,
    writers: Writers::Roles(CATALOGUE_KEEPERS),
    list: &["name", "currency", "valid_from", "valid_to", "is_default"],
    done: None,
    money_from: None,
    unique: &["name"],
};

const PRICE: Entity = Entity {
    kind: EntityKind::Price,
    name: "price",
    table: "prices",
    since: 4,
    fields: &[
        field("price_list_id", FieldType::Ref(EntityKind::PriceList)).required(),
        field("product_id", FieldType::Ref(EntityKind::Product)).required(),
        // A quantity break: the price from this quantity on (none: from 1).
        field("min_quantity", FieldType::Quantity),
        guarded("unit_price", FieldType::Amount).required(),
    ],
    title: None,
    scope: Scope::Team,
    writers: Writers::Roles(CATALOGUE_KEEPERS),
    list: &["price_list_id", "product_id", "min_quantity", "unit_price"],
    done: None,
    money_from: Some("price_list_id"),
    unique: &[],
};

const QUOTE: Entity = Entity {
    kind: EntityKind::Quote,
    name: "quote",
    table: "quotes",
    since: 4,
    fields: &[
        searched("number", LINE).system(),
        field("revision", FieldType::Int { min: 1, max: 999 })
            .required()
            .or(Fill::Int(1))
            .system(),
        field("revises_id", FieldType::Ref(EntityKind::Quote)).system(),
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        field("contact_id", FieldType::Ref(EntityKind::Contact)),
        field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
        guarded("price_list_id", FieldType::Ref(EntityKind::PriceList)).required(),
        guarded("currency", FieldType::Currency).required().system(),
        field("issued_on", FieldType::Date),
        field("valid_until", FieldType::Date),
        guarded("status", FieldType::Choice(QUOTE_STATUSES))
            .required()
            .or(Fill::Text("draft"))
            .reserved(&["sent", "accepted", "rejected", "expired", "revised"]),
        field("sent_at", FieldType::DateTime).system(),
        field("reject_reason", LINE),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        field("terms", FieldType::Text),
        searched("notes", FieldType::Text),
    ],
    title: Some("number"),
    scope: Scope::Book(&[
        Source::Parent("account_id"),
        Source::Owner("owner_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &["number", "account_id", "status", "valid_until", "owner_id"],
    done: None,
    money_from: None,
    unique: &[],
};

/// The fields of a document's line (a quote's or an order's), after the
/// reference to its document.
macro_rules! line_fields {
    ($parent:literal, $kind:expr) => {
        &[
            field($parent, FieldType::Ref($kind)).required(),
            field(
                "position",
                FieldType::Int {
                    min: 1,
                    max: 10_000,
                },
            )
            .required(),
            field("product_id", FieldType::Ref(EntityKind::Product)),
            searched("description", LINE).required(),
            guarded("quantity", FieldType::Quantity).required(),
            field("unit", LINE),
            guarded("unit_price", FieldType::Amount).required(),
            guarded("discount_percent", FieldType::Percent),
            guarded("discount_amount", FieldType::Amount),
            guarded("tax_rate", FieldType::Percent),
        ]
    };
}

const QUOTE_LINE: Entity = Entity {
    kind: EntityKind::QuoteLine,
    name: "quote_line",
    table: "quote_lines",
    since: 4,
    fields: line_fields!("quote_id", EntityKind::Quote),
    title: Some("description"),
    scope: Scope::Book(&[Source::Parent("quote_id")]),
    writers: Writers::Anyone,
    list: &[
        "position",
        "description",
        "quantity",
        "unit_price",
        "tax_rate",
    ],
    done: None,
    money_from: Some("quote_id"),
    unique: &[],
};

const ORDER: Entity = Entity {
    kind: EntityKind::Order,
    name: "order",
    table: "orders",
    since: 4,
    fields: &[
        searched("number", LINE).system(),
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        field("contact_id", FieldType::Ref(EntityKind::Contact)),
        field("quote_id", FieldType::Ref(EntityKind::Quote)).system(),
        field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
        guarded("currency", FieldType::Currency).required(),
        guarded("status", FieldType::Choice(ORDER_STATUSES))
            .required()
            .or(Fill::Text("open")),
        field("ordered_on", FieldType::Date).required(),
        field("payment_terms_days", FieldType::Int { min: 0, max: 365 }),
        guarded("due_date", FieldType::Date),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        searched("notes", FieldType::Text),
    ],
    title: Some("number"),
    // In its account's book, and held by its owner and team besides.
    scope: Scope::Book(&[
        Source::Parent("account_id"),
        Source::Holder {
            user: "owner_id",
            team: Some("team"),
        },
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &[
        "number",
        "account_id",
        "status",
        "ordered_on",
        "due_date",
        "owner_id",
    ],
    done: None,
    money_from: None,
    unique: &[],
};

const ORDER_LINE: Entity = Entity {
    kind: EntityKind::OrderLine,
    name: "order_line",
    table: "order_lines",
    since: 4,
    fields: line_fields!("order_id", EntityKind::Order),
    title: Some("description"),
    scope: Scope::Book(&[Source::Parent("order_id")]),
    writers: Writers::Anyone,
    list: &[
        "position",
        "description",
        "quantity",
        "unit_price",
        "tax_rate",
    ],
    done: None,
    money_from: Some("order_id"),
    unique: &[],
};

const PAYMENT: Entity = Entity {
    kind: EntityKind::Payment,
    name: "payment",
    table: "payments",
    since: 4,
    fields: &[
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        guarded("amount", FieldType::Amount).required(),
        guarded("currency", FieldType::Currency).required(),
        field("received_on", FieldType::Date).required(),
        field("method", FieldType::Choice(PAYMENT_METHODS)),
        searched("reference", LINE),
        // Money received before anything was ordered (or beyond what is
        // owed): kept as the account's credit.
        field("prepayment", FieldType::Bool)
            .required()
            .or(Fill::Bool(false)),
        field("notes", FieldType::Text),
    ],
    title: Some("reference"),
    scope: Scope::Book(&[Source::Parent("account_id"), Source::Creator]),
    writers: Writers::Anyone,
    list: &["received_on", "account_id", "amount", "method", "reference"],
    done: None,
    money_from: None,
    unique: &[],
};

const PAYMENT_ALLOCATION: Entity = Entity {
    kind: EntityKind::PaymentAllocation,
    name: "payment_allocation",
    table: "payment_allocations",
    since: 4,
    fields: &[
        field("payment_id", FieldType::Ref(EntityKind::Payment)).required(),
        field("order_id", FieldType::Ref(EntityKind::Order)).required(),
        guarded("amount", FieldType::Amount).required(),
    ],
    title: None,
    scope: Scope::Book(&[Source::Parent("payment_id")]),
    writers: Writers::Anyone,
    list: &["payment_id", "order_id", "amount"],
    done: None,
    money_from: Some("payment_id"),
    unique: &[],
};

/// The team's own company as its documents show it (name, address, tax id,
/// bank, logo). One record; should there be two, the last changed counts.
const COMPANY: Entity = Entity {
    kind: EntityKind::Company,
    name: "company",
    table: "companies",
    since: 4,
    fields: &[
        field("name", LINE).required(),
        field("address", FieldType::Text),
        field("phone", FieldType::Phone),
        field("email", FieldType::Email),
        field("website", FieldType::Website),
        field("tax_id", LINE),
        field("bank", FieldType::Text),
        // Printed under every quote unless the quote says otherwise.
        field("terms", FieldType::Text),
        // A PNG or JPEG, base64 (at most 48 KB of image), set from a file.
        field("logo", FieldType::Text).system(),
    ],
    title: Some("name"),
    scope: Scope::Team,
    writers: Writers::Roles(CATALOGUE_KEEPERS),
    list: &["name", "phone", "email", "tax_id"],
    done: None,
    money_from: None,
    unique: &[],
};

/// How urgent a case is, lowest first (escalation raises it one step at a
/// time, never past `urgent`).
pub const CASE_PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// Where a case stands. `waiting` (on the customer) stops its SLA clock.
/// Moves go through the flow of `crm_domain::service` (a closed case is
/// reopened before anyone works on it again).
pub const CASE_STATUSES: &[&str] = &["new", "in_progress", "waiting", "resolved", "closed"];

/// How a case reached us.
pub const CASE_CHANNELS: &[&str] = &["phone", "email", "web", "visit", "message", "other"];

/// What happened to a case: a status move, or an escalation.
pub const CASE_EVENT_KINDS: &[&str] = &["status", "escalation"];

/// The two clocks of a case's service level.
pub const SLA_TARGETS: &[&str] = &["first_response", "resolution"];

/// An article's state: a draft is its author's (and the managers'), a
/// published one everyone's.
pub const ARTICLE_STATUSES: &[&str] = &["draft", "published"];

/// Languages an article is written in.
pub const ARTICLE_LANGUAGES: &[&str] = &["en", "zh", "es"];

/// What a satisfaction answer measures: CSAT (1-5, per resolved case) or
/// NPS (0-10, per account).
pub const SURVEY_KINDS: &[&str] = &["csat", "nps"];

/// Where a satisfaction answer came from.
pub const SURVEY_SOURCES: &[&str] = &["staff", "import", "web"];

/// The roles that keep service levels and business calendars.
const SERVICE_KEEPERS: &[&str] = &["manager", "admin"];

const CASE: Entity = Entity {
    kind: EntityKind::Case,
    name: "case",
    table: "cases",
    since: 5,
    fields: &[
        searched("number", LINE).system(),
        guarded("account_id", FieldType::Ref(EntityKind::Account)).required(),
        field("contact_id", FieldType::Ref(EntityKind::Contact)),
        field("product_id", FieldType::Ref(EntityKind::Product)),
        field("order_id", FieldType::Ref(EntityKind::Order)),
        searched("subject", LINE).required(),
        searched("description", FieldType::Text),
        field("channel", FieldType::Choice(CASE_CHANNELS)),
        searched("category", LINE),
        guarded("priority", FieldType::Choice(CASE_PRIORITIES))
            .required()
            .or(Fill::Text("normal")),
        // Moved by the flow only (`case_move`), each move a case event.
        guarded("status", FieldType::Choice(CASE_STATUSES))
            .required()
            .or(Fill::Text("new"))
            .system(),
        guarded("owner_id", FieldType::Ref(EntityKind::User)),
        field("team", LINE),
        // When the SLA clock started: the moment the case was opened.
        field("opened_at", FieldType::DateTime).required().system(),
        field("resolved_at", FieldType::DateTime).system(),
        field("solution_article_id", FieldType::Ref(EntityKind::Article)).system(),
    ],
    title: Some("subject"),
    // In its account's book, and held by its owner and team besides.
    scope: Scope::Book(&[
        Source::Parent("account_id"),
        Source::Holder {
            user: "owner_id",
            team: Some("team"),
        },
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &[
        "number",
        "subject",
        "account_id",
        "priority",
        "status",
        "owner_id",
    ],
    done: Some("resolved_at"),
    money_from: None,
    unique: &[],
};

/// A status move or an escalation of a case: the facts its SLA clock is
/// computed from (when it waited on the customer) and its history. An
/// escalation's id is derived from the case, the clock and the level, so
/// two laptops escalating one case offline write one record.
const CASE_EVENT: Entity = Entity {
    kind: EntityKind::CaseEvent,
    name: "case_event",
    table: "case_events",
    since: 5,
    fields: &[
        field("case_id", FieldType::Ref(EntityKind::Case)).required(),
        field("kind", FieldType::Choice(CASE_EVENT_KINDS))
            .required()
            .or(Fill::Text("status")),
        field("at", FieldType::DateTime).required(),
        field("from_status", FieldType::Choice(CASE_STATUSES)),
        field("to_status", FieldType::Choice(CASE_STATUSES)),
        field("target", FieldType::Choice(SLA_TARGETS)),
        field("level", FieldType::Int { min: 1, max: 2 }),
        field("from_priority", FieldType::Choice(CASE_PRIORITIES)),
        field("to_priority", FieldType::Choice(CASE_PRIORITIES)),
        field("note", FieldType::Text),
        field("author_id", FieldType::Ref(EntityKind::User)),
    ],
    title: None,
    scope: Scope::Book(&[Source::Parent("case_id")]),
    writers: Writers::Anyone,
    list: &["at", "kind", "from_status", "to_status", "author_id"],
    done: None,
    money_from: None,
    unique: &[],
};

/// How fast cases of a priority (and, optionally, of accounts of a tier)
/// must be answered and resolved, in the team's working time.
const SLA_POLICY: Entity = Entity {
    kind: EntityKind::SlaPolicy,
    name: "sla_policy",
    table: "sla_policies",
    since: 5,
    fields: &[
        field("priority", FieldType::Choice(CASE_PRIORITIES)).required(),
        field("tier", FieldType::Choice(TIERS)),
        guarded("first_response", FieldType::WorkingTime).required(),
        guarded("resolution", FieldType::WorkingTime).required(),
        // Escalate this long before a due time (none: only once past it).
        field("warn_before", FieldType::WorkingTime),
        // A breached case's priority is raised to this (if lower).
        field("raise_to", FieldType::Choice(CASE_PRIORITIES)),
    ],
    title: Some("priority"),
    scope: Scope::Team,
    writers: Writers::Roles(SERVICE_KEEPERS),
    list: &[
        "priority",
        "tier",
        "first_response",
        "resolution",
        "warn_before",
        "raise_to",
    ],
    done: None,
    money_from: None,
    unique: &[],
};

/// The team's business hours, as `crm_domain::sla::Calendar` reads them.
/// One record; should there be two, the last changed counts.
const CALENDAR: Entity = Entity {
    kind: EntityKind::Calendar,
    name: "calendar",
    table: "calendars",
    since: 5,
    fields: &[
        field("name", LINE).required(),
        field("tz", LINE).required(),
        field("days", LINE).required(),
        field("hours", LINE).required(),
        // Dates, comma separated (YYYY-MM-DD).
        field("holidays", FieldType::Text),
        // Make-up working days (调休), comma separated.
        field("workdays", FieldType::Text),
    ],
    title: Some("name"),
    scope: Scope::Team,
    writers: Writers::Roles(SERVICE_KEEPERS),
    list: &["name", "tz", "days", "hours"],
    done: None,
    money_from: None,
    unique: &[],
};

const ARTICLE: Entity = Entity {
    kind: EntityKind::Article,
    name: "article",
    table: "articles",
    since: 5,
    fields: &[
        searched("title", LINE).required(),
        searched("body", FieldType::Text).required(),
        field("language", FieldType::Choice(ARTICLE_LANGUAGES)),
        searched("tags", FieldType::Tags),
        field("product_id", FieldType::Ref(EntityKind::Product)),
        searched("category", LINE),
        field("status", FieldType::Choice(ARTICLE_STATUSES))
            .required()
            .or(Fill::Text("draft")),
        field("author_id", FieldType::Ref(EntityKind::User)),
        // The resolved case it was written from.
        field("case_id", FieldType::Ref(EntityKind::Case)),
    ],
    title: Some("title"),
    // Published: everyone's; a draft: its author's (and their manager's).
    scope: Scope::Book(&[
        Source::PublicWhen("status", "published"),
        Source::Author("author_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &["title", "language", "category", "status", "author_id"],
    done: None,
    money_from: None,
    unique: &[],
};

/// A satisfaction answer: CSAT 1-5 for a resolved case, NPS 0-10 for an
/// account.
const SURVEY: Entity = Entity {
    kind: EntityKind::Survey,
    name: "survey",
    table: "surveys",
    since: 5,
    fields: &[
        field("kind", FieldType::Choice(SURVEY_KINDS)).required(),
        field("account_id", FieldType::Ref(EntityKind::Account)).required(),
        field("case_id", FieldType::Ref(EntityKind::Case)),
        guarded("score", FieldType::Int { min: 0, max: 10 }).required(),
        field("comment", FieldType::Text),
        field("answered_at", FieldType::DateTime).required(),
        field("source", FieldType::Choice(SURVEY_SOURCES)),
        field("recorded_by", FieldType::Ref(EntityKind::User)),
    ],
    title: None,
    scope: Scope::Book(&[
        Source::Parent("case_id"),
        Source::Parent("account_id"),
        Source::Creator,
    ]),
    writers: Writers::Anyone,
    list: &["answered_at", "kind", "score", "account_id", "case_id"],
    done: None,
    money_from: None,
    unique: &[],
};

impl EntityKind {
    /// All entities, parents before children (the order a first sync applies).
    pub const ALL: [EntityKind; 25] = [
        EntityKind::User,
        EntityKind::Account,
        EntityKind::Contact,
        EntityKind::Lead,
        EntityKind::Opportunity,
        EntityKind::Interaction,
        EntityKind::Task,
        EntityKind::Conflict,
        EntityKind::ExchangeRate,
        EntityKind::Product,
        EntityKind::PriceList,
        EntityKind::Price,
        EntityKind::Quote,
        EntityKind::QuoteLine,
        EntityKind::Order,
        EntityKind::OrderLine,
        EntityKind::Payment,
        EntityKind::PaymentAllocation,
        EntityKind::Company,
        EntityKind::Calendar,
        EntityKind::SlaPolicy,
        EntityKind::Case,
        EntityKind::CaseEvent,
        EntityKind::Article,
        EntityKind::Survey,
    ];

    /// The kind's description.
    pub const fn entity(&self) -> &'static Entity {
        match self {
            EntityKind::User => &USER,
            EntityKind::Account => &ACCOUNT,
            EntityKind::Contact => &CONTACT,
            EntityKind::Interaction => &INTERACTION,
            EntityKind::Lead => &LEAD,
            EntityKind::Opportunity => &OPPORTUNITY,
            EntityKind::Task => &TASK,
            EntityKind::Conflict => &CONFLICT,
            EntityKind::ExchangeRate => &EXCHANGE_RATE,
            EntityKind::Product => &PRODUCT,
            EntityKind::PriceList => &PRICE_LIST,
            EntityKind::Price => &PRICE,
            EntityKind::Quote => &QUOTE,
            EntityKind::QuoteLine => &QUOTE_LINE,
            EntityKind::Order => &ORDER,
            EntityKind::OrderLine => &ORDER_LINE,
            EntityKind::Payment => &PAYMENT,
            EntityKind::PaymentAllocation => &PAYMENT_ALLOCATION,
            EntityKind::Company => &COMPANY,
            EntityKind::Case => &CASE,
            EntityKind::CaseEvent => &CASE_EVENT,
            EntityKind::SlaPolicy => &SLA_POLICY,
            EntityKind::Calendar => &CALENDAR,
            EntityKind::Article => &ARTICLE,
            EntityKind::Survey => &SURVEY,
        }
    }

    /// The SQL table.
    pub fn table(&self) -> &'static str {
        self.entity().table
    }

    /// The singular name used on the wire and in messages.
    pub fn name(&self) -> &'static str {
        self.entity().name
    }

    /// The fields a person can set (system columns such as ids and timestamps
    /// are not listed).
    pub fn fields(&self) -> &'static [FieldDef] {
        self.entity().fields
    }

    /// The definition of `name`, if this entity has such a field.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Whether a peer speaking synced-schema `version` knows this kind.
    pub fn known_at(&self, version: u32) -> bool {
        self.entity().since <= version
    }

    /// The kinds whose records point at a record of this kind, with the
    /// field that does (what a merge re-points).
    pub fn referenced_by(&self) -> Vec<(EntityKind, &'static str)> {
        EntityKind::ALL
            .into_iter()
            .flat_map(|kind| {
                kind.fields()
                    .iter()
                    .filter(|f| f.ty == FieldType::Ref(*self))
                    .map(move |f| (kind, f.name))
            })
            .collect()
    }

    /// Parse user text for `field` into its canonical value. `currency` is
    /// needed for amounts.
    pub fn parse_field(
        &self,
        field: &str,
        raw: &str,
        currency: Option<Currency>,
    ) -> Result<Value, Invalid> {
        let def = self
            .field(field)
            .ok_or_else(|| Invalid::new(field, Problem::UnknownField))?;
        def.parse(raw, currency).map_err(|p| Invalid::new(field, p))
    }

    /// Check a canonical value for `field`, as every door checks it: the
    /// laptop's writer, a pulled record, an import and the server.
    pub fn check_field(&self, field: &str, value: &Value) -> Result<(), Invalid> {
        let def = self
            .field(field)
            .ok_or_else(|| Invalid::new(field, Problem::UnknownField))?;
        def.check(value).map_err(|p| Invalid::new(field, p))
    }
}

impl Entity {
    /// The field that makes someone responsible for the record (reassigning
    /// a departing rep's records rewrites it).
    pub fn owner(&self) -> Option<&'static str> {
        match self.scope {
            Scope::Book(sources) => sources.iter().find_map(|s| match s {
                Source::Owner(f) | Source::Holder { user: f, .. } => Some(*f),
                Source::Parent(_)
                | Source::Author(_)
                | Source::Creator
                | Source::PublicWhen(..) => None,
            }),
            Scope::Team => None,
        }
    }

    /// The field that says who wrote the record (kept when records are
    /// reassigned): a person's new record names them there.
    pub fn author(&self) -> Option<&'static str> {
        match self.scope {
            Scope::Book(sources) => sources.iter().find_map(|s| match s {
                Source::Author(f) => Some(*f),
                Source::Owner(_)
                | Source::Holder { .. }
                | Source::Parent(_)
                | Source::Creator
                | Source::PublicWhen(..) => None,
            }),
            Scope::Team => None,
        }
    }

    /// The user field naming who holds the record besides its book, and
    /// the record's own team field for the holder's team (`Source::Holder`).
    pub fn holder(&self) -> Option<(&'static str, Option<&'static str>)> {
        match self.scope {
            Scope::Book(sources) => sources.iter().find_map(|s| match s {
                Source::Holder { user, team } => Some((*user, *team)),
                _ => None,
            }),
            Scope::Team => None,
        }
    }

    /// The reference fields to parent records whose book this record is in.
    pub fn parents(&self) -> Vec<&'static str> {
        match self.scope {
            Scope::Book(sources) => sources
                .iter()
                .filter_map(|s| match s {
                    Source::Parent(f) => Some(*f),
                    Source::Owner(_)
                    | Source::Holder { .. }
                    | Source::Author(_)
                    | Source::Creator
                    | Source::PublicWhen(..) => None,
                })
                .collect(),
            Scope::Team => Vec::new(),
        }
    }
}

/// A kind's description as user interfaces read it (`describe`): the
/// generic list, form and detail views are drawn from it, so no layer keeps
/// its own copy of fields, choices or columns.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Description {
    /// The kind's wire name.
    pub kind: &'static str,
    /// The synced-schema version that introduced it.
    pub since: u32,
    /// The field that names a record.
    pub title: Option<&'static str>,
    /// The columns of its list.
    pub list: &'static [&'static str],
    /// Team-wide (`true`) or in someone's book.
    pub team_wide: bool,
    /// The roles that may change it (empty: anyone who sees it).
    pub editors: Vec<&'static str>,
    /// Whether a person may create and change it at all.
    pub editable: bool,
    /// Its fields.
    pub fields: Vec<FieldDescription>,
}

/// One field, as [`Description`] tells it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldDescription {
    /// Name.
    pub name: &'static str,
    /// `line`, `text`, `email`, `emails`, `phone`, `phones`, `website`,
    /// `choice`, `int`, `decimal`, `amount`, `currency`, `stage`, `date`,
    /// `date_time`, `tags`, `bool`, `ref`, `any_ref` or `json`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The values of a choice (keys; shown translated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<&'static [&'static str]>,
    /// Bounds of a whole number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Bounds of a whole number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Most decimals of an exact number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub places: Option<u8>,
    /// The kind a reference points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<&'static str>,
    /// Must have a value.
    pub required: bool,
    /// The value a new record gets.
    #[ts(type = "string | number | boolean | null")]
    pub default: Option<Value>,
    /// Covered by search.
    pub searchable: bool,
    /// Concurrent edits become a conflict for a person to settle.
    pub conflicts: bool,
    /// Set by the app itself only.
    pub system: bool,
    /// Choice values only the app sets.
    pub reserved: &'static [&'static str],
}

impl Entity {
    /// The description user interfaces read.
    pub fn describe(&self) -> Description {
        let (editable, editors) = match self.writers {
            Writers::Anyone => (true, Vec::new()),
            Writers::Roles(roles) => (true, roles.to_vec()),
            Writers::Server | Writers::Fields(_) => (false, Vec::new()),
        };
        Description {
            kind: self.name,
            since: self.since,
            title: self.title,
            list: self.list,
            team_wide: self.scope == Scope::Team,
            editors,
            editable,
            fields: self.fields.iter().map(FieldDef::describe).collect(),
        }
    }
}

impl FieldDef {
    /// The field as [`Description`] tells it.
    pub fn describe(&self) -> FieldDescription {
        let (ty, choices, min, max, places, refers_to) = match self.ty {
            FieldType::Line => ("line", None, None, None, None, None),
            FieldType::Text => ("text", None, None, None, None, None),
            FieldType::Email => ("email", None, None, None, None, None),
            FieldType::Emails => ("emails", None, None, None, None, None),
            FieldType::Phone => ("phone", None, None, None, None, None),
            FieldType::Phones => ("phones", None, None, None, None, None),
            FieldType::Website => ("website", None, None, None, None, None),
            FieldType::Choice(c) => ("choice", Some(c), None, None, None, None),
            FieldType::Int { min, max } => ("int", None, Some(min), Some(max), None, None),
            FieldType::Decimal { places } => ("decimal", None, None, None, Some(places), None),
            FieldType::Quantity => ("decimal", None, None, None, Some(3), None),
            FieldType::WorkingTime => ("duration", None, None, None, None, None),
            FieldType::Percent => ("percent", None, Some(0), Some(100), Some(2), None),
            FieldType::Amount => ("amount", None, None, None, None, None),
            FieldType::Currency => ("currency", None, None, None, None, None),
            FieldType::Stage => ("stage", None, None, None, None, None),
            FieldType::Date => ("date", None, None, None, None, None),
            FieldType::DateTime => ("date_time", None, None, None, None, None),
            FieldType::Tags => ("tags", None, None, None, None, None),
            FieldType::Bool => ("bool", None, None, None, None, None),
            FieldType::Ref(kind) => ("ref", None, None, None, None, Some(kind.name())),
            FieldType::AnyRef => ("any_ref", None, None, None, None, None),
            FieldType::Json => ("json", None, None, None, None, None),
        };
        FieldDescription {
            name: self.name,
            ty,
            choices,
            min,
            max,
            places,
            refers_to,
            required: self.required,
            default: self.default.map(|f| f.value()),
            searchable: self.searchable,
            conflicts: self.policy == MergePolicy::Conflict,
            system: self.system,
            reserved: self.reserved,
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EntityKind {
    type Err = Problem;

    fn from_str(s: &str) -> Result<Self, Problem> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.name() == s || k.table() == s)
            .ok_or(Problem::OneOf {
                allowed: EntityKind::ALL.map(|k| k.name()).join(", "),
            })
    }
}

fn list(raw: &str, parse: impl Fn(&str) -> Result<String, Problem>) -> Result<Value, Problem> {
    let items = raw
        .split([',', ';', '，', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .collect::<Result<Vec<_>, _>>()?;
    let mut unique: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    Ok(json!(unique))
}

impl FieldDef {
    /// The most bytes a value of this field may take ([`value_bytes`]):
    /// long text 64 KiB, lists 16 KiB, a conflict's copy of values a whole
    /// record, anything else 4 KiB.
    pub fn max_bytes(&self) -> usize {
        match self.ty {
            FieldType::Text => MAX_TEXT_BYTES,
            FieldType::Tags | FieldType::Emails | FieldType::Phones => MAX_LIST_BYTES,
            FieldType::Json => MAX_RECORD_BYTES,
            FieldType::Line
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Website
            | FieldType::Choice(_)
            | FieldType::Int { .. }
            | FieldType::Decimal { .. }
            | FieldType::Quantity
            | FieldType::WorkingTime
            | FieldType::Percent
            | FieldType::Amount
            | FieldType::Currency
            | FieldType::Stage
            | FieldType::Date
            | FieldType::DateTime
            | FieldType::Bool
            | FieldType::Ref(_)
            | FieldType::AnyRef => MAX_SHORT_BYTES,
        }
    }

    /// Check a canonical value (as the outbox, the wire and the tables carry
    /// it). `null` (or `[]` for lists) means "no value", refused for a
    /// required field. The one check every door uses: the laptop's writer,
    /// a pulled record, an import and the server. Size comes first: a value
    /// larger than [`FieldDef::max_bytes`] is `TooLarge` whatever else it is.
    pub fn check(&self, value: &Value) -> Result<(), Problem> {
        let max_bytes = self.max_bytes();
        if value_bytes(value) > max_bytes {
            return Err(Problem::TooLarge { max_bytes });
        }
        let text = |max: usize| -> Result<(), Problem> {
            let s = value.as_str().ok_or(Problem::Empty)?;
            if s.trim().is_empty() {
                return Err(Problem::Empty);
            }
            if s.chars().count() > max {
                return Err(Problem::TooLong { max });
            }
            Ok(())
        };
        let list = |each: &dyn Fn(&str) -> Result<(), Problem>| -> Result<(), Problem> {
            let items = value.as_array().ok_or(Problem::Empty)?;
            for item in items {
                each(item.as_str().ok_or(Problem::Empty)?)?;
            }
            Ok(())
        };
        let empty = match value {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::String(s) => s.trim().is_empty() && self.ty != FieldType::Json,
            _ => false,
        };
        if empty {
            return if self.required {
                Err(Problem::Empty)
            } else {
                Ok(())
            };
        }
        match self.ty {
            FieldType::Line => text(MAX_LINE),
            FieldType::Text => text(MAX_TEXT),
            FieldType::Email => text(MAX_LINE).and_then(|()| {
                value
                    .as_str()
                    .unwrap_or_default()
                    .parse::<Email>()
                    .map(drop)
            }),
            FieldType::Phone => text(MAX_LINE).and_then(|()| {
                value
                    .as_str()
                    .unwrap_or_default()
                    .parse::<Phone>()
                    .map(drop)
            }),
            FieldType::Website => text(MAX_LINE).and_then(|()| {
                value
                    .as_str()
                    .unwrap_or_default()
                    .parse::<Website>()
                    .map(drop)
            }),
            FieldType::Emails => list(&|s| s.parse::<Email>().map(drop)),
            FieldType::Phones => list(&|s| s.parse::<Phone>().map(drop)),
            FieldType::Tags => list(&|s| value::required_text(s, 60).map(drop)),
            FieldType::Choice(allowed) => value
                .as_str()
                .filter(|s| allowed.contains(s))
                .map(drop)
                .ok_or_else(|| Problem::OneOf {
                    allowed: allowed.join(", "),
                }),
            FieldType::Int { min, max } => value
                .as_i64()
                .filter(|n| (min..=max).contains(n))
                .map(drop)
                .ok_or(Problem::Range { min, max }),
            FieldType::Decimal { places } => value
                .as_str()
                .ok_or(Problem::Decimal { places })
                .and_then(|s| value::decimal(s, places))
                .and_then(|normal| {
                    // Canonical: as the parser writes it.
                    (Some(normal.as_str()) == value.as_str())
                        .then_some(())
                        .ok_or(Problem::Decimal { places })
                }),
            FieldType::Quantity => value
                .as_str()
                .and_then(|s| value::decimal(s, 3).ok().filter(|n| n == s))
                .map(drop)
                .ok_or(Problem::Decimal { places: 3 }),
            FieldType::WorkingTime => value
                .as_str()
                .ok_or(Problem::Empty)
                .and_then(crate::sla::WorkingTime::parse)
                .and_then(|t| {
                    (Some(t.to_string().as_str()) == value.as_str())
                        .then_some(())
                        .ok_or(Problem::Duration {
                            max_days: crate::sla::WorkingTime::MAX_DAYS,
                        })
                }),
            FieldType::Percent => value
                .as_str()
                .and_then(|s| value::percent(s).ok().filter(|n| n == s))
                .map(drop)
                .ok_or(Problem::Percent),
            FieldType::Amount => value.as_i64().map(drop).ok_or(Problem::Range {
                min: i64::MIN,
                max: i64::MAX,
            }),
            FieldType::DateTime => value
                .as_i64()
                .filter(|ms| (MIN_MOMENT_MS..=MAX_MOMENT_MS).contains(ms))
                .map(drop)
                .ok_or(Problem::DateTime),
            FieldType::Currency => value
                .as_str()
                .and_then(|s| s.parse::<Currency>().ok().filter(|c| c.code() == s))
                .map(drop)
                .ok_or(Problem::Currency),
            FieldType::Stage => text(60),
            FieldType::Date => value
                .as_str()
                .filter(|s| value::date(s).is_ok_and(|d| d.format("%Y-%m-%d").to_string() == *s))
                .map(drop)
                .ok_or(Problem::Date),
            FieldType::Bool => value.is_boolean().then_some(()).ok_or(Problem::OneOf {
                allowed: "yes, no".into(),
            }),
            FieldType::Ref(_) | FieldType::AnyRef => value
                .as_str()
                .filter(|s| s.parse::<Id>().is_ok())
                .map(drop)
                .ok_or(Problem::Id),
            FieldType::Json => Ok(()),
        }
    }

    /// The value of a field nobody gave: its default, an empty list, or null.
    pub fn empty(&self) -> Value {
        match (self.default, self.ty.storage()) {
            (Some(fill), _) => fill.value(),
            (None, Storage::JsonList) => json!([]),
            (None, _) => Value::Null,
        }
    }

    /// Parse user text into the canonical value. Empty text clears an optional
    /// field (`null`, or `[]` for lists). A value larger than the field holds
    /// is refused here already (an import's dry run names the row), as the
    /// check refuses it.
    pub fn parse(&self, raw: &str, currency: Option<Currency>) -> Result<Value, Problem> {
        let value = self.parse_text(raw, currency)?;
        let max_bytes = self.max_bytes();
        if value_bytes(&value) > max_bytes {
            return Err(Problem::TooLarge { max_bytes });
        }
        Ok(value)
    }

    fn parse_text(&self, raw: &str, currency: Option<Currency>) -> Result<Value, Problem> {
        let text = raw.trim();
        let is_list = self.ty.storage() == Storage::JsonList;
        if text.is_empty() {
            return match self.ty {
                _ if self.required => Err(Problem::Empty),
                _ if is_list => Ok(json!([])),
                _ => Ok(Value::Null),
            };
        }
        Ok(match self.ty {
            FieldType::Line => json!(value::required_text(text, MAX_LINE)?),
            FieldType::Text => json!(value::required_text(text, MAX_TEXT)?),
            FieldType::Email => json!(text.parse::<Email>()?.as_str()),
            FieldType::Emails => list(text, |s| s.parse::<Email>().map(|e| e.as_str().to_owned()))?,
            FieldType::Phone => json!(text.parse::<Phone>()?.as_str()),
            FieldType::Phones => list(text, |s| s.parse::<Phone>().map(|p| p.as_str().to_owned()))?,
            FieldType::Website => json!(text.parse::<Website>()?.as_str()),
            FieldType::Tags => list(text, |s| value::required_text(s, 60))?,
            FieldType::Choice(allowed) => {
                let lower = text.to_lowercase();
                let found =
                    allowed
                        .iter()
                        .find(|a| **a == lower)
                        .ok_or_else(|| Problem::OneOf {
                            allowed: allowed.join(", "),
                        })?;
                json!(found)
            }
            FieldType::Stage => json!(text.to_lowercase()),
            FieldType::Int { min, max } => json!(value::bounded_int(text, min, max)?),
            FieldType::Decimal { places } => json!(value::decimal(text, places)?),
            FieldType::Quantity => json!(value::decimal(text, 3)?),
            FieldType::WorkingTime => json!(crate::sla::WorkingTime::parse(text)?.to_string()),
            FieldType::Percent => json!(value::percent(text)?),
            FieldType::Amount => {
                let currency = currency.ok_or(Problem::Currency)?;
                json!(Money::parse(text, currency)?.minor)
            }
            FieldType::Currency => json!(text.parse::<Currency>()?.code()),
            FieldType::Date => json!(value::date(text)?.format("%Y-%m-%d").to_string()),
            FieldType::DateTime => json!(value::local_date_time(text)?.timestamp_millis()),
            FieldType::Bool => match text.to_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => json!(true),
                "false" | "no" | "0" | "off" => json!(false),
                _ => {
                    return Err(Problem::OneOf {
                        allowed: "yes, no".into(),
                    });
                }
            },
            FieldType::Ref(_) | FieldType::AnyRef => json!(text.parse::<Id>()?.to_string()),
            FieldType::Json => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_unique_field_names() {
        for kind in EntityKind::ALL {
            let mut names: Vec<_> = kind.fields().iter().map(|f| f.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{kind} repeats a field");
        }
    }

    #[test]
    fn high_stakes_fields_conflict_instead_of_last_writer_wins() {
        let opp = EntityKind::Opportunity;
        for name in ["amount", "stage", "owner_id"] {
            assert_eq!(
                opp.field(name).unwrap().policy,
                MergePolicy::Conflict,
                "{name}"
            );
        }
        let account = EntityKind::Account;
        assert_eq!(
            account.field("phone").unwrap().policy,
            MergePolicy::LastWriterWins
        );
    }

    #[test]
    fn parse_names_the_field_and_the_problem() {
        let err = EntityKind::Account
            .parse_field("email", "not-an-email", None)
            .unwrap_err();
        assert_eq!(err.field, "email");
        assert_eq!(err.problem, Problem::Email);
        assert!(err.to_string().starts_with("email is not an email address"));
        let err = EntityKind::Account
            .parse_field("colour", "red", None)
            .unwrap_err();
        assert_eq!(err.problem, Problem::UnknownField);
    }

    #[test]
    fn lists_split_on_western_and_chinese_commas_and_drop_repeats() {
        let tags = EntityKind::Account
            .parse_field("tags", "vip， 重点客户,vip", None)
            .unwrap();
        assert_eq!(tags, json!(["vip", "重点客户"]));
        let emails = EntityKind::Contact
            .parse_field("emails", "a@x.com; b@y.org", None)
            .unwrap();
        assert_eq!(emails, json!(["a@x.com", "b@y.org"]));
        assert!(
            EntityKind::Contact
                .parse_field("emails", "a@x.com, nope", None)
                .is_err()
        );
    }

    #[test]
    fn empty_text_clears_optional_fields_and_is_refused_for_required_ones() {
        assert_eq!(
            EntityKind::Account
                .parse_field("industry", " ", None)
                .unwrap(),
            Value::Null
        );
        assert_eq!(
            EntityKind::Account.parse_field("tags", "", None).unwrap(),
            json!([])
        );
        let err = EntityKind::Account
            .parse_field("name", "  ", None)
            .unwrap_err();
        assert_eq!(err.problem, Problem::Empty);
    }

    #[test]
    fn amounts_need_the_currency() {
        let cny: Currency = "CNY".parse().unwrap();
        let opp = EntityKind::Opportunity;
        assert_eq!(
            opp.parse_field("amount", "12000.50", Some(cny)).unwrap(),
            json!(1_200_050)
        );
        assert!(opp.parse_field("amount", "12000.505", Some(cny)).is_err());
    }

    #[test]
    fn the_check_every_door_uses_names_the_field_and_the_problem() {
        let refused = |kind: EntityKind, field: &str, value: Value| {
            kind.check_field(field, &value)
                .expect_err(&format!("{kind}.{field} = {value} must be refused"))
        };
        let e = refused(EntityKind::Account, "lifecycle", json!("friend"));
        assert_eq!(
            (e.field.as_str(), e.problem.code()),
            ("lifecycle", "one_of")
        );
        let e = refused(EntityKind::Account, "email", json!("not-an-email"));
        assert_eq!(e.problem, Problem::Email);
        let e = refused(EntityKind::Lead, "score", json!(900));
        assert_eq!(e.problem, Problem::Range { min: 0, max: 100 });
        assert_eq!(
            refused(EntityKind::Contact, "account_id", Value::Null).problem,
            Problem::Empty
        );
        assert_eq!(
            refused(EntityKind::Account, "name", json!("  ")).problem,
            Problem::Empty
        );
        refused(EntityKind::Opportunity, "currency", json!("XYZ"));
        refused(EntityKind::Task, "due_date", json!("2026-02-30"));
        refused(EntityKind::Interaction, "occurred_at", json!(u64::MAX));
        refused(EntityKind::ExchangeRate, "rate", json!("7,1"));
        refused(EntityKind::ExchangeRate, "rate", json!(7.1));
        refused(EntityKind::Account, "tags", json!("vip"));
        for (kind, field, value) in [
            (EntityKind::Account, "lifecycle", json!("customer")),
            (EntityKind::Account, "email", json!("ana@example.es")),
            (EntityKind::Account, "industry", Value::Null),
            (EntityKind::Account, "tags", json!([])),
            (EntityKind::Lead, "score", json!(100)),
            (EntityKind::ExchangeRate, "rate", json!("7.1234")),
            (EntityKind::Task, "due_date", json!("2026-12-04")),
        ] {
            assert!(
                kind.check_field(field, &value).is_ok(),
                "{kind}.{field} = {value}"
            );
        }
    }

    #[test]
    fn exact_rates_are_kept_as_text_in_one_canonical_form() {
        let rate = |raw: &str| EntityKind::ExchangeRate.parse_field("rate", raw, None);
        assert_eq!(rate("7.12340").unwrap(), json!("7.1234"));
        assert_eq!(rate("0007,5").unwrap(), json!("7.5"), "a Spanish comma");
        assert_eq!(rate("12").unwrap(), json!("12"));
        assert_eq!(rate("0.00000001").unwrap(), json!("0.00000001"));
        assert!(rate("0.000000001").is_err(), "more places than allowed");
        assert!(rate("0").is_err(), "a rate of zero converts nothing");
        assert!(rate("-1").is_err());
        assert!(rate("1e3").is_err());
    }

    #[test]
    fn every_kind_is_described_once_and_consistently() {
        for kind in EntityKind::ALL {
            let entity = kind.entity();
            assert_eq!(entity.kind, kind);
            assert_eq!(entity.name.parse::<EntityKind>().unwrap(), kind);
            assert!(entity.since >= 1 && entity.since <= crate::change::SCHEMA_VERSION);
            for def in entity.fields {
                assert!(def.since <= crate::change::SCHEMA_VERSION);
                if let Some(fill) = def.default {
                    assert!(
                        def.check(&fill.value()).is_ok(),
                        "{kind}.{} default",
                        def.name
                    );
                }
            }
            for name in entity
                .list
                .iter()
                .chain(entity.title.iter())
                .chain(entity.done.iter())
            {
                assert!(
                    kind.field(name).is_some(),
                    "{kind} names an unknown field {name}"
                );
            }
            for parent in entity.parents() {
                assert!(
                    matches!(
                        kind.field(parent).map(|d| d.ty),
                        Some(FieldType::Ref(_) | FieldType::AnyRef)
                    ),
                    "{kind}.{parent} must be a reference"
                );
            }
            if let Some(owner) = entity.owner() {
                assert_eq!(
                    kind.field(owner).unwrap().ty,
                    FieldType::Ref(EntityKind::User)
                );
            }
        }
    }

    #[test]
    fn a_value_larger_than_its_field_holds_is_refused_by_its_size() {
        let refused = |kind: EntityKind, field: &str, value: Value| {
            kind.check_field(field, &value)
                .expect_err("the check refuses it")
        };
        let max = MAX_TEXT_BYTES;
        // Long text is measured in bytes of UTF-8: three per Chinese character.
        assert!(
            EntityKind::Interaction
                .check_field("body", &json!("a".repeat(max)))
                .is_ok()
        );
        let e = refused(EntityKind::Interaction, "body", json!("a".repeat(max + 1)));
        assert_eq!(e.problem, Problem::TooLarge { max_bytes: max });
        assert_eq!(e.problem.code(), "too_large");
        let e = refused(
            EntityKind::Account,
            "notes",
            json!("备".repeat(max / 3 + 1)),
        );
        assert_eq!(e.problem, Problem::TooLarge { max_bytes: max });
        // A list is measured as its JSON, whatever each item may be.
        let tags: Vec<String> = (0..1_000).map(|i| format!("tag number {i}")).collect();
        let e = refused(EntityKind::Account, "tags", json!(tags));
        assert_eq!(
            e.problem,
            Problem::TooLarge {
                max_bytes: MAX_LIST_BYTES
            }
        );
        // A short field's 4 KiB hold its 500 characters in any script; more
        // is too large before it is too long.
        let e = refused(EntityKind::Account, "name", json!("x".repeat(5_000)));
        assert!(matches!(e.problem, Problem::TooLarge { .. }));
        // Typed or imported text is refused as it is parsed.
        let e = EntityKind::Account
            .parse_field("notes", &"n".repeat(max + 1), None)
            .unwrap_err();
        assert_eq!(e.problem, Problem::TooLarge { max_bytes: max });
    }
}
