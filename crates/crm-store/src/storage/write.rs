//! The one path every local write takes: domain row, outbox entry, field
//! history and search index, in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_domain::{
    EntityKind, FieldChange, Hlc, Id, Invalid, Op, OpKind, Problem,
    schema::{FieldDef, FieldType},
    upgrade::{UPGRADES, version_needed},
};
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter, types::Value as Sql};
use serde_json::{Map, Value};

use crate::{
    Device,
    error::{Result, StoreError},
    search,
    sql::{from_sql, id_of, to_sql},
};

/// Writes of one transaction. Obtained from [`crate::Store::write`].
pub struct Writer<'c> {
    tx: Transaction<'c>,
    device: Device,
    now: DateTime<Utc>,
}

/// The pseudo-field of a delete or restore op: its base is the record's clock
/// as this laptop last saw it.
pub const SEEN_FIELD: &str = "*";

/// One field's new value, by field name.
pub type Fields<'a> = [(&'a str, Value)];

fn def_of(entity: EntityKind, name: &str) -> Result<&'static FieldDef> {
    entity
        .field(name)
        .ok_or_else(|| Invalid::new(name, Problem::UnknownField).into())
}

impl<'c> Writer<'c> {
    pub(crate) fn new(tx: Transaction<'c>, device: Device, now: DateTime<Utc>) -> Self {
        Writer { tx, device, now }
    }

    /// Persist the device's sequence and clock with the writes, and commit.
    pub(crate) fn finish(self) -> Result<Device> {
        self.tx.execute(
            "UPDATE device SET seq = ?1, hlc = ?2",
            params![self.device.seq, self.device.clock.last().to_string()],
        )?;
        self.tx.commit()?;
        Ok(self.device)
    }

    /// The connection inside the transaction, for reads that must see the
    /// writes made so far.
    pub fn conn(&self) -> &rusqlite::Connection {
        &self.tx
    }

    /// The user making the writes.
    pub fn user_id(&self) -> Id {
        self.device.user_id
    }

    /// The time of this transaction.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The currency new deals get when none is given.
    pub fn default_currency(&self) -> &str {
        &self.device.currency
    }

    fn tick(&mut self) -> Hlc {
        let wall = self.now.timestamp_millis().max(0).unsigned_abs();
        self.device.clock.tick(wall)
    }

    /// Create a record with a new id.
    pub fn insert(&mut self, entity: EntityKind, fields: &Fields<'_>) -> Result<Id> {
        let id = Id::new();
        self.insert_with_id(entity, id, fields)?;
        Ok(id)
    }

    /// Create a record with the given id.
    pub fn insert_with_id(
        &mut self,
        entity: EntityKind,
        id: Id,
        fields: &Fields<'_>,
    ) -> Result<()> {
        // What was not given takes the field's default, so the outbox carries
        // the value the row holds.
        let defaults: Vec<(&str, Value)> = entity
            .fields()
            .iter()
            .filter(|def| {
                !fields
                    .iter()
                    .any(|(name, v)| *name == def.name && !v.is_null())
            })
            .filter_map(|def| def.default.map(|fill| (def.name, fill.value())))
            .collect();
        for def in entity.fields() {
            let given = fields
                .iter()
                .chain(&defaults)
                .find(|(name, v)| *name == def.name && !v.is_null())
                .map(|(_, v)| v);
            if def.required && given.is_none_or(is_blank) {
                return Err(Invalid::new(def.name, Problem::Empty).into());
            }
        }
        let mut columns = vec!["id", "created_at", "created_by", "updated_at", "hlc"];
        let hlc = self.tick();
        let now_ms = self.now.timestamp_millis();
        let mut values: Vec<Sql> = vec![
            Sql::Blob(id.0.as_bytes().to_vec()),
            Sql::Integer(now_ms),
            Sql::Blob(self.device.user_id.0.as_bytes().to_vec()),
            Sql::Integer(now_ms),
            Sql::Text(hlc.to_string()),
        ];
        for (name, value) in fields.iter().chain(&defaults) {
            let def = def_of(entity, name)?;
            if value.is_null() {
                continue;
            }
            match self.check_value(def, value) {
                // A reference to a record this laptop does not hold, which
                // one of the record's parents names too (a case's reply
                // names the case's account, which the engineer holding the
                // case does not hold): the server takes it the same way.
                Err(StoreError::Invalid(invalid))
                    if invalid.problem == Problem::Missing
                        && self.named_by_a_parent(entity, fields, def.name, value)? => {}
                other => other?,
            }
            self.check_unique(entity, id, def, value)?;
            columns.push(def.name);
            values.push(to_sql(def.ty.storage(), value));
        }
        let placeholders = vec!["?"; columns.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders})",
            entity.table(),
            columns.join(", ")
        );
        self.tx
            .prepare_cached(&sql)?
            .execute(params_from_iter(values))?;

        // The outbox carries the whole new row, defaults included, so the server
        // and other laptops store exactly what this one does.
        let row = self
            .read_fields(entity, id, entity.fields())?
            .ok_or(StoreError::NotFound { entity, id })?;
        let mut changes = BTreeMap::new();
        let mut created = Map::new();
        for (def, value) in entity.fields().iter().zip(row.values) {
            if !value.is_null() {
                created.insert(def.name.to_owned(), value.clone());
                changes.insert(
                    def.name.to_owned(),
                    FieldChange {
                        base: Value::Null,
                        new: value,
                    },
                );
            }
        }
        self.record(entity, id, OpKind::Insert, changes, &hlc)?;
        self.history(
            entity,
            id,
            "*",
            &Value::Null,
            &Value::Object(created),
            "insert",
            &hlc,
        )?;
        search::reindex(&self.tx, entity, row.rowid)?;
        Ok(())
    }

    /// Change fields of a record. Fields whose value is unchanged are skipped;
    /// returns whether anything changed.
    pub fn update(&mut self, entity: EntityKind, id: Id, changes: &Fields<'_>) -> Result<bool> {
        let defs = changes
            .iter()
            .map(|(name, _)| def_of(entity, name).copied())
            .collect::<Result<Vec<_>>>()?;
        let current = self.read_fields(entity, id, &defs)?;
        let Some(current) = current.filter(|r| !r.deleted) else {
            return Err(StoreError::NotFound { entity, id });
        };
        let mut diffs = BTreeMap::new();
        for ((def, (_, new)), base) in defs.iter().zip(changes).zip(current.values) {
            if *new == base {
                continue;
            }
            if def.required && is_blank(new) {
                return Err(Invalid::new(def.name, Problem::Empty).into());
            }
            self.check_value(def, new)?;
            self.check_unique(entity, id, def, new)?;
            diffs.insert(
                def.name,
                (
                    *def,
                    FieldChange {
                        base,
                        new: new.clone(),
                    },
                ),
            );
        }
        if diffs.is_empty() {
            return Ok(false);
        }
        let hlc = self.tick();
        let assignments: Vec<String> = diffs.keys().map(|name| format!("{name} = ?")).collect();
        let sql = format!(
            "UPDATE {} SET {}, updated_at = ?, hlc = ? WHERE id = ?",
            entity.table(),
            assignments.join(", ")
        );
        let mut values: Vec<Sql> = diffs
            .values()
            .map(|(def, change)| to_sql(def.ty.storage(), &change.new))
            .collect();
        values.push(Sql::Integer(self.now.timestamp_millis()));
        values.push(Sql::Text(hlc.to_string()));
        values.push(Sql::Blob(id.0.as_bytes().to_vec()));
        self.tx
            .prepare_cached(&sql)?
            .execute(params_from_iter(values))?;

        for (name, (_, change)) in &diffs {
            self.history(entity, id, name, &change.base, &change.new, "update", &hlc)?;
        }
        let touches_index = diffs.values().any(|(def, _)| def.searchable);
        let op_fields = diffs
            .into_iter()
            .map(|(name, (_, change))| (name.to_owned(), change))
            .collect();
        self.record(entity, id, OpKind::Update, op_fields, &hlc)?;
        if touches_index {
            search::reindex(&self.tx, entity, current.rowid)?;
        }
        Ok(true)
    }

    /// Soft-delete a record: it disappears from lists and search, but stays in
    /// the database (and its history) so sync can tell others.
    pub fn delete(&mut self, entity: EntityKind, id: Id) -> Result<()> {
        self.set_deleted(entity, id, true)
    }

    /// Undo a soft delete.
    pub fn restore(&mut self, entity: EntityKind, id: Id) -> Result<()> {
        self.set_deleted(entity, id, false)
    }

    /// Note in a record's field history an operation made of other writes
    /// (a merge), with `detail` as its new value. Local only: the writes
    /// themselves are what syncs.
    pub fn note_history(
        &mut self,
        entity: EntityKind,
        id: Id,
        op: &str,
        detail: &Value,
    ) -> Result<()> {
        let hlc = self.tick();
        self.history(entity, id, "*", &Value::Null, detail, op, &hlc)
    }

    /// Queue a change again as a new op (a rejected change the user retries);
    /// the row already holds its values. `hlc`: keep the change's own time
    /// (a change held back for a server update is as old as it was);
    /// `None`: it is made now.
    pub fn requeue(
        &mut self,
        entity: EntityKind,
        id: Id,
        kind: OpKind,
        fields: &BTreeMap<String, FieldChange>,
        hlc: Option<&Hlc>,
    ) -> Result<()> {
        let hlc = match hlc {
            Some(hlc) => hlc.clone(),
            None => self.tick(),
        };
        self.record(entity, id, kind, fields.clone(), &hlc)
    }

    fn set_deleted(&mut self, entity: EntityKind, id: Id, deleted: bool) -> Result<()> {
        let current = self.read_fields(entity, id, &[])?;
        let Some(current) = current.filter(|r| r.deleted != deleted) else {
            return Err(StoreError::NotFound { entity, id });
        };
        // The record's clock as this laptop last saw it: the server tells a
        // delete of a record someone edited since (a conflict) from a plain one.
        let seen: String = self
            .tx
            .prepare_cached(&format!("SELECT hlc FROM {} WHERE id = ?1", entity.table()))?
            .query_row([id.0], |r| r.get(0))?;
        let hlc = self.tick();
        let (deleted_at, deleted_by) = if deleted {
            (
                Some(self.now.timestamp_millis()),
                Some(self.device.user_id.0),
            )
        } else {
            (None, None)
        };
        let sql = format!(
            "UPDATE {} SET deleted_at = ?1, deleted_by = ?2, updated_at = ?3, hlc = ?4 WHERE id = ?5",
            entity.table()
        );
        self.tx.prepare_cached(&sql)?.execute(params![
            deleted_at,
            deleted_by,
            self.now.timestamp_millis(),
            hlc.to_string(),
            id.0
        ])?;
        let kind = if deleted {
            OpKind::Delete
        } else {
            OpKind::Restore
        };
        let fields = BTreeMap::from([(
            SEEN_FIELD.to_owned(),
            FieldChange {
                base: Value::String(seen),
                new: Value::Null,
            },
        )]);
        self.record(entity, id, kind, fields, &hlc)?;
        self.history(
            entity,
            id,
            "*",
            &Value::Null,
            &Value::Null,
            kind.as_str(),
            &hlc,
        )?;
        search::reindex(&self.tx, entity, current.rowid)?;
        Ok(())
    }

    /// Refuse values the field's check refuses (the check every door uses),
    /// values that point at records that do not exist, and unknown pipeline
    /// stages.
    /// Refuse a value of a field no two live records of the kind may share
    /// (the description's `unique`: a product's code) that another holds.
    fn check_unique(
        &self,
        entity: EntityKind,
        id: Id,
        def: &FieldDef,
        value: &Value,
    ) -> Result<()> {
        if value.is_null() || !entity.entity().unique.contains(&def.name) {
            return Ok(());
        }
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} = ?1 AND id != ?2 AND deleted_at IS NULL LIMIT 1",
            entity.table(),
            def.name
        );
        let taken = self
            .tx
            .prepare_cached(&sql)?
            .query_row(
                params_from_iter([
                    to_sql(def.ty.storage(), value),
                    Sql::Blob(id.0.as_bytes().to_vec()),
                ]),
                |_| Ok(()),
            )
            .optional()?;
        match taken {
            Some(()) => Err(Invalid::new(def.name, Problem::Taken).into()),
            None => Ok(()),
        }
    }

    /// Whether another parent reference among `fields` names a record
    /// held here whose own `field` holds `value`.
    fn named_by_a_parent(
        &self,
        entity: EntityKind,
        fields: &Fields<'_>,
        field: &str,
        value: &Value,
    ) -> Result<bool> {
        let Some(target) = id_of(value) else {
            return Ok(false);
        };
        for parent in entity
            .entity()
            .parents()
            .into_iter()
            .filter(|p| *p != field)
        {
            let (Some(FieldType::Ref(kind)), Some(parent_id)) = (
                entity.field(parent).map(|d| d.ty),
                fields
                    .iter()
                    .find(|(name, _)| *name == parent)
                    .and_then(|(_, v)| id_of(v)),
            ) else {
                continue;
            };
            if kind.field(field).map(|d| d.ty) != entity.field(field).map(|d| d.ty) {
                continue;
            }
            let sql = format!(
                "SELECT 1 FROM {} WHERE id = ?1 AND {field} = ?2 AND deleted_at IS NULL",
                kind.table()
            );
            let found = self
                .tx
                .prepare_cached(&sql)?
                .query_row([parent_id.0, target.0], |_| Ok(()))
                .optional()?;
            if found.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn check_value(&self, def: &FieldDef, value: &Value) -> Result<()> {
        def.check(value)
            .map_err(|problem| Invalid::new(def.name, problem))?;
        match def.ty {
            FieldType::Ref(target) => {
                if let Some(target_id) = id_of(value) {
                    let sql = format!(
                        "SELECT 1 FROM {} WHERE id = ?1 AND deleted_at IS NULL",
                        target.table()
                    );
                    let found = self
                        .tx
                        .prepare_cached(&sql)?
                        .query_row([target_id.0], |_| Ok(()))
                        .optional()?;
                    if found.is_none() {
                        return Err(Invalid::new(def.name, Problem::Missing).into());
                    }
                } else if !value.is_null() {
                    return Err(Invalid::new(def.name, Problem::Id).into());
                }
            }
            FieldType::Stage => {
                let stage = value.as_str().unwrap_or_default();
                let known = self
                    .tx
                    .prepare_cached("SELECT 1 FROM pipeline_stages WHERE key = ?1")?
                    .query_row([stage], |_| Ok(()))
                    .optional()?;
                if known.is_none() {
                    let stages: Vec<String> = self
                        .tx
                        .prepare_cached("SELECT key FROM pipeline_stages ORDER BY position")?
                        .query_map([], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    return Err(Invalid::new(
                        def.name,
                        Problem::OneOf {
                            allowed: stages.join(", "),
                        },
                    )
                    .into());
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn read_fields(
        &self,
        entity: EntityKind,
        id: Id,
        defs: &[FieldDef],
    ) -> Result<Option<StoredRow>> {
        let mut columns = vec!["rowid", "deleted_at IS NOT NULL"];
        columns.extend(defs.iter().map(|d| d.name));
        let sql = format!(
            "SELECT {} FROM {} WHERE id = ?1",
            columns.join(", "),
            entity.table()
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let row = stmt
            .query_row([id.0], |r| {
                let values = defs
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Ok(canonical(d, from_sql(d.ty.storage(), r.get_ref(i + 2)?))))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(StoredRow {
                    rowid: r.get(0)?,
                    deleted: r.get(1)?,
                    values,
                })
            })
            .optional()?;
        Ok(row)
    }

    fn record(
        &mut self,
        entity: EntityKind,
        record_id: Id,
        kind: OpKind,
        fields: BTreeMap<String, FieldChange>,
        hlc: &Hlc,
    ) -> Result<()> {
        self.device.seq += 1;
        // The oldest version that can carry the op: an older server still
        // takes every change it can understand.
        let schema_version = version_needed(
            entity,
            fields
                .keys()
                .map(String::as_str)
                .filter(|f| *f != SEEN_FIELD),
            UPGRADES,
        );
        let op = Op {
            op_id: Id::new(),
            device_id: self.device.id,
            device_seq: self.device.seq,
            entity,
            record_id,
            kind,
            fields,
            hlc: hlc.clone(),
            author_id: self.device.user_id,
            schema_version,
        };
        let fields =
            serde_json::to_string(&op.fields).map_err(|e| StoreError::Refused(e.to_string()))?;
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (device_seq, op_id, entity, record_id, kind, fields, hlc, author_id, schema_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                op.device_seq,
                op.op_id.0,
                entity.name(),
                record_id.0,
                kind.as_str(),
                fields,
                hlc.to_string(),
                op.author_id.0,
                op.schema_version,
                self.now.timestamp_millis(),
            ])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn history(
        &self,
        entity: EntityKind,
        record_id: Id,
        field: &str,
        old: &Value,
        new: &Value,
        op: &str,
        hlc: &Hlc,
    ) -> Result<()> {
        let text = |v: &Value| (!v.is_null()).then(|| v.to_string());
        self.tx
            .prepare_cached(
                "INSERT INTO field_history (entity, record_id, field, old, new, op, changed_by, changed_at, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                entity.name(),
                record_id.0,
                field,
                text(old),
                text(new),
                op,
                self.device.user_id.0,
                self.now.timestamp_millis(),
                hlc.to_string(),
            ])?;
        Ok(())
    }
}

/// No value, or only blanks: what a required field must not be.
fn is_blank(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
}

/// A stored value in its canonical form: yes/no fields are held as 0/1 but are
/// `true`/`false` everywhere else, so an unchanged flag compares equal and the
/// outbox carries what the server and other laptops expect.
fn canonical(def: &FieldDef, stored: Value) -> Value {
    match (def.ty, &stored) {
        (FieldType::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        _ => stored,
    }
}

struct StoredRow {
    rowid: i64,
    deleted: bool,
    values: Vec<Value>,
}
