//! Requests that never lack an owner: a web form or a mail gateway posts a
//! case or a lead to `POST /api/v1/intake/case|lead` with its key; the
//! server checks it, gives it to the next member of the key's team in turn,
//! and writes it as ordinary records in that person's book, so it reaches
//! their laptop at its next sync.
//!
//! A case needs an account: the requester's email names one, made the first
//! time (an account and a contact with ids derived from the email, so a
//! second request from the same person lands on the same customer, whoever
//! serves it and however many server processes run). A lead comes with a
//! follow-up task due the next day, so it is called back.

use crm_domain::{EntityKind, Hlc, Id, Invalid, schema::MAX_MOMENT_MS};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    auth,
    backend::{Backend, IntakeKey, StorageError, StorageResult, Tx, UserRow},
    sync,
};

/// The largest intake body accepted: a description at its longest (64 KiB)
/// and the rest, escaped, fit; a 10 MB one is refused before it is read.
pub const MAX_INTAKE_BODY: usize = 256 * 1024;

/// What intake keys make.
pub const KINDS: &[&str] = &["case", "lead"];

/// A case as a web form or a mail gateway sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// Who asks.
    pub name: String,
    /// Their email: it names the customer (required).
    pub email: String,
    /// Their phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their company.
    #[serde(default)]
    pub company: Option<String>,
    /// What it is about.
    pub subject: String,
    /// Their words.
    #[serde(default)]
    pub description: Option<String>,
    /// `low`, `normal`, `high` or `urgent` [default: normal].
    #[serde(default)]
    pub priority: Option<String>,
    /// `web` or `email` [default: web].
    #[serde(default)]
    pub channel: Option<String>,
    /// Its category.
    #[serde(default)]
    pub category: Option<String>,
    /// The requester's region: the key's route for it names the team.
    #[serde(default)]
    pub region: Option<String>,
}

/// A lead as a web form sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadRequest {
    /// Who.
    pub name: String,
    /// Their company.
    #[serde(default)]
    pub company: Option<String>,
    /// Their email.
    #[serde(default)]
    pub email: Option<String>,
    /// Their phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their job title.
    #[serde(default)]
    pub title: Option<String>,
    /// Where it came from [default: web].
    #[serde(default)]
    pub source: Option<String>,
    /// What they wrote.
    #[serde(default)]
    pub notes: Option<String>,
    /// Their region: the key's route for it names the team.
    #[serde(default)]
    pub region: Option<String>,
}

/// The answer to an accepted request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Accepted {
    /// The record made (the case, the lead).
    pub id: Id,
    /// The case's number, to quote when asking about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// A field's value is wrong (missing, too long, not an email...).
    #[error("{0}")]
    Invalid(Invalid),
    /// Nobody in the key's team can take it.
    #[error(
        "nobody in team {team} can take requests; add a member or give the key to another team"
    )]
    NoAssignee {
        /// The team.
        team: String,
    },
    /// The key makes the other kind of request.
    #[error("this key sends {kind} requests")]
    WrongKind {
        /// What it sends.
        kind: String,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<Invalid> for IntakeError {
    fn from(e: Invalid) -> Self {
        IntakeError::Invalid(e)
    }
}

/// Make an intake key for `team` (and, by `routes` such as `华南=South`,
/// for other teams for requests from their regions); returns it and the key
/// itself, shown once.
pub fn add_key(
    db: &impl Backend,
    kind: &str,
    team: &str,
    name: &str,
    routes: &[String],
    now_ms: i64,
) -> anyhow::Result<(IntakeKey, String)> {
    let mut parsed = Vec::new();
    for route in routes {
        match route.split_once('=') {
            Some((region, to)) if !region.trim().is_empty() && !to.trim().is_empty() => {
                parsed.push(format!("{}={}", region.trim(), to.trim()));
            }
            _ => anyhow::bail!("--route is REGION=TEAM (for example 华南=South), not {route}"),
        }
    }
    let kind = kind.trim().to_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        anyhow::bail!("--kind is case or lead, not {kind}");
    }
    let team = team.trim();
    let name = name.trim();
    if team.is_empty() || name.is_empty() {
        anyhow::bail!("a key needs a team (--team) and a name (--name)");
    }
    let secret = format!("crmi_{}", auth::new_token());
    let key = IntakeKey {
        id: Id::new(),
        key_hash: auth::token_hash(&secret),
        kind,
        team: team.to_owned(),
        name: name.to_owned(),
        routes: (!parsed.is_empty()).then(|| parsed.join(";")),
        created_at: now_ms,
        revoked_at: None,
    };
    let members = db.write(|tx| {
        tx.insert_intake_key(&key)?;
        Ok(assignees(tx, &key.team)?.len())
    })?;
    if members == 0 {
        eprintln!(
            "warning: team {} has no active member yet; its requests are refused until it has one",
            key.team
        );
    }
    Ok((key, secret))
}

/// The key a request names, if it is valid.
pub fn key_of(tx: &mut dyn Tx, secret: &str) -> StorageResult<Option<IntakeKey>> {
    Ok(tx
        .intake_key(&auth::token_hash(secret.trim()))?
        .filter(|k| k.revoked_at.is_none()))
}

/// Who takes a team's requests in turn: its active reps and support staff,
/// else its managers, by id (a stable order for the turn).
fn assignees(tx: &mut dyn Tx, team: &str) -> StorageResult<Vec<UserRow>> {
    let mut members: Vec<UserRow> = tx
        .users()?
        .into_iter()
        .filter(|u| u.active && u.team.as_deref() == Some(team))
        .collect();
    members.sort_by_key(|u| u.id);
    let workers: Vec<UserRow> = members
        .iter()
        .filter(|u| matches!(u.role.as_str(), "rep" | "support"))
        .cloned()
        .collect();
    Ok(if workers.is_empty() {
        members
            .into_iter()
            .filter(|u| u.role == "manager")
            .collect()
    } else {
        workers
    })
}

/// The team a request goes to: the key's route for its region (compared
/// without regard to case), else the key's team.
pub fn team_for(key: &IntakeKey, region: Option<&str>) -> String {
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    key.routes
        .as_deref()
        .unwrap_or_default()
        .split(';')
        .filter_map(|route| route.split_once('='))
        .find(|(from, _)| region.is_some_and(|r| from.trim().to_lowercase() == r.to_lowercase()))
        .map_or_else(|| key.team.clone(), |(_, team)| team.trim().to_owned())
}

/// The next member of `team` in turn (a counter per key and team, locked
/// until commit, so two server processes never give two requests to the
/// same turn).
fn next_owner(tx: &mut dyn Tx, key: &IntakeKey, team: &str) -> Result<UserRow, IntakeError> {
    let members = assignees(tx, team)?;
    if members.is_empty() {
        return Err(IntakeError::NoAssignee {
            team: team.to_owned(),
        });
    }
    let turn = tx.next_counter(&format!("intake:{}:{team}", key.id))?;
    let at = usize::try_from(turn - 1).unwrap_or(0) % members.len();
    Ok(members[at].clone())
}

/// Text a person typed, trimmed; empty is none.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Check `value` for `field` of `entity` as typed (parsed by the field's
/// parser, as on a laptop): its canonical value.
fn typed(entity: EntityKind, field: &str, value: &str) -> Result<Value, Invalid> {
    entity.parse_field(field, value, None)
}

/// An id derived from the requester's email, the same on every server
/// process: a second request from them finds the customer the first made.
fn derived(what: &str, email: &str) -> Id {
    const NAMESPACE: Uuid = Uuid::from_u128(0x2b8e_61f0_94c7_4d5a_8f13_77c2_0e6b_a941);
    Id(Uuid::new_v5(
        &NAMESPACE,
        format!("intake/{what}/{}", email.to_lowercase()).as_bytes(),
    ))
}

/// Write a new record the server makes for `owner` (see
/// [`sync::create_record`]).
fn create(
    tx: &mut dyn Tx,
    entity: EntityKind,
    id: Id,
    fields: Vec<(&str, Value)>,
    owner: &UserRow,
    hlc: &Hlc,
) -> Result<(), IntakeError> {
    match sync::create_record(tx, entity, id, &fields, owner.id, hlc)? {
        Ok(()) => Ok(()),
        Err(invalid) => Err(invalid.into()),
    }
}

fn server_hlc(now_ms: i64) -> Hlc {
    Hlc {
        wall_ms: u64::try_from(now_ms.clamp(0, MAX_MOMENT_MS)).unwrap_or(0),
        counter: 0,
        node: "server-intake".to_owned(),
    }
}

/// Accept a case: checked, given to the next member of the key's team, on
/// the requester's account (made the first time), numbered in the server's
/// own series (`C0-00001`: laptops' series start at 1).
pub fn accept_case(
    tx: &mut dyn Tx,
    key: &IntakeKey,
    request: &CaseRequest,
    now_ms: i64,
) -> Result<Accepted, IntakeError> {
    if key.kind != "case" {
        return Err(IntakeError::WrongKind {
            kind: key.kind.clone(),
        });
    }
    // Every value is checked before anything is written.
    let name = typed(EntityKind::Contact, "name", &request.name)?;
    let email = typed(EntityKind::Account, "email", &request.email)?;
    let email_text = email.as_str().unwrap_or_default().to_owned();
    let phone = given(request.phone.as_deref())
        .map(|p| typed(EntityKind::Account, "phone", p))
        .transpose()?;
    let company = given(request.company.as_deref())
        .map(|c| typed(EntityKind::Account, "name", c))
        .transpose()?;
    let mut case: Vec<(&str, Value)> = vec![
        (
            "subject",
            typed(EntityKind::Case, "subject", &request.subject)?,
        ),
        (
            "priority",
            typed(
                EntityKind::Case,
                "priority",
                given(request.priority.as_deref()).unwrap_or("normal"),
            )?,
        ),
        (
            "channel",
            typed(
                EntityKind::Case,
                "channel",
                given(request.channel.as_deref()).unwrap_or("web"),
            )?,
        ),
        ("status", json!("new")),
        ("opened_at", json!(now_ms)),
    ];
    if let Some(d) = given(request.description.as_deref()) {
        case.push(("description", typed(EntityKind::Case, "description", d)?));
    }
    if let Some(c) = given(request.category.as_deref()) {
        case.push(("category", typed(EntityKind::Case, "category", c)?));
    }

    let hlc = server_hlc(now_ms);
    let team = team_for(key, request.region.as_deref());
    let region = given(request.region.as_deref())
        .map(|r| typed(EntityKind::Account, "region", r))
        .transpose()?;
    let account_id = derived("account", &email_text);
    let contact_id = derived("contact", &email_text);
    let owner = match tx.record(account_id)? {
        // A returning customer stays with whoever holds their account.
        Some(account) if !account.deleted => match account.scope_user {
            Some(u) => match tx.user(u)? {
                Some(user) if user.active => user,
                _ => next_owner(tx, key, &team)?,
            },
            None => next_owner(tx, key, &team)?,
        },
        _ => next_owner(tx, key, &team)?,
    };
    if tx.record(account_id)?.is_none() {
        let mut account = vec![
            ("name", company.clone().unwrap_or_else(|| name.clone())),
            (
                "kind",
                json!(if company.is_some() {
                    "company"
                } else {
                    "individual"
                }),
            ),
            ("email", email.clone()),
            ("lifecycle", json!("customer")),
            ("owner_id", json!(owner.id.to_string())),
        ];
        if let Some(p) = &phone {
            account.push(("phone", p.clone()));
        }
        if let Some(r) = &region {
            account.push(("region", r.clone()));
        }
        create(tx, EntityKind::Account, account_id, account, &owner, &hlc)?;
    }
    if tx.record(contact_id)?.is_none() {
        let mut contact = vec![
            ("account_id", json!(account_id.to_string())),
            ("name", name.clone()),
            ("emails", json!([email_text])),
        ];
        if let Some(p) = &phone {
            contact.push(("phones", json!([p])));
        }
        create(tx, EntityKind::Contact, contact_id, contact, &owner, &hlc)?;
    }
    let number = format!("C0-{:05}", tx.next_counter("case_number")?);
    case.extend([
        ("number", json!(number)),
        ("account_id", json!(account_id.to_string())),
        ("contact_id", json!(contact_id.to_string())),
        ("owner_id", json!(owner.id.to_string())),
        ("team", json!(team)),
    ]);
    let id = Id::new();
    create(tx, EntityKind::Case, id, case, &owner, &hlc)?;
    Ok(Accepted {
        id,
        number: Some(number),
    })
}

/// Accept a lead: checked, given to the next member of the key's team, with
/// a follow-up task due the next day.
pub fn accept_lead(
    tx: &mut dyn Tx,
    key: &IntakeKey,
    request: &LeadRequest,
    now_ms: i64,
) -> Result<Accepted, IntakeError> {
    if key.kind != "lead" {
        return Err(IntakeError::WrongKind {
            kind: key.kind.clone(),
        });
    }
    let name = typed(EntityKind::Lead, "name", &request.name)?;
    let mut lead: Vec<(&str, Value)> = vec![
        ("name", name.clone()),
        ("status", json!("new")),
        (
            "source",
            typed(
                EntityKind::Lead,
                "source",
                given(request.source.as_deref()).unwrap_or("web"),
            )?,
        ),
    ];
    for (field, value) in [
        ("company", &request.company),
        ("email", &request.email),
        ("phone", &request.phone),
        ("title", &request.title),
        ("notes", &request.notes),
    ] {
        if let Some(v) = given(value.as_deref()) {
            lead.push((field, typed(EntityKind::Lead, field, v)?));
        }
    }
    if given(request.email.as_deref()).is_none() && given(request.phone.as_deref()).is_none() {
        return Err(Invalid::new("email", crm_domain::Problem::Empty).into());
    }
    let team = team_for(key, request.region.as_deref());
    let owner = next_owner(tx, key, &team)?;
    let hlc = server_hlc(now_ms);
    lead.push(("owner_id", json!(owner.id.to_string())));
    let id = Id::new();
    create(tx, EntityKind::Lead, id, lead, &owner, &hlc)?;
    let due = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .date_naive()
        .succ_opt()
        .unwrap_or_default();
    let who = name.as_str().unwrap_or_default().to_owned();
    create(
        tx,
        EntityKind::Task,
        Id::new(),
        vec![
            // The activity (a call) says what to do, in the user's language.
            ("title", json!(who)),
            ("due_date", json!(due.format("%Y-%m-%d").to_string())),
            ("assignee_id", json!(owner.id.to_string())),
            ("lead_id", json!(id.to_string())),
            ("activity", json!("call")),
        ],
        &owner,
        &hlc,
    )?;
    Ok(Accepted { id, number: None })
}

/// Requests one key may send: a bucket of `burst` refilled at `per_second`
/// (in memory: each server process counts its own).
pub struct Buckets {
    per_second: f64,
    burst: f64,
    keys: std::sync::Mutex<std::collections::HashMap<Id, (f64, i64)>>,
}

impl Buckets {
    /// Buckets of `burst` requests refilled at `per_second`.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Buckets {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            keys: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Take one request of `key`'s at `now_ms`, or say how many
    /// milliseconds until one may be sent.
    pub fn take(&self, key: Id, now_ms: i64) -> Result<(), i64> {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, at) = keys.entry(key).or_insert((self.burst, now_ms));
        let elapsed = (now_ms - *at).max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * self.per_second).min(self.burst);
        *at = now_ms;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - *tokens) / self.per_second) * 1000.0).ceil() as i64)
        }
    }
}
