//! The records people work with, as read back from the store.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{id::Id, value::Money};

/// A member of the team directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Record id.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// Login and contact address.
    pub email: Option<String>,
    /// `rep`, `manager` or `admin`.
    pub role: String,
    /// Team name; a manager sees the team's records.
    pub team: Option<String>,
    /// False once the person has left.
    pub active: bool,
}

/// Who created and last changed a record, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Option<Id>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was deleted (soft), if it was.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A company or individual customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Record id.
    pub id: Id,
    /// Company or person name.
    pub name: String,
    /// `company` or `individual`.
    pub kind: String,
    /// Industry.
    pub industry: Option<String>,
    /// Sales region.
    pub region: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Main phone.
    pub phone: Option<String>,
    /// Main email.
    pub email: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Size band.
    pub size: Option<String>,
    /// `prospect`, `customer` or `former`.
    pub lifecycle: String,
    /// Labels.
    pub tags: Vec<String>,
    /// The responsible rep.
    pub owner_id: Option<Id>,
    /// The responsible rep's name.
    pub owner_name: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Creation and change stamps.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// A person at an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Record id.
    pub id: Id,
    /// The account the person works for.
    pub account_id: Id,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Email addresses, preferred first.
    pub emails: Vec<String>,
    /// Phone numbers, preferred first.
    pub phones: Vec<String>,
    /// How they like to be reached.
    pub preferred_channel: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Creation and change stamps.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// One entry of the contact history: a call, visit, meeting, email, note...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// Record id.
    pub id: Id,
    /// `call`, `visit`, `meeting`, `email`, `note`, `fax`, `web` or `message`.
    pub kind: String,
    /// `outbound`, `inbound` or `internal`.
    pub direction: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// One-line summary.
    pub subject: String,
    /// Full text.
    pub body: Option<String>,
    /// What came of it.
    pub outcome: Option<String>,
    /// Linked account.
    pub account_id: Option<Id>,
    /// Linked contact.
    pub contact_id: Option<Id>,
    /// Linked contact's name.
    pub contact_name: Option<String>,
    /// Linked deal.
    pub opportunity_id: Option<Id>,
    /// Linked lead.
    pub lead_id: Option<Id>,
    /// Who wrote it.
    pub author_id: Option<Id>,
    /// The author's name.
    pub author_name: Option<String>,
    /// Creation and change stamps.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// A prospect not yet qualified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// Record id.
    pub id: Id,
    /// Person's name.
    pub name: String,
    /// Their company.
    pub company: Option<String>,
    /// Their job title.
    pub title: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Where the lead came from (exhibition, web, referral...).
    pub source: Option<String>,
    /// `new`, `working`, `qualified`, `disqualified` or `converted`.
    pub status: String,
    /// 0-100, higher is hotter.
    pub score: Option<i64>,
    /// The responsible rep.
    pub owner_id: Option<Id>,
    /// Why it was disqualified.
    pub disqualify_reason: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// The account it became.
    pub converted_account_id: Option<Id>,
    /// The contact it became.
    pub converted_contact_id: Option<Id>,
    /// The deal it became.
    pub converted_opportunity_id: Option<Id>,
    /// Creation and change stamps.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// A deal in the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Record id.
    pub id: Id,
    /// The customer.
    pub account_id: Id,
    /// The customer's name.
    pub account_name: Option<String>,
    /// Deal name.
    pub name: String,
    /// Pipeline stage key.
    pub stage: String,
    /// Expected value.
    pub amount: Money,
    /// Win probability in percent.
    pub probability: Option<i64>,
    /// Expected close date.
    pub close_date: Option<NaiveDate>,
    /// The responsible rep.
    pub owner_id: Option<Id>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// The lead it came from.
    pub lead_id: Option<Id>,
    /// Free notes.
    pub notes: Option<String>,
    /// Creation and change stamps.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// One stage of the sales pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Stable key (`proposal`).
    pub key: String,
    /// Order in the pipeline.
    pub position: i64,
    /// Default win probability for deals entering the stage.
    pub probability: i64,
    /// Whether deals in this stage are closed (won or lost).
    pub closed: bool,
    /// Whether this stage means won.
    pub won: bool,
}

/// The stages a new database starts with.
pub fn default_pipeline() -> Vec<Stage> {
    [
        ("qualification", 10, false, false),
        ("needs-analysis", 20, false, false),
        ("proposal", 50, false, false),
        ("negotiation", 75, false, false),
        ("won", 100, true, true),
        ("lost", 0, true, false),
    ]
    .into_iter()
    .zip(1..)
    .map(|((key, probability, closed, won), position)| Stage {
        key: key.to_owned(),
        position,
        probability,
        closed,
        won,
    })
    .collect()
}

/// One changed field, as field history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldHistory {
    /// The field.
    pub field: String,
    /// Value before (canonical form).
    pub old: serde_json::Value,
    /// Value after (canonical form).
    pub new: serde_json::Value,
    /// Who changed it.
    pub changed_by: Option<Id>,
    /// Their name.
    pub changed_by_name: Option<String>,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The operation: insert, update, delete, restore, merge...
    pub op: String,
}
