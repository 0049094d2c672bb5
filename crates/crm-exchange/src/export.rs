//! Records out to open formats: CSV (UTF-8 for everyone, GB18030 for
//! Chinese Excel), vCard for people, JSON for programs.
//!
//! CSV headers are the field names the importer recognises, and lists are
//! written the way it reads them, so a CSV export imports back without loss.

use std::{collections::HashMap, fmt, str::FromStr};

use chrono::{DateTime, SecondsFormat, Utc};
use crm_domain::{EntityKind, Id};
use crm_store::Store;
use serde::Serialize;

use crate::{
    error::{ExchangeError, Result},
    text::{self, Encoding},
    vcard::{self, Person},
};

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Customers.
    Accounts,
    /// People at accounts.
    Contacts,
    /// Prospects.
    Leads,
    /// Opportunities.
    Deals,
    /// The contact history.
    Interactions,
}

impl ExportKind {
    /// The plural name.
    pub fn name(&self) -> &'static str {
        match self {
            ExportKind::Accounts => "accounts",
            ExportKind::Contacts => "contacts",
            ExportKind::Leads => "leads",
            ExportKind::Deals => "deals",
            ExportKind::Interactions => "interactions",
        }
    }

    /// The entity exported.
    pub fn entity(&self) -> EntityKind {
        match self {
            ExportKind::Accounts => EntityKind::Account,
            ExportKind::Contacts => EntityKind::Contact,
            ExportKind::Leads => EntityKind::Lead,
            ExportKind::Deals => EntityKind::Opportunity,
            ExportKind::Interactions => EntityKind::Interaction,
        }
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_lowercase().as_str() {
            "accounts" | "account" => ExportKind::Accounts,
            "contacts" | "contact" => ExportKind::Contacts,
            "leads" | "lead" => ExportKind::Leads,
            "deals" | "deal" | "opportunities" | "opportunity" => ExportKind::Deals,
            "interactions" | "interaction" | "history" => ExportKind::Interactions,
            other => {
                return Err(format!(
                    "{other:?} cannot be exported; use accounts, contacts, leads, deals or interactions"
                ));
            }
        })
    }
}

/// File formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values, one record a row.
    Csv,
    /// vCard 3.0 (contacts and leads).
    Vcf,
    /// A JSON array of records.
    Json,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "vcf" | "vcard" => Ok(Format::Vcf),
            "json" => Ok(Format::Json),
            other => Err(format!("{other:?} is not a format; use csv, vcf or json")),
        }
    }
}

/// An export made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// How many records it holds.
    pub count: usize,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn opt_id(v: Option<Id>) -> String {
    v.map(|i| i.to_string()).unwrap_or_default()
}

/// Everything an export reads, loaded once.
struct Records<'s> {
    store: &'s Store,
    /// Only these records (a selection); every live one when `None`.
    only: Option<&'s [Id]>,
    users: HashMap<Id, String>,
    accounts: HashMap<Id, String>,
}

impl<'s> Records<'s> {
    fn new(store: &'s Store, only: Option<&'s [Id]>) -> Result<Self> {
        let users = store.users()?.into_iter().map(|u| (u.id, u.name)).collect();
        Ok(Records {
            store,
            only,
            users,
            accounts: HashMap::new(),
        })
    }

    fn user(&self, id: Option<Id>) -> String {
        id.and_then(|i| self.users.get(&i).cloned())
            .unwrap_or_default()
    }

    fn account(&mut self, id: Option<Id>) -> String {
        let Some(id) = id else {
            return String::new();
        };
        if let Some(name) = self.accounts.get(&id) {
            return name.clone();
        }
        let name = self.store.account(id).map(|a| a.name).unwrap_or_default();
        self.accounts.insert(id, name.clone());
        name
    }

    fn each<T>(
        &self,
        entity: EntityKind,
        get: impl Fn(&Store, Id) -> crm_store::Result<T>,
    ) -> Result<Vec<T>> {
        let ids = match self.only {
            Some(ids) => ids.to_vec(),
            None => self.store.record_ids(entity)?,
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(get(self.store, id)?);
        }
        Ok(out)
    }
}

/// Rows of a CSV export: the header, then one row a record.
fn csv_rows(kind: ExportKind, r: &mut Records<'_>) -> Result<Vec<Vec<String>>> {
    let join = |items: &[String]| items.join(", ");
    let mut rows: Vec<Vec<String>> = Vec::new();
    let header = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect();
    match kind {
        ExportKind::Accounts => {
            rows.push(header(&[
                "id",
                "name",
                "kind",
                "industry",
                "region",
                "address",
                "phone",
                "email",
                "website",
                "size",
                "lifecycle",
                "tags",
                "owner",
                "notes",
                "created_at",
                "updated_at",
            ]));
            for a in r.each(EntityKind::Account, Store::account)? {
                rows.push(vec![
                    a.id.to_string(),
                    a.name,
                    a.kind,
                    opt(&a.industry),
                    opt(&a.region),
                    opt(&a.address),
                    opt(&a.phone),
                    opt(&a.email),
                    opt(&a.website),
                    opt(&a.size),
                    a.lifecycle,
                    join(&a.tags),
                    r.user(a.owner_id),
                    opt(&a.notes),
                    time(a.stamp.created_at),
                    time(a.stamp.updated_at),
                ]);
            }
        }
        ExportKind::Contacts => {
            rows.push(header(&[
                "id",
                "name",
                "account",
                "account_id",
                "title",
                "emails",
                "phones",
                "preferred_channel",
                "notes",
                "created_at",
                "updated_at",
            ]));
            for c in r.each(EntityKind::Contact, Store::contact)? {
                rows.push(vec![
                    c.id.to_string(),
                    c.name,
                    r.account(Some(c.account_id)),
                    c.account_id.to_string(),
                    opt(&c.title),
                    join(&c.emails),
                    join(&c.phones),
                    opt(&c.preferred_channel),
                    opt(&c.notes),
                    time(c.stamp.created_at),
                    time(c.stamp.updated_at),
                ]);
            }
        }
        ExportKind::Leads => {
            rows.push(header(&[
                "id",
                "name",
                "company",
                "title",
                "email",
                "phone",
                "source",
                "status",
                "score",
                "owner",
                "disqualify_reason",
                "notes",
                "converted_account_id",
                "converted_contact_id",
                "converted_opportunity_id",
                "created_at",
                "updated_at",
            ]));
            for l in r.each(EntityKind::Lead, Store::lead)? {
                rows.push(vec![
                    l.id.to_string(),
                    l.name,
                    opt(&l.company),
                    opt(&l.title),
                    opt(&l.email),
                    opt(&l.phone),
                    opt(&l.source),
                    l.status,
                    l.score.map(|s| s.to_string()).unwrap_or_default(),
                    r.user(l.owner_id),
                    opt(&l.disqualify_reason),
                    opt(&l.notes),
                    opt_id(l.converted_account_id),
                    opt_id(l.converted_contact_id),
                    opt_id(l.converted_opportunity_id),
                    time(l.stamp.created_at),
                    time(l.stamp.updated_at),
                ]);
            }
        }
        ExportKind::Deals => {
            rows.push(header(&[
                "id",
                "name",
                "account",
                "account_id",
                "stage",
                "amount",
                "currency",
                "probability",
                "close_date",
                "owner",
                "lost_reason",
                "lead_id",
                "notes",
                "created_at",
                "updated_at",
            ]));
            for d in r.each(EntityKind::Opportunity, Store::opportunity)? {
                rows.push(vec![
                    d.id.to_string(),
                    d.name,
                    d.account_name.clone().unwrap_or_default(),
                    d.account_id.to_string(),
                    d.stage,
                    d.amount.to_decimal_string(),
                    d.amount.currency.code().to_owned(),
                    d.probability.map(|p| p.to_string()).unwrap_or_default(),
                    d.close_date.map(|c| c.to_string()).unwrap_or_default(),
                    r.user(d.owner_id),
                    opt(&d.lost_reason),
                    opt_id(d.lead_id),
                    opt(&d.notes),
                    time(d.stamp.created_at),
                    time(d.stamp.updated_at),
                ]);
            }
        }
        ExportKind::Interactions => {
            rows.push(header(&[
                "id",
                "occurred_at",
                "kind",
                "direction",
                "subject",
                "body",
                "outcome",
                "account",
                "account_id",
                "contact",
                "contact_id",
                "opportunity_id",
                "lead_id",
                "author",
                "created_at",
            ]));
            for i in r.each(EntityKind::Interaction, Store::interaction)? {
                let account = r.account(i.account_id);
                rows.push(vec![
                    i.id.to_string(),
                    time(i.occurred_at),
                    i.kind,
                    opt(&i.direction),
                    i.subject,
                    opt(&i.body),
                    opt(&i.outcome),
                    account,
                    opt_id(i.account_id),
                    opt(&i.contact_name),
                    opt_id(i.contact_id),
                    opt_id(i.opportunity_id),
                    opt_id(i.lead_id),
                    opt(&i.author_name),
                    time(i.stamp.created_at),
                ]);
            }
        }
    }
    Ok(rows)
}

fn csv_text(rows: &[Vec<String>]) -> Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).map_err(|e| ExchangeError::Csv {
            line: 0,
            message: e.to_string(),
        })?;
    }
    let bytes = writer.into_inner().map_err(|e| ExchangeError::Csv {
        line: 0,
        message: e.to_string(),
    })?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8"))
}

fn json<T: Serialize>(items: &[T]) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(items).expect("records serialize");
    out.push(b'\n');
    out
}

/// Export every live record of `kind` in `format`. `encoding` applies to
/// CSV: UTF-8 (with a byte-order mark, which Excel needs to read it as
/// UTF-8) or GB18030 for Chinese Excel; vCard and JSON are always UTF-8.
pub fn export(
    store: &Store,
    kind: ExportKind,
    format: Format,
    encoding: Encoding,
) -> Result<Exported> {
    export_of(store, kind, format, encoding, None)
}

/// Export the records `ids` of `kind` (a list's selection), in the order
/// given, as [`export`] writes a whole kind: the same columns, so it imports
/// back the same way.
pub fn export_selected(
    store: &Store,
    kind: ExportKind,
    ids: &[Id],
    format: Format,
    encoding: Encoding,
) -> Result<Exported> {
    export_of(store, kind, format, encoding, Some(ids))
}

fn export_of(
    store: &Store,
    kind: ExportKind,
    format: Format,
    encoding: Encoding,
    only: Option<&[Id]>,
) -> Result<Exported> {
    if format != Format::Csv && encoding != Encoding::Utf8 {
        return Err(ExchangeError::Unsupported {
            format: if format == Format::Json {
                "JSON"
            } else {
                "vCard"
            },
            kind: "other encodings",
            allowed: "utf-8 (only CSV can be GB18030)",
        });
    }
    let mut r = Records::new(store, only)?;
    match format {
        Format::Csv => {
            let rows = csv_rows(kind, &mut r)?;
            let text = csv_text(&rows)?;
            Ok(Exported {
                bytes: text::encode(&text, encoding, true),
                count: rows.len() - 1,
            })
        }
        Format::Json => {
            let (bytes, count) = match kind {
                ExportKind::Accounts => {
                    let v = r.each(EntityKind::Account, Store::account)?;
                    (json(&v), v.len())
                }
                ExportKind::Contacts => {
                    let v = r.each(EntityKind::Contact, Store::contact)?;
                    (json(&v), v.len())
                }
                ExportKind::Leads => {
                    let v = r.each(EntityKind::Lead, Store::lead)?;
                    (json(&v), v.len())
                }
                ExportKind::Deals => {
                    let v = r.each(EntityKind::Opportunity, Store::opportunity)?;
                    (json(&v), v.len())
                }
                ExportKind::Interactions => {
                    let v = r.each(EntityKind::Interaction, Store::interaction)?;
                    (json(&v), v.len())
                }
            };
            Ok(Exported { bytes, count })
        }
        Format::Vcf => {
            let people: Vec<Person> = match kind {
                ExportKind::Contacts => r
                    .each(EntityKind::Contact, Store::contact)?
                    .into_iter()
                    .map(|c| Person {
                        uid: Some(c.id.to_string()),
                        organization: Some(r.account(Some(c.account_id))).filter(|a| !a.is_empty()),
                        name: c.name,
                        title: c.title,
                        emails: c.emails,
                        phones: c.phones,
                        note: c.notes,
                    })
                    .collect(),
                ExportKind::Leads => r
                    .each(EntityKind::Lead, Store::lead)?
                    .into_iter()
                    .map(|l| Person {
                        uid: Some(l.id.to_string()),
                        name: l.name,
                        organization: l.company,
                        title: l.title,
                        emails: l.email.into_iter().collect(),
                        phones: l.phone.into_iter().collect(),
                        note: l.notes,
                    })
                    .collect(),
                other => {
                    return Err(ExchangeError::Unsupported {
                        format: "vCard",
                        kind: other.name(),
                        allowed: "csv or json (vCard holds people: contacts and leads)",
                    });
                }
            };
            let mut out = String::new();
            for p in &people {
                vcard::write(&mut out, p);
            }
            Ok(Exported {
                bytes: out.into_bytes(),
                count: people.len(),
            })
        }
    }
}
