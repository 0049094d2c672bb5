//! From a file read to records checked and ready for the store: the column
//! mapping applied, every value parsed as if typed by hand, every problem
//! reported with its line, field and reason before anything is written.

use std::{collections::HashMap, fmt};

use crm_domain::{EntityKind, Id, Problem};
use crm_store::{ImportOptions, ImportOutcome, ImportRecord, Store, StoreError};
use serde::{Serialize, Serializer, ser::SerializeStruct};
use serde_json::{Map, Value, json};

use crate::{
    error::{ExchangeError, Result},
    mapping::{self, Column, Concept, Target},
    source::{Content, Source, SourceFormat},
    text::Encoding,
    vcard::Card,
};

/// Why a row cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A value is refused, as it would be if typed by hand.
    Invalid(Problem),
    /// The row holds values past the last column of the header.
    TooManyValues {
        /// Values in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
}

impl Reason {
    /// A stable code for user interfaces (the problem codes of
    /// [`Problem::code`], and `too_many_values`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Invalid(p) => p.code(),
            Reason::TooManyValues { .. } => "too_many_values",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Invalid(p) => p.fmt(f),
            Reason::TooManyValues { found, expected } => write!(
                f,
                "has {found} values but the header has {expected} columns (a separator inside a value that is not quoted?)"
            ),
        }
    }
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The row's line in the file.
    pub line: u64,
    /// The field (`*` for the row as a whole).
    pub field: String,
    /// The value refused, as in the file.
    pub value: String,
    /// What is wrong.
    pub reason: Reason,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {} {}", self.line, self.field, self.reason)?;
        if !self.value.is_empty() {
            write!(f, " ({:?})", self.value)?;
        }
        Ok(())
    }
}

impl Serialize for RowProblem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("RowProblem", 5)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("code", self.reason.code())?;
        st.serialize_field("message", &self.reason.to_string())?;
        st.end()
    }
}

/// An import worked out: what each column fills, the records ready to write
/// and the rows that have problems. Nothing is written yet.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Into which kind of record.
    pub entity: EntityKind,
    /// CSV or vCard.
    pub format: SourceFormat,
    /// The encoding the file was read in.
    pub encoding: Encoding,
    /// CSV: the separator.
    pub delimiter: Option<char>,
    /// CSV: where each column goes.
    pub columns: Vec<Column>,
    /// Rows (or cards) in the file.
    pub rows: usize,
    /// The rows without problems, ready to write.
    pub records: Vec<ImportRecord>,
    /// Every problem of every bad row.
    pub problems: Vec<RowProblem>,
}

/// What a [`Plan`] shows before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Into which kind of record.
    pub entity: EntityKind,
    /// CSV or vCard.
    pub format: SourceFormat,
    /// The encoding the file was read in.
    pub encoding: Encoding,
    /// CSV: the separator.
    pub delimiter: Option<char>,
    /// CSV: where each column goes.
    pub columns: Vec<Column>,
    /// Rows in the file.
    pub rows: usize,
    /// Rows without problems.
    pub good_rows: usize,
    /// Rows with problems.
    pub bad_rows: usize,
    /// Every problem.
    pub problems: Vec<RowProblem>,
    /// The first records as they would be written.
    pub sample: Vec<Map<String, Value>>,
}

impl Plan {
    /// How many rows have a problem.
    pub fn bad_rows(&self) -> usize {
        let mut lines: Vec<u64> = self.problems.iter().map(|p| p.line).collect();
        lines.dedup();
        lines.len()
    }

    /// The plan for a person to check, with the first `sample` records.
    pub fn preview(&self, sample: usize) -> Preview {
        Preview {
            entity: self.entity,
            format: self.format,
            encoding: self.encoding,
            delimiter: self.delimiter,
            columns: self.columns.clone(),
            rows: self.rows,
            good_rows: self.records.len(),
            bad_rows: self.bad_rows(),
            problems: self.problems.clone(),
            sample: self
                .records
                .iter()
                .take(sample)
                .map(|r| {
                    let mut m: Map<String, Value> = r
                        .fields
                        .iter()
                        .map(|(f, v)| ((*f).to_owned(), v.clone()))
                        .collect();
                    if let Some(account) = &r.account {
                        m.insert("account".into(), json!(account));
                    }
                    m
                })
                .collect(),
        }
    }
}

/// A stable 128-bit FNV-1a hash, as hex: a row's fingerprint must be the
/// same in every build and on every laptop.
fn fingerprint(parts: &[(&str, &str)]) -> String {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u128::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (target, value) in parts {
        eat(target.as_bytes());
        eat(&[0x1f]);
        eat(value.as_bytes());
        eat(&[0x1e]);
    }
    format!("{hash:032x}")
}

/// One value of a row on its way to a field.
struct Cell {
    target: Target,
    /// Where it came from (a header, a vCard property), for notes.
    label: String,
    value: String,
    /// Goes to the notes as `label: value` even when it is the first note.
    labelled: bool,
}

/// Builds records from rows, remembering owner look-ups.
struct Builder<'s> {
    store: &'s Store,
    entity: EntityKind,
    owners: HashMap<String, Option<Id>>,
    accounts: HashMap<Id, bool>,
}

impl Builder<'_> {
    fn owner(&mut self, given: &str) -> Option<Id> {
        if let Some(found) = self.owners.get(given) {
            return *found;
        }
        let found = self.store.find_user(given).ok().map(|u| u.id);
        self.owners.insert(given.to_owned(), found);
        found
    }

    fn account_exists(&mut self, id: Id) -> bool {
        let store = self.store;
        *self
            .accounts
            .entry(id)
            .or_insert_with(|| store.account(id).is_ok())
    }

    /// The record of one row, or its problems.
    fn record(&mut self, line: u64, cells: Vec<Cell>) -> Result<ImportRecord, Vec<RowProblem>> {
        let entity = self.entity;
        let parts: Vec<(&str, &str)> = cells
            .iter()
            .map(|c| (c.target.name(), c.value.as_str()))
            .collect();
        let fingerprint = fingerprint(&parts);
        let mut problems = Vec::new();
        let mut refuse = |field: &str, value: &str, problem: Problem| {
            problems.push(RowProblem {
                line,
                field: field.to_owned(),
                value: value.to_owned(),
                reason: Reason::Invalid(problem),
            });
        };
        let (mut first, mut last) = (None, None);
        let mut singles: Vec<(&'static str, String)> = Vec::new();
        let mut lists: Vec<(&'static str, Vec<Value>)> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut extra_notes: Vec<String> = Vec::new();
        let (mut owner, mut account) = (None, None);
        for cell in &cells {
            let value = cell.value.trim();
            if value.is_empty() {
                continue;
            }
            let taken = match cell.target {
                Target::FirstName => first.replace(value).is_some(),
                Target::LastName => last.replace(value).is_some(),
                Target::Owner => owner.replace(value).is_some(),
                Target::Account => account.replace(value).is_some(),
                Target::Field("notes") => {
                    cell.labelled || !notes.is_empty() || {
                        notes.push(value.to_owned());
                        false
                    }
                }
                Target::Field(field) if cell.target.is_list() => {
                    match entity.parse_field(field, value, None) {
                        Ok(Value::Array(items)) => {
                            match lists.iter_mut().find(|(f, _)| *f == field) {
                                Some((_, all)) => all.extend(items),
                                None => lists.push((field, items)),
                            }
                        }
                        Ok(_) => {}
                        Err(e) => refuse(field, value, e.problem),
                    }
                    false
                }
                Target::Field(field) => {
                    if singles.iter().any(|(f, _)| *f == field) {
                        true
                    } else {
                        singles.push((field, value.to_owned()));
                        false
                    }
                }
            };
            // A second value for a field that holds one goes to the notes
            // rather than being lost.
            if taken {
                extra_notes.push(format!("{}: {value}", cell.label));
            }
        }
        if !singles.iter().any(|(f, _)| *f == "name") {
            let cjk = |s: &str| s.chars().any(crm_domain::search::is_cjk);
            let joined = match (first, last) {
                (Some(f), Some(l)) if cjk(f) || cjk(l) => Some(format!("{l}{f}")),
                (Some(f), Some(l)) => Some(format!("{f} {l}")),
                (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
                (None, None) => None,
            };
            if let Some(name) = joined {
                singles.push(("name", name));
            }
        }
        notes.extend(extra_notes);
        if !notes.is_empty() {
            singles.push(("notes", notes.join("\n")));
        }
        let mut fields: Vec<(&'static str, Value)> = Vec::new();
        for (field, raw) in &singles {
            match entity.parse_field(field, raw, None) {
                Ok(v) => fields.push((field, v)),
                Err(e) => refuse(field, raw, e.problem),
            }
        }
        for (field, mut items) in lists {
            let mut unique = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                if !unique.contains(&item) {
                    unique.push(item);
                }
            }
            fields.push((field, Value::Array(unique)));
        }
        if !singles.iter().any(|(f, _)| *f == "name") {
            refuse("name", "", Problem::Empty);
        }
        if let Some(given) = owner {
            match self.owner(given) {
                Some(id) => fields.push(("owner_id", json!(id.to_string()))),
                None => refuse("owner", given, Problem::Missing),
            }
        } else if matches!(entity, EntityKind::Account | EntityKind::Lead) {
            fields.push(("owner_id", json!(self.store.user_id().to_string())));
        }
        if let Some(given) = account
            && let Ok(id) = given.parse::<Id>()
            && !self.account_exists(id)
        {
            refuse("account", given, Problem::Missing);
        }
        if problems.is_empty() {
            Ok(ImportRecord {
                line,
                fingerprint,
                fields,
                account: account.map(str::to_owned),
            })
        } else {
            Err(problems)
        }
    }
}

/// The cells of one vCard for a record of `entity`. What the record has no
/// field for (a web site, an address, a second phone for a lead) goes to
/// its notes.
fn card_cells(entity: EntityKind, card: &Card) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut push = |concept: Option<Concept>, label: String, value: String| {
        let target = concept
            .and_then(|c| mapping::target(entity, c))
            .unwrap_or(Target::Field("notes"));
        cells.push(Cell {
            target,
            label,
            value,
            labelled: target == Target::Field("notes") && concept != Some(Concept::Notes),
        });
    };
    if let Some(name) = card.full_name() {
        push(Some(Concept::Name), "FN".into(), name);
    }
    for p in &card.properties {
        let label = if p.types.is_empty() {
            p.name.clone()
        } else {
            format!("{} ({})", p.name, p.types.join(", ").to_lowercase())
        };
        let joined = |parts: Vec<String>| {
            parts
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match p.name.as_str() {
            "ORG" => push(
                Some(Concept::Company),
                label,
                p.parts().into_iter().next().unwrap_or_default(),
            ),
            "TITLE" => push(Some(Concept::Title), label, p.text()),
            "EMAIL" => push(Some(Concept::Email), label, p.text()),
            // vCard 4 may write phones as URIs (`VALUE=uri:tel:+34-600...`).
            "TEL" => {
                let text = p.text();
                let number = text.strip_prefix("tel:").unwrap_or(&text).to_owned();
                push(Some(Concept::Phone), label, number)
            }
            "NOTE" => push(Some(Concept::Notes), label, p.text()),
            "URL" => push(None, label, p.text()),
            "ADR" => push(None, label, joined(p.parts())),
            _ => {}
        }
    }
    cells
}

/// Work out the import of `source` into `entity`: guess the mapping from the
/// headers, apply the user's `mapping`, and check every row. Reads the store
/// (owners, accounts) but writes nothing.
pub fn plan(
    store: &Store,
    source: &Source,
    entity: EntityKind,
    user_mapping: Option<&str>,
) -> Result<Plan> {
    if !matches!(
        entity,
        EntityKind::Account | EntityKind::Contact | EntityKind::Lead
    ) {
        return Err(StoreError::Refused(format!(
            "records can be imported into accounts, contacts or leads, not {}",
            entity.table()
        ))
        .into());
    }
    let mut builder = Builder {
        store,
        entity,
        owners: HashMap::new(),
        accounts: HashMap::new(),
    };
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut keep = |line: u64, result: Result<ImportRecord, Vec<RowProblem>>| match result {
        Ok(r) => records.push(r),
        Err(p) => {
            debug_assert!(p.iter().all(|p| p.line == line));
            problems.extend(p);
        }
    };
    let (columns, delimiter, rows) = match &source.content {
        Content::Table(table) => {
            let mut columns = mapping::guess(entity, &table.headers);
            if let Some(m) = user_mapping {
                mapping::adjust(entity, &mut columns, m)?;
            }
            for row in &table.rows {
                let extra = row
                    .cells
                    .iter()
                    .skip(columns.len())
                    .any(|c| !c.trim().is_empty());
                if extra {
                    keep(
                        row.line,
                        Err(vec![RowProblem {
                            line: row.line,
                            field: "*".into(),
                            value: String::new(),
                            reason: Reason::TooManyValues {
                                found: row.cells.len(),
                                expected: columns.len(),
                            },
                        }]),
                    );
                    continue;
                }
                let cells = columns
                    .iter()
                    .zip(&row.cells)
                    .filter_map(|(col, value)| {
                        col.target.map(|target| Cell {
                            target,
                            label: col.header.clone(),
                            value: value.clone(),
                            labelled: false,
                        })
                    })
                    .collect();
                keep(row.line, builder.record(row.line, cells));
            }
            (columns, Some(table.delimiter), table.rows.len())
        }
        Content::Cards(cards) => {
            if entity == EntityKind::Account {
                return Err(ExchangeError::Unsupported {
                    format: "vCard",
                    kind: "accounts",
                    allowed: "contacts or leads",
                });
            }
            for card in cards {
                keep(
                    card.line,
                    builder.record(card.line, card_cells(entity, card)),
                );
            }
            (Vec::new(), None, cards.len())
        }
    };
    if rows == 0 {
        return Err(ExchangeError::Empty);
    }
    Ok(Plan {
        entity,
        format: source.format(),
        encoding: source.encoding,
        delimiter,
        columns,
        rows,
        records,
        problems,
    })
}

/// Write the good records of `plan` (see [`Store::import`]).
pub fn import(store: &mut Store, plan: &Plan, options: ImportOptions) -> Result<ImportOutcome> {
    Ok(store.import(plan.entity, &plan.records, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_tell_rows_apart() {
        let a = fingerprint(&[("name", "Ana"), ("email", "a@x.es")]);
        assert_eq!(a, fingerprint(&[("name", "Ana"), ("email", "a@x.es")]));
        assert_eq!(a.len(), 32);
        assert_ne!(a, fingerprint(&[("name", "Ana"), ("email", "b@x.es")]));
        assert_ne!(a, fingerprint(&[("name", "Anaemail"), ("", "a@x.es")]));
        // Pinned: a change here would make every file import again.
        assert_eq!(fingerprint(&[]), "6c62272e07bb014262b821756295c58d");
    }
}
