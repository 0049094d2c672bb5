//! Any kind of record, by its description: the commands a kind that needs
//! nothing special gets for free (describe, list, get, create, update,
//! delete, restore), over the store's one path for a person's edits.

use crm_domain::{EntityKind, Id, schema::Description};
use crm_store::{RecordPage, RecordQuery, RecordRow};
use serde::{Deserialize, Serialize};

/// A kind's description, and whether this user may change its records.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct KindView {
    /// The description.
    #[serde(flatten)]
    pub description: Description,
    /// This user may create, change and delete its records (the store's
    /// rule, the one the writes obey).
    pub may_edit: bool,
}

use crate::{App, AppError, Result, commands::RawFields};

/// Which kind.
#[derive(Debug, Clone, Deserialize)]
pub struct KindArgs {
    /// The kind's name (`exchange_rate`, `task`...).
    pub kind: String,
}

/// A page of records of a kind.
#[derive(Debug, Clone, Deserialize)]
pub struct ListRecords {
    /// The kind's name.
    pub kind: String,
    /// Filter, sort and page.
    #[serde(flatten)]
    pub query: RecordQuery,
}

/// One record of a kind.
#[derive(Debug, Clone, Deserialize)]
pub struct KindRecord {
    /// The kind's name.
    pub kind: String,
    /// The record.
    pub id: Id,
}

/// A new record of a kind, its fields as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateAny {
    /// The kind's name.
    pub kind: String,
    /// Field values as typed.
    pub fields: RawFields,
}

/// Changed fields of a record of a kind, as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct UpdateAny {
    /// The kind's name.
    pub kind: String,
    /// The record.
    pub id: Id,
    /// Field values as typed; empty text clears an optional field.
    pub fields: RawFields,
}

/// The kind a name means, or a refusal naming the field `kind`.
pub fn kind_named(name: &str) -> Result<EntityKind> {
    name.parse::<EntityKind>()
        .map_err(|problem| AppError::invalid("kind", &problem))
}

impl App {
    /// A kind's description: fields, choices, list columns, who may edit,
    /// and whether this user may.
    pub fn describe(&self, args: KindArgs) -> Result<KindView> {
        let kind = kind_named(&args.kind)?;
        let may_edit = self.read(|s| Ok(s.may_change(kind)?))?;
        Ok(KindView {
            description: kind.entity().describe(),
            may_edit,
        })
    }

    /// A page of records of a kind.
    pub fn list_records(&self, args: ListRecords) -> Result<RecordPage> {
        let kind = kind_named(&args.kind)?;
        self.read(|s| Ok(s.records(kind, &args.query)?))
    }

    /// One record of a kind.
    pub fn get_record(&self, args: KindRecord) -> Result<RecordRow> {
        let kind = kind_named(&args.kind)?;
        self.read(|s| Ok(s.record(kind, args.id)?))
    }

    /// Create a record of a kind from typed fields.
    pub fn create_record(&self, args: CreateAny) -> Result<RecordRow> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| {
            let values = s.typed(kind, &args.fields, None)?;
            Ok(s.create_record(kind, &values)?)
        })
    }

    /// Change fields of a record of a kind from typed fields.
    pub fn update_record(&self, args: UpdateAny) -> Result<RecordRow> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| {
            let current = s.record(kind, args.id)?;
            let values = s.typed(kind, &args.fields, Some(&current))?;
            Ok(s.update_record(kind, args.id, &values)?)
        })
    }

    /// Soft-delete a record of a kind (it syncs; restore brings it back).
    pub fn delete_record(&self, args: KindRecord) -> Result<()> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| Ok(s.delete_record(kind, args.id)?))
    }

    /// Bring back a deleted record of a kind.
    pub fn restore_record(&self, args: KindRecord) -> Result<RecordRow> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| Ok(s.restore_record(kind, args.id)?))
    }
}
