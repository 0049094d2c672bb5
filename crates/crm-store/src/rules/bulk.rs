//! One change to many records of a kind at once (a list's selection): give
//! them to someone, tag them, delete or restore them. Every record is changed
//! through the same steps as a person's single edit (so each gets its own
//! outbox op and history, and the same rights apply), all in one
//! transaction: the selection changes whole or not at all.

use crm_domain::{EntityKind, Id, Invalid, Problem, schema::FieldType};
use rusqlite::{OptionalExtension, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Store,
    error::{Result, StoreError},
    records::{RecordQuery, edit_in},
};

/// Which records of a kind.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Selection {
    /// These records.
    Ids(Vec<Id>),
    /// Every record matching the query (its paging is ignored): a list's
    /// "select all matching".
    Matching(RecordQuery),
}

/// What a bulk change does to each selected record.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
#[serde(tag = "action", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum BulkAction {
    /// Give them to this user (the kind's owner field); what hangs under
    /// each goes along, as with a single hand-over.
    Assign(Id),
    /// Add this tag (the kind's tags field); records that have it already
    /// are left as they are.
    Tag(String),
    /// Soft-delete them.
    Delete,
    /// Bring them back.
    Restore,
}

/// What a bulk change did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Bulked {
    /// Records selected.
    pub selected: u32,
    /// Records changed (each one op in the outbox).
    pub changed: u32,
    /// Records that were as asked already.
    pub unchanged: u32,
    /// The records changed, so that a delete can be undone exactly.
    pub ids: Vec<Id>,
}

/// The most records one bulk change takes: a whole book of the largest
/// demo stays within it, and a runaway selection is refused before writing.
pub const MAX_BULK: usize = 200_000;

impl Store {
    /// The ids `selection` means, in list order.
    pub fn selected(&self, kind: EntityKind, selection: &Selection) -> Result<Vec<Id>> {
        let ids = match selection {
            Selection::Ids(ids) => ids.clone(),
            Selection::Matching(query) => {
                let Some((filter, args)) = self.matching(kind, query)? else {
                    return Ok(Vec::new());
                };
                let sql = format!("SELECT id FROM {} WHERE {filter} ORDER BY id", kind.table());
                self.conn()
                    .prepare(&sql)?
                    .query_map(params_from_iter(args.iter()), |r| {
                        r.get::<_, uuid::Uuid>(0).map(Id)
                    })?
                    .collect::<rusqlite::Result<_>>()?
            }
        };
        if ids.len() > MAX_BULK {
            return Err(Invalid::new(
                "ids",
                Problem::Range {
                    min: 1,
                    max: MAX_BULK as i64,
                },
            )
            .into());
        }
        Ok(ids)
    }

    /// Apply `action` to every record of `kind` in `selection`, in one
    /// transaction, each through the steps of a person's single edit: the
    /// rights of [`Store::edit`] (the kind's writers, giving only where the
    /// role may) are checked once for all before anything is written, and
    /// any record that cannot be changed (unknown, of another kind) stops
    /// the whole change.
    pub fn bulk(
        &mut self,
        kind: EntityKind,
        selection: &Selection,
        action: &BulkAction,
    ) -> Result<Bulked> {
        let ids = self.selected(kind, selection)?;
        let entity = kind.entity();
        let tags = || {
            kind.fields()
                .iter()
                .find(|d| d.ty == FieldType::Tags)
                .map(|d| d.name)
                .ok_or_else(|| StoreError::from(Invalid::new("tags", Problem::UnknownField)))
        };
        match action {
            BulkAction::Assign(to) => {
                let owner = entity
                    .owner()
                    .ok_or_else(|| Invalid::new("owner_id", Problem::UnknownField))?;
                self.may_write(kind, &[(owner, Value::String(to.to_string()))], false)?;
                self.may_give(kind, *to)?;
            }
            BulkAction::Tag(tag) => {
                let field = tags()?;
                let value = kind.parse_field(field, tag, None)?;
                if value.as_array().is_none_or(|v| v.len() != 1) {
                    return Err(Invalid::new(field, Problem::Empty).into());
                }
                self.may_write(kind, &[(field, value)], false)?;
            }
            BulkAction::Delete | BulkAction::Restore => self.may_write(kind, &[], false)?,
        }
        let table = kind.table();
        self.write(|w| {
            let mut done = Bulked {
                selected: ids.len() as u32,
                ..Bulked::default()
            };
            for &id in &ids {
                let deleted: bool = w
                    .conn()
                    .prepare_cached(&format!(
                        "SELECT deleted_at IS NOT NULL FROM {table} WHERE id = ?1"
                    ))?
                    .query_row([id.0], |r| r.get(0))
                    .optional()?
                    .ok_or(StoreError::NotFound { entity: kind, id })?;
                let changed = match action {
                    BulkAction::Assign(to) => {
                        let owner = entity.owner().expect("checked above");
                        edit_in(
                            w,
                            kind,
                            id,
                            &[(owner, Value::String(to.to_string()))],
                            Some(*to),
                        )?
                    }
                    BulkAction::Tag(tag) => {
                        let field = tags()?;
                        let current: Option<String> = w
                            .conn()
                            .prepare_cached(&format!("SELECT {field} FROM {table} WHERE id = ?1"))?
                            .query_row([id.0], |r| r.get(0))?;
                        let mut list: Vec<String> = current
                            .and_then(|t| serde_json::from_str(&t).ok())
                            .unwrap_or_default();
                        let tag = kind.parse_field(field, tag, None)?;
                        let tag = tag[0].as_str().unwrap_or_default().to_owned();
                        if list.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
                            false
                        } else {
                            list.push(tag);
                            w.update(kind, id, &[(field, serde_json::json!(list))])?
                        }
                    }
                    BulkAction::Delete if !deleted => {
                        w.delete(kind, id)?;
                        true
                    }
                    BulkAction::Restore if deleted => {
                        w.restore(kind, id)?;
                        true
                    }
                    BulkAction::Delete | BulkAction::Restore => false,
                };
                if changed {
                    done.changed += 1;
                    done.ids.push(id);
                } else {
                    done.unchanged += 1;
                }
            }
            Ok(done)
        })
    }
}
