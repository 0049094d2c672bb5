//! Any kind of record by its description: list with filter, sort and pages,
//! get, create, update, delete and restore. A kind that needs nothing
//! special gets all of this (and the CLI's `crm record` and the app's record
//! commands over it) from its description alone; write rights follow the
//! description's `writers`, here as on the server.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_domain::{
    Currency, EntityKind, Id, Invalid, Problem,
    schema::{FieldDef, Writers},
};
use rusqlite::{OptionalExtension, params_from_iter, types::Value as Sql};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Store,
    error::{Result, StoreError},
    read::millis,
    sql::{field_from_sql, to_sql},
};

/// Which records of a kind, in which order, which page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export, optional_fields)]
pub struct RecordQuery {
    /// Field values the records must have (equal, canonical).
    #[ts(type = "Record<string, string | number | boolean | null>")]
    pub filter: BTreeMap<String, Value>,
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
    })
}

fn field_of(kind: EntityKind, name: &str) -> Result<&'static FieldDef> {
    kind.field(name)
        .ok_or_else(|| Invalid::new(name, Problem::UnknownField).into())
}

impl Store {
    /// Field values as a person typed them into canonical values, each by
    /// its field's parser (the same for the CLI and the app). Amounts take
    /// the record's currency: the one typed with them, the record's own
    /// (`current`), or this user's default.
    pub fn typed(
        &self,
        kind: EntityKind,
        fields: &BTreeMap<String, String>,
        current: Option<&RecordRow>,
    ) -> Result<Vec<(&'static str, Value)>> {
        let currency = fields
            .get("currency")
            .map(String::as_str)
            .or_else(|| {
                current
                    .and_then(|r| r.fields.get("currency"))
                    .and_then(Value::as_str)
            })
            .unwrap_or(self.default_currency())
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

    /// Records of `kind`.
    pub fn records(&self, kind: EntityKind, query: &RecordQuery) -> Result<RecordPage> {
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
        let sort = match query.sort.as_deref() {
            Some(s @ ("created_at" | "updated_at")) => s,
            Some(name) => field_of(kind, name)?.name,
            None => kind.entity().title.unwrap_or("created_at"),
        };
        let descending =
            query.descending || (query.sort.is_none() && kind.entity().title.is_none());
        let direction = if descending { "DESC" } else { "ASC" };
        let table = kind.table();
        let filter = conditions.join(" AND ");
        let total: i64 = self.conn().query_row(
            &format!("SELECT count(*) FROM {table} WHERE {filter}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let sql = format!(
            "SELECT {} FROM {table} WHERE {filter} ORDER BY {sort} {direction}, id {direction} LIMIT {limit} OFFSET {}",
            columns(kind),
            query.offset
        );
        let rows = self
            .conn()
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| row(kind, r))?
            .collect::<rusqlite::Result<_>>()?;
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
    fn may_write(&self, kind: EntityKind, fields: &[(&str, Value)], insert: bool) -> Result<()> {
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
        self.write(|w| w.insert(kind, fields))
    }

    /// A person changes fields of a record of `kind` (canonical values):
    /// refused where their role may not write the kind, for fields only the
    /// system sets, and for values only a use case gives. The one path of
    /// every person's edit, from the CLI, the app and the bridge alike.
    /// Returns whether anything changed.
    pub fn edit(&mut self, kind: EntityKind, id: Id, fields: &[(&str, Value)]) -> Result<bool> {
        self.may_write(kind, fields, false)?;
        self.write(|w| w.update(kind, id, fields))
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
        self.write(|w| w.delete(kind, id))
    }

    /// Bring back a soft-deleted record of `kind`.
    pub fn restore_record(&mut self, kind: EntityKind, id: Id) -> Result<RecordRow> {
        self.may_write(kind, &[], false)?;
        self.write(|w| w.restore(kind, id))?;
        self.record(kind, id)
    }
}
