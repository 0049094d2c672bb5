//! Bringing records in from files and listing them out: the store's side of
//! import and export. Reading and writing the files is `crm-exchange`'s job.
//!
//! An import is one transaction of ordinary inserts (each one syncs like a
//! record typed by hand). Rows already imported from a file (by fingerprint)
//! and rows that look like an existing record, or like an earlier row, are
//! left out and reported.

use std::collections::HashMap;

use crm_domain::{EntityKind, Id};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    Store,
    duplicates::{self, CHECKED, Identity, KeyKind},
    error::{Result, StoreError},
    write::Writer,
};

/// One row of a file, parsed and checked, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    /// Where it starts in the file (1 = the first line).
    pub line: u64,
    /// What identifies the row's content: the same row of the same file
    /// always has the same fingerprint.
    pub fingerprint: String,
    /// The record's fields as canonical values.
    pub fields: Vec<(&'static str, Value)>,
    /// Contacts: the company the person works for, an account id or name.
    /// A name no account has becomes a new account; no company makes an
    /// individual account named after the person (as lead conversion does).
    pub account: Option<String>,
}

/// Rows between two progress reports of an import.
pub const IMPORT_STEP: usize = 500;

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Write nothing: report what an import would do.
    pub dry_run: bool,
    /// Import rows that look like an existing record too (to merge later).
    pub keep_duplicates: bool,
}

/// A row of the file and the record it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportedRow {
    /// The row's line in the file.
    pub line: u64,
    /// The record it made (or made before).
    pub id: Id,
}

/// A row left out because it looks like a record already there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateRow {
    /// The row's line in the file.
    pub line: u64,
    /// The existing record it looks like, if it was in the database.
    pub existing: Option<Id>,
    /// The earlier line of the same file it looks like, if it was in the file.
    pub same_as_line: Option<u64>,
    /// What they have in common.
    pub reasons: Vec<KeyKind>,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Rows written as new records.
    pub imported: Vec<ImportedRow>,
    /// Rows this database imported before (the same file run again).
    pub already_imported: Vec<ImportedRow>,
    /// Rows left out as duplicates.
    pub duplicates: Vec<DuplicateRow>,
    /// Accounts made for contacts whose company had none.
    pub accounts_created: Vec<Id>,
    /// Nothing was written (a dry run).
    pub dry_run: bool,
}

/// The identity duplicate detection compares, from canonical fields.
fn identity_of(
    entity: EntityKind,
    fields: &[(&'static str, Value)],
    account_id: Option<Id>,
) -> Identity {
    let get = |name: &str| fields.iter().find(|(f, _)| *f == name).map(|(_, v)| v);
    let text = |name: &str| get(name).and_then(Value::as_str).map(str::to_owned);
    let list = |name: &str| -> Vec<String> {
        match get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let (emails, phones) = if entity == EntityKind::Contact {
        (list("emails"), list("phones"))
    } else {
        (list("email"), list("phone"))
    };
    Identity {
        name: text("name").unwrap_or_default(),
        company: text("company"),
        account_id,
        emails,
        phones,
        website: text("website"),
    }
}

/// Marks the end of a dry run: the transaction is rolled back on purpose.
const DRY_RUN: &str = "dry run: rolled back";

struct Importer {
    entity: EntityKind,
    options: ImportOptions,
    outcome: ImportOutcome,
    /// Keys of the rows imported so far, to catch a file that repeats itself.
    seen_keys: HashMap<(KeyKind, String), u64>,
    seen_fingerprints: HashMap<String, u64>,
    /// Accounts found or made for contacts, by company key.
    accounts: HashMap<String, Id>,
}

impl Importer {
    fn account_for(&mut self, w: &mut Writer<'_>, record: &ImportRecord) -> Result<Id> {
        let person = record
            .fields
            .iter()
            .find(|(f, _)| *f == "name")
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let (name, kind) = match record.account.as_deref().map(str::trim) {
            Some(given) if !given.is_empty() => {
                if let Ok(id) = given.parse::<Id>() {
                    return Ok(id);
                }
                (given.to_owned(), "company")
            }
            _ => (person, "individual"),
        };
        let Some(key) = duplicates::company_key(&name) else {
            return Err(crm_domain::Invalid::new("account", crm_domain::Problem::Empty).into());
        };
        if let Some(id) = self.accounts.get(&key) {
            return Ok(*id);
        }
        let existing = w
            .conn()
            .prepare_cached(
                "SELECT record_id FROM duplicate_keys WHERE entity = 'account' AND kind = 'name' AND key = ?1
                 ORDER BY row LIMIT 1",
            )?
            .query_row([&key], |r| r.get::<_, Uuid>(0).map(Id))
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id = w.insert(
                    EntityKind::Account,
                    &[
                        ("name", json!(name)),
                        ("kind", json!(kind)),
                        ("owner_id", json!(w.user_id().to_string())),
                    ],
                )?;
                self.outcome.accounts_created.push(id);
                id
            }
        };
        self.accounts.insert(key, id);
        Ok(id)
    }

    fn row(&mut self, w: &mut Writer<'_>, record: &ImportRecord) -> Result<()> {
        let line = record.line;
        // A row repeated in this file first: this import's own rows are in
        // the fingerprints table too, but they were not "imported before".
        if let Some(first) = self.seen_fingerprints.get(&record.fingerprint) {
            self.outcome.duplicates.push(DuplicateRow {
                line,
                existing: None,
                same_as_line: Some(*first),
                reasons: Vec::new(),
            });
            return Ok(());
        }
        let earlier = w
            .conn()
            .prepare_cached(
                "SELECT record_id FROM import_fingerprints WHERE entity = ?1 AND fingerprint = ?2",
            )?
            .query_row(params![self.entity.name(), record.fingerprint], |r| {
                r.get::<_, Uuid>(0).map(Id)
            })
            .optional()?;
        if let Some(id) = earlier {
            self.outcome.already_imported.push(ImportedRow { line, id });
            return Ok(());
        }
        let mut fields = record.fields.clone();
        let account_id = if self.entity == EntityKind::Contact {
            let id = self.account_for(w, record)?;
            fields.retain(|(f, _)| *f != "account_id");
            fields.push(("account_id", json!(id.to_string())));
            Some(id)
        } else {
            None
        };
        let keys = if CHECKED.contains(&self.entity) {
            duplicates::keys(self.entity, &identity_of(self.entity, &fields, account_id))
        } else {
            Vec::new()
        };
        if !self.options.keep_duplicates {
            if let Some(found) = duplicates::matching(w.conn(), self.entity, &keys, None)?
                .into_iter()
                .next()
            {
                self.outcome.duplicates.push(DuplicateRow {
                    line,
                    existing: Some(found.id),
                    same_as_line: None,
                    reasons: found.reasons,
                });
                return Ok(());
            }
            let mut same: Option<(u64, Vec<KeyKind>)> = None;
            for key in &keys {
                if let Some(first) = self.seen_keys.get(key) {
                    let entry = same.get_or_insert((*first, Vec::new()));
                    if entry.0 == *first {
                        entry.1.push(key.0);
                    }
                }
            }
            if let Some((first, reasons)) = same {
                self.outcome.duplicates.push(DuplicateRow {
                    line,
                    existing: None,
                    same_as_line: Some(first),
                    reasons,
                });
                return Ok(());
            }
        }
        let id = w.insert(self.entity, &fields)?;
        w.conn()
            .prepare_cached(
                "INSERT INTO import_fingerprints (entity, fingerprint, record_id, imported_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                self.entity.name(),
                record.fingerprint,
                id.0,
                w.now().timestamp_millis()
            ])?;
        self.seen_fingerprints
            .insert(record.fingerprint.clone(), line);
        for key in keys {
            self.seen_keys.entry(key).or_insert(line);
        }
        self.outcome.imported.push(ImportedRow { line, id });
        Ok(())
    }
}

impl Store {
    /// Write the rows of a file as new records of `entity`, all in one
    /// transaction: an error in any row writes nothing. Rows imported before
    /// and rows that look like an existing record or an earlier row are left
    /// out and reported.
    pub fn import(
        &mut self,
        entity: EntityKind,
        records: &[ImportRecord],
        options: ImportOptions,
    ) -> Result<ImportOutcome> {
        self.import_watched(entity, records, options, &mut |_, _| true)
    }

    /// [`Store::import`], telling `watch` how many rows are done of how
    /// many every [`IMPORT_STEP`] rows; when `watch` answers false the
    /// import stops and writes nothing ([`StoreError::Cancelled`]).
    pub fn import_watched(
        &mut self,
        entity: EntityKind,
        records: &[ImportRecord],
        options: ImportOptions,
        watch: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<ImportOutcome> {
        if !CHECKED.contains(&entity) {
            return Err(StoreError::Refused(format!(
                "records can be imported into accounts, contacts or leads, not {}",
                entity.table()
            )));
        }
        let mut importer = Importer {
            entity,
            options,
            outcome: ImportOutcome {
                dry_run: options.dry_run,
                ..ImportOutcome::default()
            },
            seen_keys: HashMap::new(),
            seen_fingerprints: HashMap::new(),
            accounts: HashMap::new(),
        };
        // A big import is one transaction: give it the page cache to hold
        // its changes until commit instead of spilling them to the log page
        // by page (as the demo loader does), then return to the default.
        let big = records.len() > 1_000;
        if big {
            self.conn().pragma_update(None, "cache_size", -262_144)?;
        }
        // Keys first, committed on their own: a dry run undoes its
        // transaction, and the keys of a freshly loaded book would be
        // computed again at every preview.
        self.refresh_duplicate_keys()?;
        let result = self.write(|w| {
            for (done, record) in records.iter().enumerate() {
                if done % IMPORT_STEP == 0 && !watch(done, records.len()) {
                    return Err(StoreError::Cancelled);
                }
                importer.row(w, record)?;
            }
            if !watch(records.len(), records.len()) {
                return Err(StoreError::Cancelled);
            }
            if options.dry_run {
                // The same path as a real import, then undone: what a dry run
                // reports is exactly what the import would do.
                return Err(StoreError::Refused(DRY_RUN.into()));
            }
            Ok(())
        });
        if big {
            self.conn().pragma_update(None, "cache_size", -2_000)?;
        }
        match result {
            Ok(()) => Ok(importer.outcome),
            Err(StoreError::Refused(msg)) if options.dry_run && msg == DRY_RUN => {
                Ok(importer.outcome)
            }
            Err(e) => Err(e),
        }
    }

    /// The ids of every live record of `entity`, oldest first: what an export
    /// goes through.
    pub fn record_ids(&self, entity: EntityKind) -> Result<Vec<Id>> {
        let sql = format!(
            "SELECT id FROM {} WHERE deleted_at IS NULL ORDER BY created_at, rowid",
            entity.table()
        );
        let ids = self
            .conn()
            .prepare(&sql)?
            .query_map([], |r| r.get::<_, Uuid>(0).map(Id))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }
}
