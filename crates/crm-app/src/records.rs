//! Any kind of record, by its description: the commands a kind that needs
//! nothing special gets for free (describe, list, get, create, update,
//! delete, restore), over the store's one path for a person's edits.

use crm_domain::{EntityKind, Id, schema::Description};
use crm_store::{BulkAction, Bulked, RecordPage, RecordQuery, RecordRow, Selection};
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

/// One change to many records of a kind: `{kind, ids | matching, action,
/// value}`.
#[derive(Debug, Clone, Deserialize)]
pub struct BulkRecords {
    /// The kind's name.
    pub kind: String,
    /// Which records.
    #[serde(flatten)]
    pub selection: Selection,
    /// What to do to each.
    #[serde(flatten)]
    pub action: BulkAction,
}

/// Records of a kind to export: `{kind, ids | matching}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportRecords {
    /// The kind's name.
    pub kind: String,
    /// Which records.
    #[serde(flatten)]
    pub selection: Selection,
}

/// A CSV file of records, for the UI to save.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportedFile {
    /// A name for the file (`accounts.csv`).
    pub file_name: String,
    /// Its text: UTF-8 CSV with a byte-order mark (Excel needs it), the
    /// columns of `crm export`.
    pub text: String,
    /// Records in it.
    pub count: u32,
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

    /// Give, tag, delete or restore many records of a kind at once, in one
    /// transaction, each as a person's single edit (its own synced op and
    /// history; the same rights).
    pub fn bulk_records(&self, args: BulkRecords) -> Result<Bulked> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| Ok(s.bulk(kind, &args.selection, &args.action)?))
    }

    /// A list's selection as CSV, in the columns of `crm export`.
    pub fn export_records(&self, args: ExportRecords) -> Result<ExportedFile> {
        let kind = kind_named(&args.kind)?;
        let what: crm_exchange::ExportKind = kind
            .name()
            .parse()
            .map_err(|_| AppError::invalid("kind", &crm_domain::Problem::UnknownField))?;
        self.read(|s| {
            let ids = s.selected(kind, &args.selection)?;
            let file = crm_exchange::export_selected(
                s,
                what,
                &ids,
                crm_exchange::Format::Csv,
                crm_exchange::Encoding::Utf8,
            )
            .map_err(crate::exchange::exchange_error)?;
            Ok(ExportedFile {
                file_name: format!("{}.csv", what.name()),
                text: String::from_utf8_lossy(&file.bytes).into_owned(),
                count: file.count as u32,
            })
        })
    }

    /// Bring back a deleted record of a kind.
    pub fn restore_record(&self, args: KindRecord) -> Result<RecordRow> {
        let kind = kind_named(&args.kind)?;
        self.write(|s| Ok(s.restore_record(kind, args.id)?))
    }
}
