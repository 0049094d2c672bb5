//! Merging two records that are the same customer or person into one.
//!
//! A merge is made of ordinary edits, so it syncs like any other: every
//! contact, history entry, deal and task of the record that goes is re-pointed
//! to the one that stays (`update`), the survivor takes the fields chosen for
//! it (`update`), and the other record is soft-deleted (`delete`). Both
//! records' field history also note the merge (op `merge`), all in one
//! transaction.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Id, schema::Storage};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    Store,
    duplicates::CHECKED,
    error::Rule,
    error::{Result, StoreError},
    sql::from_sql,
};

/// Which record's value a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The survivor's own value.
    Keep,
    /// The value of the record that goes.
    Other,
}

/// One field whose values differ between the two records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeField {
    /// The field.
    pub field: String,
    /// The survivor's value.
    pub keep: Value,
    /// The other record's value.
    pub other: Value,
    /// What the survivor will hold.
    pub result: Value,
    /// Both records hold a different value, so a person chooses (the
    /// survivor's unless told otherwise). Otherwise the result was settled
    /// without loss: an empty field filled, or lists joined.
    pub conflict: bool,
}

/// The records that point at a merged record and move to the survivor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Contacts (account merge).
    pub contacts: usize,
    /// History entries.
    pub interactions: usize,
    /// Deals.
    pub opportunities: usize,
    /// Tasks.
    pub tasks: usize,
    /// Leads that were converted into the merged record.
    pub leads: usize,
    /// Records of other kinds.
    pub other: usize,
}

/// What a merge does, or did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergePlan {
    /// What kind of record both are.
    pub entity: EntityKind,
    /// The survivor.
    pub keep: Id,
    /// The record that goes.
    pub other: Id,
    /// The fields whose values differ.
    pub fields: Vec<MergeField>,
    /// The records that move to the survivor.
    pub moved: Moved,
}

/// Which columns of which tables point at a record of `entity` (from the
/// descriptions: every reference field to its kind).
fn references(entity: EntityKind) -> Vec<(EntityKind, &'static str)> {
    entity.referenced_by()
}

fn count_of(moved: &mut Moved, entity: EntityKind) -> &mut usize {
    match entity {
        EntityKind::Contact => &mut moved.contacts,
        EntityKind::Interaction => &mut moved.interactions,
        EntityKind::Opportunity => &mut moved.opportunities,
        EntityKind::Task => &mut moved.tasks,
        EntityKind::Lead => &mut moved.leads,
        EntityKind::User
        | EntityKind::Account
        | EntityKind::Conflict
        | EntityKind::ExchangeRate
        | EntityKind::Product
        | EntityKind::PriceList
        | EntityKind::Price
        | EntityKind::Quote
        | EntityKind::QuoteLine
        | EntityKind::Order
        | EntityKind::OrderLine
        | EntityKind::Payment
        | EntityKind::PaymentAllocation
        | EntityKind::Company
        | EntityKind::Case
        | EntityKind::CaseEvent
        | EntityKind::SlaPolicy
        | EntityKind::Calendar
        | EntityKind::Article
        | EntityKind::Survey => &mut moved.other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Every field of a live record in canonical form.
fn fields_of(
    conn: &rusqlite::Connection,
    entity: EntityKind,
    id: Id,
) -> Result<BTreeMap<&'static str, Value>> {
    let defs = entity.fields();
    let columns: Vec<&str> = defs.iter().map(|d| d.name).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1 AND deleted_at IS NULL",
        columns.join(", "),
        entity.table()
    );
    conn.prepare_cached(&sql)?
        .query_row([id.0], |r| {
            defs.iter()
                .enumerate()
                .map(|(i, d)| Ok((d.name, from_sql(d.ty.storage(), r.get_ref(i)?))))
                .collect::<rusqlite::Result<BTreeMap<_, _>>>()
        })
        .optional()?
        .ok_or(StoreError::NotFound { entity, id })
}

fn ids_pointing(
    conn: &rusqlite::Connection,
    child: EntityKind,
    column: &str,
    target: Id,
) -> Result<Vec<Id>> {
    let sql = format!(
        "SELECT id FROM {} WHERE {column} = ?1 AND deleted_at IS NULL ORDER BY rowid",
        child.table()
    );
    let ids = conn
        .prepare_cached(&sql)?
        .query_map([target.0], |r| r.get::<_, Uuid>(0).map(Id))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

fn plan(
    conn: &rusqlite::Connection,
    entity: EntityKind,
    keep: Id,
    other: Id,
    choices: &BTreeMap<String, Side>,
) -> Result<MergePlan> {
    if keep == other {
        return Err(Rule::MergeSelf.into());
    }
    if !CHECKED.contains(&entity) {
        return Err(Rule::MergeKind { entity }.into());
    }
    for field in choices.keys() {
        if entity.field(field).is_none() {
            return Err(crm_domain::Invalid::new(
                field.as_str(),
                crm_domain::Problem::UnknownField,
            )
            .into());
        }
    }
    let kept = fields_of(conn, entity, keep)?;
    let gone = fields_of(conn, entity, other)?;
    let mut fields = Vec::new();
    for def in entity.fields() {
        let (a, b) = (&kept[def.name], &gone[def.name]);
        if a == b || is_empty(b) {
            continue;
        }
        let (result, conflict) = if is_empty(a) {
            (b.clone(), false)
        } else if def.ty.storage() == Storage::JsonList {
            let mut joined = a.as_array().cloned().unwrap_or_default();
            for item in b.as_array().into_iter().flatten() {
                if !joined.contains(item) {
                    joined.push(item.clone());
                }
            }
            (Value::Array(joined), false)
        } else {
            match choices.get(def.name) {
                Some(Side::Other) => (b.clone(), true),
                _ => (a.clone(), true),
            }
        };
        fields.push(MergeField {
            field: def.name.to_owned(),
            keep: a.clone(),
            other: b.clone(),
            result,
            conflict,
        });
    }
    let mut moved = Moved::default();
    for (child, column) in references(entity) {
        *count_of(&mut moved, child) += ids_pointing(conn, child, column, other)?.len();
    }
    Ok(MergePlan {
        entity,
        keep,
        other,
        fields,
        moved,
    })
}

impl Store {
    fn merged_kind(&self, keep: Id, other: Id) -> Result<EntityKind> {
        let kind = self.kind_of(keep)?.ok_or_else(|| StoreError::NoMatch {
            what: "record",
            given: keep.to_string(),
        })?;
        let other_kind = self.kind_of(other)?.ok_or_else(|| StoreError::NoMatch {
            what: "record",
            given: other.to_string(),
        })?;
        if kind != other_kind {
            return Err(Rule::MergeMixed {
                entity: kind,
                other: other_kind,
            }
            .into());
        }
        Ok(kind)
    }

    /// What merging `other` into `keep` would do, with `choices` saying which
    /// record's value each conflicting field takes (the survivor's when not
    /// said). Nothing is written.
    pub fn merge_plan(
        &self,
        keep: Id,
        other: Id,
        choices: &BTreeMap<String, Side>,
    ) -> Result<MergePlan> {
        let entity = self.merged_kind(keep, other)?;
        plan(self.conn(), entity, keep, other, choices)
    }

    /// Merge `other` into `keep`: everything that points at `other` moves to
    /// `keep`, `keep` takes the values of [`Store::merge_plan`], `other` is
    /// deleted, and both histories note the merge. One transaction; every
    /// change syncs.
    pub fn merge(
        &mut self,
        keep: Id,
        other: Id,
        choices: &BTreeMap<String, Side>,
    ) -> Result<MergePlan> {
        let entity = self.merged_kind(keep, other)?;
        self.write(|w| {
            let plan = plan(w.conn(), entity, keep, other, choices)?;
            let survivor = json!(keep.to_string());
            for (child, column) in references(entity) {
                for id in ids_pointing(w.conn(), child, column, other)? {
                    w.update(child, id, &[(column, survivor.clone())])?;
                }
            }
            let changes: Vec<(&str, Value)> = plan
                .fields
                .iter()
                .filter(|f| f.result != f.keep)
                .map(|f| (f.field.as_str(), f.result.clone()))
                .collect();
            if !changes.is_empty() {
                w.update(entity, keep, &changes)?;
            }
            let taken: Vec<&str> = changes.iter().map(|(f, _)| *f).collect();
            w.note_history(
                entity,
                keep,
                "merge",
                &json!({ "merged": other.to_string(), "fields": taken, "moved": plan.moved }),
            )?;
            w.note_history(
                entity,
                other,
                "merge",
                &json!({ "merged_into": keep.to_string() }),
            )?;
            w.delete(entity, other)?;
            Ok(plan)
        })
    }
}
