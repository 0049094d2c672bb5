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
    value::{self, Currency, Email, MAX_LINE, MAX_TEXT, Money, Phone, Website},
};

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
    /// Single-line text; `required` refuses empty.
    Line {
        /// Whether the field must have a value.
        required: bool,
    },
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
            _ => Storage::Text,
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
}

const fn field(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        policy: MergePolicy::LastWriterWins,
        searchable: false,
    }
}

const fn guarded(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        policy: MergePolicy::Conflict,
        searchable: false,
    }
}

const fn searched(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        policy: MergePolicy::LastWriterWins,
        searchable: true,
    }
}

const LINE: FieldType = FieldType::Line { required: false };
const REQUIRED: FieldType = FieldType::Line { required: true };

/// Roles in the team directory.
pub const ROLES: &[&str] = &["rep", "manager", "admin"];
/// Kinds of account.
pub const ACCOUNT_KINDS: &[&str] = &["company", "individual"];
/// Company size bands (employees).
pub const SIZES: &[&str] = &["1-10", "11-50", "51-200", "201-1000", "1000+"];
/// Where an account stands with us.
pub const LIFECYCLES: &[&str] = &["prospect", "customer", "former"];
/// How a contact prefers to be reached.
pub const CHANNELS: &[&str] = &["email", "phone", "visit", "message", "mail"];
/// Kinds of contact-history entry.
pub const INTERACTION_KINDS: &[&str] = &[
    "call", "visit", "meeting", "email", "note", "fax", "web", "message",
];
/// How a conflict was settled.
pub const RESOLUTIONS: &[&str] = &["mine", "theirs"];
/// Who started an interaction.
pub const DIRECTIONS: &[&str] = &["outbound", "inbound", "internal"];
/// Where a lead stands.
pub const LEAD_STATUSES: &[&str] = &["new", "working", "qualified", "disqualified", "converted"];

/// Every synced entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
}

const USER_FIELDS: &[FieldDef] = &[
    field("name", REQUIRED),
    field("email", FieldType::Email),
    guarded("role", FieldType::Choice(ROLES)),
    field("team", LINE),
    guarded("active", FieldType::Bool),
];

const ACCOUNT_FIELDS: &[FieldDef] = &[
    searched("name", REQUIRED),
    field("kind", FieldType::Choice(ACCOUNT_KINDS)),
    searched("industry", LINE),
    searched("region", LINE),
    searched("address", LINE),
    searched("phone", FieldType::Phone),
    searched("email", FieldType::Email),
    searched("website", FieldType::Website),
    field("size", FieldType::Choice(SIZES)),
    guarded("lifecycle", FieldType::Choice(LIFECYCLES)),
    searched("tags", FieldType::Tags),
    guarded("owner_id", FieldType::Ref(EntityKind::User)),
    searched("notes", FieldType::Text),
];

const CONTACT_FIELDS: &[FieldDef] = &[
    guarded("account_id", FieldType::Ref(EntityKind::Account)),
    searched("name", REQUIRED),
    searched("title", LINE),
    searched("emails", FieldType::Emails),
    searched("phones", FieldType::Phones),
    field("preferred_channel", FieldType::Choice(CHANNELS)),
    searched("notes", FieldType::Text),
];

const INTERACTION_FIELDS: &[FieldDef] = &[
    field("kind", FieldType::Choice(INTERACTION_KINDS)),
    field("direction", FieldType::Choice(DIRECTIONS)),
    field("occurred_at", FieldType::DateTime),
    searched("subject", REQUIRED),
    searched("body", FieldType::Text),
    searched("outcome", LINE),
    field("account_id", FieldType::Ref(EntityKind::Account)),
    field("contact_id", FieldType::Ref(EntityKind::Contact)),
    field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
    field("lead_id", FieldType::Ref(EntityKind::Lead)),
    field("author_id", FieldType::Ref(EntityKind::User)),
];

const LEAD_FIELDS: &[FieldDef] = &[
    searched("name", REQUIRED),
    searched("company", LINE),
    searched("title", LINE),
    searched("email", FieldType::Email),
    searched("phone", FieldType::Phone),
    field("source", LINE),
    guarded("status", FieldType::Choice(LEAD_STATUSES)),
    field("score", FieldType::Int { min: 0, max: 100 }),
    guarded("owner_id", FieldType::Ref(EntityKind::User)),
    field("disqualify_reason", LINE),
    searched("notes", FieldType::Text),
    field("converted_account_id", FieldType::Ref(EntityKind::Account)),
    field("converted_contact_id", FieldType::Ref(EntityKind::Contact)),
    field(
        "converted_opportunity_id",
        FieldType::Ref(EntityKind::Opportunity),
    ),
];

const OPPORTUNITY_FIELDS: &[FieldDef] = &[
    guarded("account_id", FieldType::Ref(EntityKind::Account)),
    searched("name", REQUIRED),
    guarded("stage", FieldType::Stage),
    guarded("amount", FieldType::Amount),
    guarded("currency", FieldType::Currency),
    guarded("probability", FieldType::Int { min: 0, max: 100 }),
    field("close_date", FieldType::Date),
    guarded("owner_id", FieldType::Ref(EntityKind::User)),
    field("lost_reason", LINE),
    field("lead_id", FieldType::Ref(EntityKind::Lead)),
    searched("notes", FieldType::Text),
];

const TASK_FIELDS: &[FieldDef] = &[
    field("title", REQUIRED),
    field("due_date", FieldType::Date),
    guarded("assignee_id", FieldType::Ref(EntityKind::User)),
    field("account_id", FieldType::Ref(EntityKind::Account)),
    field("contact_id", FieldType::Ref(EntityKind::Contact)),
    field("opportunity_id", FieldType::Ref(EntityKind::Opportunity)),
    field("lead_id", FieldType::Ref(EntityKind::Lead)),
    field("done_at", FieldType::DateTime),
    field("notes", FieldType::Text),
];

const CONFLICT_FIELDS: &[FieldDef] = &[
    field("entity", REQUIRED),
    field("record_id", FieldType::AnyRef),
    field("field", REQUIRED),
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
];

impl EntityKind {
    /// All entities, parents before children (the order a first sync applies).
    pub const ALL: [EntityKind; 8] = [
        EntityKind::User,
        EntityKind::Account,
        EntityKind::Contact,
        EntityKind::Lead,
        EntityKind::Opportunity,
        EntityKind::Interaction,
        EntityKind::Task,
        EntityKind::Conflict,
    ];

    /// The SQL table.
    pub fn table(&self) -> &'static str {
        match self {
            EntityKind::User => "users",
            EntityKind::Account => "accounts",
            EntityKind::Contact => "contacts",
            EntityKind::Interaction => "interactions",
            EntityKind::Lead => "leads",
            EntityKind::Opportunity => "opportunities",
            EntityKind::Task => "tasks",
            EntityKind::Conflict => "conflicts",
        }
    }

    /// The singular name used on the wire and in messages.
    pub fn name(&self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Account => "account",
            EntityKind::Contact => "contact",
            EntityKind::Interaction => "interaction",
            EntityKind::Lead => "lead",
            EntityKind::Opportunity => "opportunity",
            EntityKind::Task => "task",
            EntityKind::Conflict => "conflict",
        }
    }

    /// The fields a person can set (system columns such as ids and timestamps
    /// are not listed).
    pub fn fields(&self) -> &'static [FieldDef] {
        match self {
            EntityKind::User => USER_FIELDS,
            EntityKind::Account => ACCOUNT_FIELDS,
            EntityKind::Contact => CONTACT_FIELDS,
            EntityKind::Interaction => INTERACTION_FIELDS,
            EntityKind::Lead => LEAD_FIELDS,
            EntityKind::Opportunity => OPPORTUNITY_FIELDS,
            EntityKind::Task => TASK_FIELDS,
            EntityKind::Conflict => CONFLICT_FIELDS,
        }
    }

    /// The definition of `name`, if this entity has such a field.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| f.name == name)
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
    /// Parse user text into the canonical value. Empty text clears an optional
    /// field (`null`, or `[]` for lists).
    pub fn parse(&self, raw: &str, currency: Option<Currency>) -> Result<Value, Problem> {
        let text = raw.trim();
        let is_list = self.ty.storage() == Storage::JsonList;
        if text.is_empty() {
            return match self.ty {
                FieldType::Line { required: true } => Err(Problem::Empty),
                _ if is_list => Ok(json!([])),
                _ => Ok(Value::Null),
            };
        }
        Ok(match self.ty {
            FieldType::Line { .. } => json!(value::required_text(text, MAX_LINE)?),
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
}
