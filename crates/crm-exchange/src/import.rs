//! From a file read to records checked and ready for the store: the column
//! mapping applied, every value parsed as if typed by hand, every problem
//! reported with its line, field and reason before anything is written.
//!
//! A row or card with a company and no person's name (a phone's entry for a
//! shop, an address book's card for a supplier, Outlook's company-only
//! contacts) is imported as a contact, or lead, named after the company, at
//! that company's account (made if missing): that is how the phone and the
//! address book showed it, it keeps the numbers and e-mails the company is
//! reached at, and the name can be changed once the person is known.
//!
//! A phone number with an extension (`+1 418 656 9254 ext. 102`, vCard 4's
//! `tel:+1-418-656-9254;ext=102`) keeps the number in the phone field,
//! which holds digits only, and the whole with its extension in the notes.

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
    /// A value's bytes are not text in the character set it was read in
    /// (a vCard value's `CHARSET=`, else the file's encoding).
    NotText {
        /// That character set.
        encoding: &'static str,
    },
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
    /// [`Problem::code`], `not_text` and `too_many_values`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Invalid(p) => p.code(),
            Reason::NotText { .. } => "not_text",
            Reason::TooManyValues { .. } => "too_many_values",
        }
    }

    /// What its message needs besides the code (the limits of a refused
    /// value, the encoding, the counts).
    pub fn params(&self) -> Map<String, Value> {
        match self {
            Reason::Invalid(p) => p.params(),
            Reason::NotText { encoding } => {
                Map::from_iter([("encoding".to_owned(), (*encoding).into())])
            }
            Reason::TooManyValues { found, expected } => Map::from_iter([
                ("found".to_owned(), (*found).into()),
                ("expected".to_owned(), (*expected).into()),
            ]),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Invalid(p) => p.fmt(f),
            Reason::NotText { encoding } => write!(
                f,
                "is not {encoding} text (the file's encoding may be another: give it with --encoding)"
            ),
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
        let mut st = s.serialize_struct("RowProblem", 6)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("code", self.reason.code())?;
        st.serialize_field("params", &self.reason.params())?;
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
    /// Whether the encoding was guessed from the bytes: the person importing
    /// should check the sample and may name another.
    pub encoding_guessed: bool,
    /// CSV: the separator.
    pub delimiter: Option<char>,
    /// CSV: whether the file's first line named the columns (else they were
    /// guessed from the values).
    pub header: bool,
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
    /// Whether the encoding was guessed from the bytes (see
    /// [`Plan::encoding_guessed`]).
    pub encoding_guessed: bool,
    /// CSV: the separator.
    pub delimiter: Option<char>,
    /// CSV: whether the file's first line named the columns.
    pub header: bool,
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
            encoding_guessed: self.encoding_guessed,
            delimiter: self.delimiter,
            header: self.header,
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
        let (mut owner, mut account): (Option<&str>, Option<&str>) = (None, None);
        let phone_field = match entity {
            EntityKind::Contact => "phones",
            _ => "phone",
        };
        // Each value, with whether its whole (a number with its extension)
        // is in the notes already. Google Contacts writes several e-mails or
        // phones in one cell, separated by ` ::: `.
        let mut expanded: Vec<(&Cell, String, bool)> = Vec::new();
        for cell in &cells {
            let several =
                cell.target.is_list() || matches!(cell.target, Target::Field("email" | "phone"));
            let values: Vec<&str> = if several {
                cell.value.split(" ::: ").collect()
            } else {
                vec![cell.value.as_str()]
            };
            for value in values {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                // Phone fields hold digits only: an extension goes to the
                // notes with the whole number.
                if cell.target == Target::Field(phone_field)
                    && entity.parse_field(phone_field, value, None).is_err()
                    && let Some((number, ext)) = split_extension(value)
                {
                    extra_notes.push(format!("{}: {number} ext. {ext}", cell.label));
                    expanded.push((cell, number.to_owned(), true));
                } else {
                    expanded.push((cell, value.to_owned(), false));
                }
            }
        }
        for (cell, value, noted) in &expanded {
            let value = value.as_str();
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
            if taken && !noted {
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
            // A company without a person's name: the record is named after
            // the company (see the module's documentation).
            let company = match entity {
                EntityKind::Contact => account.filter(|a| a.parse::<Id>().is_err()),
                _ => singles
                    .iter()
                    .find(|(f, _)| *f == "company")
                    .map(|(_, c)| c.as_str()),
            };
            if let Some(name) = joined.or_else(|| company.map(str::to_owned)) {
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
            "TEL" => push(Some(Concept::Phone), label, tel_text(&p.text())),
            "NOTE" => push(Some(Concept::Notes), label, p.text()),
            "URL" => push(None, label, p.text()),
            "ADR" => push(None, label, joined(p.parts())),
            _ => {}
        }
    }
    cells
}

/// A phone as vCard 4 may write it, a `tel:` URI (RFC 3966: `tel:+1-418-
/// 656-9254;ext=102`), as people write it (`+1-418-656-9254 ext. 102`); other
/// values as they are.
fn tel_text(value: &str) -> String {
    let Some(uri) = value.trim().strip_prefix("tel:") else {
        return value.to_owned();
    };
    let mut parts = uri.split(';');
    let number = parts.next().unwrap_or_default();
    let extension = parts.find_map(|p| {
        p.split_once('=')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("ext"))
            .map(|(_, v)| v.trim())
    });
    match extension {
        Some(ext) if !ext.is_empty() => format!("{number} ext. {ext}"),
        _ => number.to_owned(),
    }
}

/// A phone number and its extension, when the value ends in one (`ext. 102`,
/// `ext 102`, `x102`, `#102`, vCard's `;ext=102`).
fn split_extension(value: &str) -> Option<(&str, &str)> {
    let lower = value.to_ascii_lowercase();
    for marker in [";ext=", "extension", "ext.", "ext", "x", "#"] {
        let Some(at) = lower.rfind(marker) else {
            continue;
        };
        let number = value[..at].trim().trim_end_matches([',', ';']).trim_end();
        let extension = value[at + marker.len()..]
            .trim_start_matches(['.', ':', '='])
            .trim();
        let digits =
            (1..=8).contains(&extension.len()) && extension.chars().all(|c| c.is_ascii_digit());
        if !number.is_empty() && digits {
            return Some((number, extension));
        }
    }
    None
}

/// The problems of a card's values whose bytes were not text in their
/// character set, for the properties an import keeps.
fn not_text(entity: EntityKind, card: &Card) -> Vec<RowProblem> {
    card.properties
        .iter()
        .filter_map(|p| {
            let encoding = p.malformed?;
            let concept = match p.name.as_str() {
                "N" | "FN" => Concept::Name,
                "ORG" => Concept::Company,
                "TITLE" => Concept::Title,
                "EMAIL" => Concept::Email,
                "TEL" => Concept::Phone,
                "NOTE" | "URL" | "ADR" => Concept::Notes,
                _ => return None,
            };
            let field = mapping::target(entity, concept).unwrap_or(Target::Field("notes"));
            Some(RowProblem {
                line: card.line,
                field: field.name().to_owned(),
                value: p.text(),
                reason: Reason::NotText { encoding },
            })
        })
        .collect()
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
    let (columns, delimiter, header, rows) = match &source.content {
        Content::Table(table) => {
            let mut columns = if table.has_header {
                mapping::guess(entity, &table.headers)
            } else {
                mapping::guess_from_values(entity, &table.headers, &table.rows)
            };
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
            (
                columns,
                Some(table.delimiter),
                table.has_header,
                table.rows.len(),
            )
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
                let record = builder.record(card.line, card_cells(entity, card));
                let garbled = not_text(entity, card);
                let result = match record {
                    Ok(_) if !garbled.is_empty() => Err(garbled),
                    Ok(r) => Ok(r),
                    Err(mut problems) => {
                        problems.extend(garbled);
                        Err(problems)
                    }
                };
                keep(card.line, result);
            }
            (Vec::new(), None, false, cards.len())
        }
    };
    if rows == 0 {
        return Err(ExchangeError::Empty);
    }
    Ok(Plan {
        entity,
        format: source.format(),
        encoding: source.encoding,
        encoding_guessed: source.encoding_guessed,
        delimiter,
        header,
        columns,
        rows,
        records,
        problems,
    })
}

/// Write the good records of `plan` (see [`Store::import`]). A row that
/// repeats an earlier row of the file exactly is reported as a duplicate of
/// that row and written once.
pub fn import(store: &mut Store, plan: &Plan, options: ImportOptions) -> Result<ImportOutcome> {
    Ok(store.import(plan.entity, &plan.records, options)?)
}

/// [`import`], telling `watch` the rows done of all as it goes; `watch`
/// answering false stops it with nothing written.
pub fn import_watched(
    store: &mut Store,
    plan: &Plan,
    options: ImportOptions,
    watch: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<ImportOutcome> {
    Ok(store.import_watched(plan.entity, &plan.records, options, watch)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_extensions_are_told_from_the_number() {
        assert_eq!(
            tel_text("tel:+1-418-656-9254;ext=102"),
            "+1-418-656-9254 ext. 102"
        );
        assert_eq!(tel_text("tel:+1-418-262-6501"), "+1-418-262-6501");
        assert_eq!(tel_text("+34 600 111 222"), "+34 600 111 222");
        for (value, number, ext) in [
            ("+1-418-656-9254 ext. 102", "+1-418-656-9254", "102"),
            ("+81 3-5555-0111 x204", "+81 3-5555-0111", "204"),
            ("(800) 555-0100 #12", "(800) 555-0100", "12"),
            ("030 1234 5678, Ext 7", "030 1234 5678", "7"),
        ] {
            assert_eq!(split_extension(value), Some((number, ext)), "{value}");
        }
        assert_eq!(split_extension("call me maybe"), None);
        assert_eq!(split_extension("+1 415 555 0100"), None);
    }

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
