//! Any kind of record by its description: list with filter, sort and pages,
//! get, create, update, delete and restore. A kind that needs nothing
//! special gets all of this (and the CLI's `crm record` and the app's record
//! commands over it) from its description alone; write rights follow the
//! description's `writers`, here as on the server.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::{
    Currency, EntityKind, Id, Invalid, Problem,
    schema::{FieldDef, FieldType, Writers},
};
use rusqlite::{OptionalExtension, params_from_iter, types::Value as Sql};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    ReadableRows, Store,
    error::{Result, Rule, StoreError},
    read::millis,
    sql::{field_from_sql, to_sql},
    write::Writer,
};

/// Which records of a kind, in which order, which page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export, optional_fields)]
pub struct RecordQuery {
    /// Field values the records must have (equal, canonical).
    #[ts(type = "Record<string, string | number | boolean | null>")]
    pub filter: BTreeMap<String, Value>,
    /// Comparisons the records must pass too (a due date before a day, a
    /// field set or not).
    pub conditions: Vec<Condition>,
    /// The field to sort by (a field of the kind, or `created_at` /
    /// `updated_at`); the kind's title (or newest first) when not given.
    pub sort: Option<String>,
    /// Largest first.
    pub descending: bool,
    /// Records to skip.
    pub offset: u32,
    /// Records in the page (at most 500; 100 when not given).
    pub limit: Option<u32>,
    /// Deleted records instead of live ones (to restore them).
    pub deleted: bool,
    /// Words the records must match in the kind's full-text index (as the
    /// search box finds them); ignored for a kind without one. Deleted
    /// records leave the index, so they are found by their ids instead.
    pub text: Option<String>,
}

impl RecordQuery {
    /// Tasks not done yet, soonest due first (undated ones last): of
    /// `assignee` (everyone's with `None`), due from `from` to `to` (both
    /// inclusive, either open). What Today, `crm task list` and the account
    /// page list.
    pub fn open_tasks(
        assignee: Option<Id>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Self {
        let due = |op: Compare, day: NaiveDate| Condition {
            field: "due_date".into(),
            op,
            value: Value::String(day.to_string()),
        };
        let mut conditions = vec![Condition {
            field: "done_at".into(),
            op: Compare::Unset,
            value: Value::Null,
        }];
        conditions.extend(from.map(|d| due(Compare::Ge, d)));
        conditions.extend(to.map(|d| due(Compare::Le, d)));
        RecordQuery {
            filter: assignee
                .map(|a| ("assignee_id".to_owned(), Value::String(a.to_string())))
                .into_iter()
                .collect(),
            conditions,
            sort: Some("due_date".into()),
            limit: Some(MAX_PAGE),
            ..RecordQuery::default()
        }
    }
}

/// A comparison of a field with a value.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Condition {
    /// The field.
    pub field: String,
    /// How it compares.
    pub op: Compare,
    /// With what (canonical; not for `set` and `unset`).
    #[serde(default)]
    #[ts(type = "string | number | null")]
    pub value: Value,
}

/// How a [`Condition`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Compare {
    /// Smaller.
    Lt,
    /// Smaller or equal.
    Le,
    /// Larger.
    Gt,
    /// Larger or equal.
    Ge,
    /// Has a value.
    Set,
    /// Has none.
    Unset,
}

/// One record, every field in canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RecordRow {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub id: Id,
    /// Field values by name.
    #[ts(type = "Record<string, string | number | boolean | string[] | null>")]
    pub fields: BTreeMap<String, Value>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Soft-deleted.
    pub deleted: bool,
    /// The names of the records its references point at (by field), for
    /// showing an account's name instead of its id.
    pub titles: BTreeMap<String, String>,
}

/// A page of records and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RecordPage {
    /// The page.
    pub rows: Vec<RecordRow>,
    /// All matches.
    #[ts(type = "number")]
    pub total: i64,
}

const MAX_PAGE: u32 = 500;

fn columns(kind: EntityKind) -> String {
    let mut columns: Vec<&str> = vec!["id", "created_at", "updated_at", "deleted_at IS NOT NULL"];
    columns.extend(kind.fields().iter().map(|d| d.name));
    columns.join(", ")
}

/// A live or deleted record of `kind` read on `conn` (inside a write, what
/// the transaction sees).
pub(crate) fn record_on(
    conn: &rusqlite::Connection,
    kind: EntityKind,
    id: Id,
) -> Result<RecordRow> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        columns(kind),
        kind.table()
    );
    conn.prepare_cached(&sql)?
        .query_row([id.0], |r| row(kind, r))
        .optional()?
        .ok_or(StoreError::NotFound { entity: kind, id })
}

/// The live records of `kind` whose `field` points at `parent`, in
/// `order` (an SQL ordering of the kind's columns).
pub(crate) fn children_on(
    conn: &rusqlite::Connection,
    kind: EntityKind,
    field: &str,
    parent: Id,
    order: &str,
) -> Result<Vec<RecordRow>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {field} = ?1 AND deleted_at IS NULL ORDER BY {order}",
        columns(kind),
        kind.table()
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map([parent.0], |r| row(kind, r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn row(kind: EntityKind, r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    let fields = kind
        .fields()
        .iter()
        .enumerate()
        .map(|(i, d)| Ok((d.name.to_owned(), field_from_sql(d, r.get_ref(i + 4)?))))
        .collect::<rusqlite::Result<_>>()?;
    Ok(RecordRow {
        entity: kind,
        id: Id(r.get(0)?),
        fields,
        created_at: millis(r.get(1)?),
        updated_at: millis(r.get(2)?),
        deleted: r.get(3)?,
        titles: BTreeMap::new(),
    })
}

/// Fill in the names of the records `rows` point at, one query per
/// reference field (the referenced kind's title, from its description).
pub(crate) fn name_references(
    conn: &rusqlite::Connection,
    kind: EntityKind,
    rows: &mut [RecordRow],
) -> Result<()> {
    for def in kind.fields() {
        let FieldType::Ref(target) = def.ty else {
            continue;
        };
        let Some(title) = target.entity().title else {
            continue;
        };
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r.fields.get(def.name).and_then(Value::as_str))
            .map(str::to_owned)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT id, {title} FROM {} WHERE id IN ({})",
            target.table(),
            vec!["?"; ids.len()].join(", ")
        );
        let args: Vec<Sql> = ids
            .iter()
            .map(|i| to_sql(crm_domain::schema::Storage::Uuid, &Value::String(i.clone())))
            .collect();
        let names: BTreeMap<String, String> = conn
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((Id(r.get(0)?).to_string(), r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for row in rows.iter_mut() {
            if let Some(name) = row
                .fields
                .get(def.name)
                .and_then(Value::as_str)
                .and_then(|id| names.get(id))
            {
                row.titles.insert(def.name.to_owned(), name.clone());
            }
        }
    }
    Ok(())
}

fn field_of(kind: EntityKind, name: &str) -> Result<&'static FieldDef> {
    kind.field(name)
        .ok_or_else(|| Invalid::new(name, Problem::UnknownField).into())
}

impl Store {
    /// Field values as a person typed them into canonical values, each by
    /// its field's parser (the same for the CLI and the app). Amounts take
    /// the record's currency: the one typed with them, the record's own
    /// (`current`), that of the record its description takes money from (a
    /// price's list, a line's quote), or this user's default.
    pub fn typed(
        &self,
        kind: EntityKind,
        fields: &BTreeMap<String, String>,
        current: Option<&RecordRow>,
    ) -> Result<Vec<(&'static str, Value)>> {
        let given = |name: &str| {
            fields.get(name).cloned().or_else(|| {
                current
                    .and_then(|r| r.fields.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
        };
        let inherited = match kind.entity().money_from {
            Some(reference) => match (given(reference), kind.field(reference).map(|d| d.ty)) {
                (Some(id), Some(FieldType::Ref(from))) => match id.trim().parse::<Id>() {
                    Ok(id) => self
                        .record(from, id)?
                        .fields
                        .get("currency")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    Err(_) => None,
                },
                _ => None,
            },
            None => None,
        };
        let currency = given("currency")
            .or(inherited)
            .unwrap_or_else(|| self.default_currency().to_owned())
            .parse::<Currency>()
            .ok();
        fields
            .iter()
            .map(|(name, raw)| {
                let def = field_of(kind, name)?;
                Ok((def.name, kind.parse_field(name, raw, currency)?))
            })
            .collect()
    }

    /// The `WHERE` clause of `query` over `kind`'s table, and its arguments;
    /// `None` when nothing can match (text without a word to look for).
    pub(crate) fn matching(
        &self,
        kind: EntityKind,
        query: &RecordQuery,
    ) -> Result<Option<(String, Vec<Sql>)>> {
        let mut conditions = vec![if query.deleted {
            "deleted_at IS NOT NULL".to_owned()
        } else {
            "deleted_at IS NULL".to_owned()
        }];
        let mut args: Vec<Sql> = Vec::new();
        for (name, value) in &query.filter {
            let def = field_of(kind, name)?;
            if value.is_null() {
                conditions.push(format!("{} IS NULL", def.name));
            } else {
                conditions.push(format!("{} = ?", def.name));
                args.push(to_sql(def.ty.storage(), value));
            }
        }
        for c in &query.conditions {
            let def = field_of(kind, &c.field)?;
            let op = match c.op {
                Compare::Lt => "<",
                Compare::Le => "<=",
                Compare::Gt => ">",
                Compare::Ge => ">=",
                Compare::Set => {
                    conditions.push(format!("{} IS NOT NULL", def.name));
                    continue;
                }
                Compare::Unset => {
                    conditions.push(format!("{} IS NULL", def.name));
                    continue;
                }
            };
            conditions.push(format!("{} {op} ?", def.name));
            args.push(to_sql(def.ty.storage(), &c.value));
        }
        let text = query.text.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(text) = text
            && kind.fields().iter().any(|d| d.searchable)
        {
            let Some(expr) = crm_domain::search::match_expression(text) else {
                return Ok(None);
            };
            let fts = format!("{}_fts", kind.table());
            conditions.push(format!(
                "rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"
            ));
            args.push(expr.into());
        }
        Ok(Some((conditions.join(" AND "), args)))
    }

    /// Records of `kind`.
    pub fn records(&self, kind: EntityKind, query: &RecordQuery) -> Result<RecordPage> {
        let Some((filter, args)) = self.matching(kind, query)? else {
            return Ok(RecordPage {
                rows: Vec::new(),
                total: 0,
            });
        };
        let sort = match query.sort.as_deref() {
            Some(s @ ("created_at" | "updated_at")) => s,
            Some(name) => field_of(kind, name)?.name,
            None => kind.entity().title.unwrap_or("created_at"),
        };
        let descending =
            query.descending || (query.sort.is_none() && kind.entity().title.is_none());
        let direction = if descending { "DESC" } else { "ASC" };
        let table = kind.table();
        let total: i64 = self.conn().query_row(
            &format!("SELECT count(*) FROM {table} WHERE {filter}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let sql = format!(
            "SELECT {} FROM {table} WHERE {filter} ORDER BY {sort} {direction} NULLS LAST, id {direction} LIMIT {limit} OFFSET {}",
            columns(kind),
            query.offset
        );
        let mut rows: Vec<RecordRow> = self
            .conn()
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| row(kind, r))?
            .readable(self)?;
        name_references(self.conn(), kind, &mut rows)?;
        Ok(RecordPage { rows, total })
    }

    /// One record of `kind`, deleted or not.
    pub fn record(&self, kind: EntityKind, id: Id) -> Result<RecordRow> {
        let sql = format!(
            "SELECT {} FROM {} WHERE id = ?1",
            columns(kind),
            kind.table()
        );
        self.conn()
            .prepare_cached(&sql)?
            .query_row([id.0], |r| row(kind, r))
            .optional()?
            .ok_or(StoreError::NotFound { entity: kind, id })
    }

    /// Refuse a write of `kind` this laptop's user may not make: a kind the
    /// description's writers keep from their role (the server checks the
    /// same), a field only the system sets, a choice value only a use case
    /// gives (a lead is `converted` only by converting it).
    pub(crate) fn may_write(
        &self,
        kind: EntityKind,
        fields: &[(&str, Value)],
        insert: bool,
    ) -> Result<()> {
        for (name, value) in fields {
            let def = field_of(kind, name)?;
            let reserved = value.as_str().is_some_and(|v| def.reserved.contains(&v));
            if def.system || reserved {
                return Err(Invalid::new(def.name, Problem::SystemOnly).into());
            }
        }
        // Before a first login this laptop is its user's whole team; a team
        // server's role counts once signed in (the server checks it anyway).
        let role = match self.sync_config()? {
            Some(_) => self.user(self.user_id())?.map(|u| u.role),
            None => None,
        };
        let refused = match kind.entity().writers {
            Writers::Anyone => None,
            Writers::Server => Some(String::new()),
            Writers::Roles(roles) => role
                .filter(|r| !roles.contains(&r.as_str()))
                .map(|_| roles.join(", ")),
            Writers::Fields(allowed) => {
                (insert || fields.iter().any(|(f, _)| !allowed.contains(f))).then(String::new)
            }
        };
        match refused {
            Some(roles) => Err(StoreError::Forbidden {
                entity: kind,
                roles,
            }),
            None => Ok(()),
        }
    }

    /// Refuse to give records to `to` where the team server would: a rep or
    /// a manager gives only to a member of their own team, an admin to
    /// anyone. Before a first login the laptop is its user's whole team.
    pub(crate) fn may_hand(&self, to: Id) -> Result<()> {
        if to == self.user_id() || self.sync_config()?.is_none() {
            return Ok(());
        }
        let Some(me) = self.user(self.user_id())? else {
            return Ok(());
        };
        match self.user(to)? {
            Some(them) if me.role != "admin" && (me.team.is_none() || them.team != me.team) => {
                Err(Rule::OtherTeam { name: them.name }.into())
            }
            _ => Ok(()),
        }
    }

    /// Refuse to give a record of `kind` to `to` where the server would: as
    /// [`Self::may_hand`], except that anyone may give a case (a kind whose
    /// owner holds it beside its book) to active support staff.
    pub(crate) fn may_give(&self, kind: EntityKind, to: Id) -> Result<()> {
        let entity = kind.entity();
        if entity.holder().map(|(holder, _)| holder) == entity.owner()
            && entity.holder().is_some()
            && self
                .user(to)?
                .is_some_and(|them| them.active && them.role == "support")
        {
            return Ok(());
        }
        self.may_hand(to)
    }

    /// Whether this laptop's user may create and change records of `kind`
    /// (the rule of [`Store::edit`], for a screen to offer the actions).
    pub fn may_change(&self, kind: EntityKind) -> Result<bool> {
        match self.may_write(kind, &[], true) {
            Ok(()) => Ok(true),
            Err(StoreError::Forbidden { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A person adds a record of `kind` (canonical values): the rules of
    /// [`Store::edit`] apply. Returns its id.
    pub fn add(&mut self, kind: EntityKind, fields: &[(&str, Value)]) -> Result<Id> {
        self.may_write(kind, fields, true)?;
        self.sales_rules(kind, None, fields)?;
        self.service_rules(kind, None, fields)?;
        // A person's new record is theirs unless they say whose: its
        // description's owner field.
        let mut fields = fields.to_vec();
        if let Some(owner) = kind.entity().owner() {
            match fields.iter().find(|(f, v)| *f == owner && !v.is_null()) {
                Some((_, whose)) => {
                    if let Some(to) = whose.as_str().and_then(|s| s.parse::<Id>().ok()) {
                        self.may_give(kind, to)?;
                    }
                }
                None => fields.push((owner, Value::String(self.user_id().to_string()))),
            }
        }
        // And its author, where the description says who wrote it (an
        // article, a history entry).
        if let Some(author) = kind.entity().author()
            && !fields.iter().any(|(f, v)| *f == author && !v.is_null())
        {
            fields.push((author, Value::String(self.user_id().to_string())));
        }
        self.write(|w| {
            if kind == EntityKind::Case {
                crate::service::opening(w, &mut fields)?;
            }
            w.insert(kind, &fields)
        })
    }

    /// A person changes fields of a record of `kind` (canonical values):
    /// refused where their role may not write the kind, for fields only the
    /// system sets, and for values only a use case gives. The one path of
    /// every person's edit, from the CLI, the app and the bridge alike.
    /// Returns whether anything changed.
    ///
    /// A record given to someone else (its owner field changed) takes along
    /// what hangs under it that its old owner held, as the server does: an
    /// account's deals and tasks go with the account.
    pub fn edit(&mut self, kind: EntityKind, id: Id, fields: &[(&str, Value)]) -> Result<bool> {
        self.may_write(kind, fields, false)?;
        self.sales_rules(kind, Some(id), fields)?;
        self.service_rules(kind, Some(id), fields)?;
        let handed = kind.entity().owner().and_then(|owner| {
            fields
                .iter()
                .find(|(f, _)| *f == owner)
                .and_then(|(_, v)| v.as_str()?.parse::<Id>().ok())
        });
        if let Some(to) = handed {
            self.may_give(kind, to)?;
        }
        self.write(|w| edit_in(w, kind, id, fields, handed))
    }

    /// Create a record of `kind` from canonical values; returns it.
    pub fn create_record(
        &mut self,
        kind: EntityKind,
        fields: &[(&str, Value)],
    ) -> Result<RecordRow> {
        let id = self.add(kind, fields)?;
        self.record(kind, id)
    }

    /// Change fields of a record of `kind`; returns it.
    pub fn update_record(
        &mut self,
        kind: EntityKind,
        id: Id,
        fields: &[(&str, Value)],
    ) -> Result<RecordRow> {
        self.edit(kind, id, fields)?;
        self.record(kind, id)
    }

    /// Soft-delete a record of `kind` (it syncs; restore brings it back).
    pub fn delete_record(&mut self, kind: EntityKind, id: Id) -> Result<()> {
        self.may_write(kind, &[], false)?;
        self.sales_rules(kind, Some(id), &[])?;
        self.service_rules(kind, Some(id), &[])?;
        self.write(|w| w.delete(kind, id))
    }

    /// Bring back a soft-deleted record of `kind`.
    pub fn restore_record(&mut self, kind: EntityKind, id: Id) -> Result<RecordRow> {
        self.may_write(kind, &[], false)?;
        self.sales_rules(kind, Some(id), &[])?;
        self.write(|w| w.restore(kind, id))?;
        self.record(kind, id)
    }
}

/// Within a write: change `fields` of a record of `kind`, the rules of
/// [`Store::edit`] checked already; `handed` is the new owner when the owner
/// field changes. Returns whether anything changed.
pub(crate) fn edit_in(
    w: &mut Writer<'_>,
    kind: EntityKind,
    id: Id,
    fields: &[(&str, Value)],
    handed: Option<Id>,
) -> Result<bool> {
    let owner = kind.entity().owner();
    let from = match (owner, handed) {
        (Some(owner), Some(_)) => w
            .conn()
            .query_row(
                &format!("SELECT {owner} FROM {} WHERE id = ?1", kind.table()),
                [id.0],
                |r| r.get::<_, Option<uuid::Uuid>>(0),
            )
            .optional()?
            .flatten()
            .map(Id),
        _ => None,
    };
    // Children first: pushed in this order, each is still in its author's
    // reach when the server takes it (once the account has moved, the server
    // has moved them itself).
    if let (Some(from), Some(to)) = (from, handed)
        && from != to
    {
        follow(w, kind, id, from, to)?;
    }
    w.update(kind, id, fields)
}

/// Give `to` the records under `id` (a `kind`, by the descriptions' parent
/// references) that `from` held, and theirs, down the tree.
fn follow(w: &mut Writer<'_>, kind: EntityKind, id: Id, from: Id, to: Id) -> Result<()> {
    for child in EntityKind::ALL {
        let entity = child.entity();
        let Some(owner) = entity.owner() else {
            continue;
        };
        for parent in entity.parents() {
            if child.field(parent).map(|d| d.ty) != Some(FieldType::Ref(kind)) {
                continue;
            }
            let sql = format!(
                "SELECT id FROM {} WHERE {parent} = ?1 AND {owner} = ?2 AND deleted_at IS NULL",
                entity.table
            );
            let ids = w
                .conn()
                .prepare_cached(&sql)?
                .query_map([id.0, from.0], |r| r.get::<_, uuid::Uuid>(0).map(Id))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for child_id in ids {
                follow(w, child, child_id, from, to)?;
                w.update(
                    child,
                    child_id,
                    &[(owner, serde_json::json!(to.to_string()))],
                )?;
            }
        }
    }
    Ok(())
}
