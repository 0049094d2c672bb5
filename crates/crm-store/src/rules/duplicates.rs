//! Duplicate detection: the same customer entered twice, by import, by hand
//! or by two reps offline who then synced.
//!
//! Records are compared through *keys*, normalised forms of what identifies
//! them (see [`keys`]): two records of one kind that share a key are
//! candidates. The keys live in `duplicate_keys`, derived local data that is
//! never synced, with the version (hlc) of the row they were computed from in
//! `duplicate_keyed`. Whoever writes a row (an edit, the demo loader, sync)
//! gives it a new hlc, so before each lookup the keys of the rows whose hlc
//! changed are recomputed: the keys are always current without a hook in
//! every write path.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, Id, search::is_cjk};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
use uuid::Uuid;

use crate::{Store, error::Result};

/// The kinds of record duplicate detection looks at.
pub const CHECKED: [EntityKind; 3] = [EntityKind::Account, EntityKind::Contact, EntityKind::Lead];

/// Keys shared by more records than this (a switchboard number, `info@`) say
/// nothing about any one pair and are left out of the duplicates list.
const MAX_GROUP: i64 = 50;

/// Two records of a kind, by their rows, the smaller first.
type RowPair = (EntityKind, i64, i64);

/// What two records have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// The same email address (case ignored).
    Email,
    /// The same phone number (country code, trunk zero and separators
    /// ignored); for people only together with the same name.
    Phone,
    /// The same name: for accounts the company name without legal suffix;
    /// for contacts the person's name at the same account; for leads the
    /// person's name at the same company.
    Name,
    /// The same web site (accounts).
    Website,
}

impl KeyKind {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyKind::Email => "email",
            KeyKind::Phone => "phone",
            KeyKind::Name => "name",
            KeyKind::Website => "website",
        }
    }

    fn parse(s: &str) -> Option<KeyKind> {
        [
            KeyKind::Email,
            KeyKind::Phone,
            KeyKind::Name,
            KeyKind::Website,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The values of a record (or of one about to be created) that identify it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Account name, or person name for contacts and leads.
    pub name: String,
    /// Leads: the company the person works for.
    pub company: Option<String>,
    /// Contacts: the account the person works for.
    pub account_id: Option<Id>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Accounts: the web site.
    pub website: Option<String>,
}

/// The duplicate keys of a record of `entity` with `identity`. A kind of
/// record not checked for duplicates has none.
pub fn keys(entity: EntityKind, identity: &Identity) -> Vec<(KeyKind, String)> {
    let mut out = Vec::new();
    let mut push = |kind: KeyKind, key: Option<String>| {
        if let Some(key) = key.filter(|k| !k.is_empty())
            && !out.contains(&(kind, key.clone()))
        {
            out.push((kind, key));
        }
    };
    for email in &identity.emails {
        push(KeyKind::Email, email_key(email));
    }
    match entity {
        EntityKind::Account => {
            push(KeyKind::Name, company_key(&identity.name));
            for phone in &identity.phones {
                push(KeyKind::Phone, phone_key(phone));
            }
            push(
                KeyKind::Website,
                identity.website.as_deref().and_then(website_key),
            );
        }
        EntityKind::Contact | EntityKind::Lead => {
            let Some(person) = person_key(&identity.name) else {
                return out;
            };
            // People share switchboards: a phone number alone does not make
            // two people one, the same number and the same name does.
            for phone in &identity.phones {
                push(
                    KeyKind::Phone,
                    phone_key(phone).map(|p| format!("{p}|{person}")),
                );
            }
            let scope = if entity == EntityKind::Contact {
                identity.account_id.map(|a| a.to_string())
            } else {
                identity.company.as_deref().and_then(company_key)
            };
            push(
                KeyKind::Name,
                Some(format!("{}|{person}", scope.unwrap_or_default())),
            );
        }
        // Kinds without a duplicate check (say here when one gets one).
        EntityKind::User
        | EntityKind::Interaction
        | EntityKind::Opportunity
        | EntityKind::Task
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
        | EntityKind::Survey => {}
    }
    out
}

/// Text folded for comparison: compatibility forms (full-width letters,
/// ligatures) made plain, accents removed, lower case.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of `text` after folding. Apostrophes and dots join (`O'Neil`,
/// `S.A.`), other punctuation separates, and a run of CJK characters is one
/// word whatever spaces were typed inside it (`王 伟` is `王伟`).
fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut last_cjk = false;
    let mut pending_break = false;
    for c in fold(text).chars() {
        if matches!(c, '\'' | '’' | '.' | '·' | '・') {
            continue;
        }
        if !c.is_alphanumeric() {
            pending_break = true;
            continue;
        }
        let cjk = is_cjk(c);
        let joins = !current.is_empty() && (!pending_break || (cjk && last_cjk)) && cjk == last_cjk;
        if !joins && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
        last_cjk = cjk;
        pending_break = false;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// An email address as compared: trimmed and in lower case.
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    key.contains('@').then_some(key)
}

/// Whether a country calling code starts `digits` and how long it is. Codes
/// form a prefix-free set: 1 and 7 are one digit, the two-digit codes are
/// listed, every other code has three digits.
fn country_code_len(digits: &str) -> usize {
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO.iter().any(|c| digits.starts_with(c)) {
        2
    } else {
        3
    }
}

/// A phone number as compared: the national number, digits only, without
/// country code or trunk zero, so `+86 10 8888 9999`, `0086 10-8888-9999` and
/// `010 8888 9999` are one number. Too short to tell people apart: none.
pub fn phone_key(phone: &str) -> Option<String> {
    let folded = fold(phone);
    let text = folded.trim();
    let mut digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let mut international = text.starts_with('+');
    if !international && digits.starts_with("00") {
        international = true;
        digits.drain(..2);
    }
    if international {
        let code = country_code_len(&digits).min(digits.len());
        digits.drain(..code);
    }
    let national = digits.trim_start_matches('0');
    (national.len() >= 6).then(|| national.to_owned())
}

/// A person's name as compared: folded, punctuation ignored, words in any
/// order (`Méndez, Ana` is `ana mendez`).
pub fn person_key(name: &str) -> Option<String> {
    let mut words = words(name);
    words.sort_unstable();
    let key = words.join(" ");
    (!key.is_empty()).then_some(key)
}

/// Legal forms that end company names, as folded words.
const LEGAL_SUFFIXES: &[&[&str]] = &[
    &["ltd"],
    &["limited"],
    &["inc"],
    &["incorporated"],
    &["corp"],
    &["corporation"],
    &["co"],
    &["company"],
    &["cia"],
    &["y", "cia"],
    &["llc"],
    &["llp"],
    &["lp"],
    &["plc"],
    &["gmbh"],
    &["mbh"],
    &["ag"],
    &["kg"],
    &["ohg"],
    &["ug"],
    &["eg"],
    &["sa"],
    &["s", "a"],
    &["sl"],
    &["s", "l"],
    &["slu"],
    &["sau"],
    &["sas"],
    &["sarl"],
    &["srl"],
    &["spa"],
    &["sc"],
    &["scp"],
    &["sca"],
    &["sll"],
    &["coop"],
    &["ltda"],
    &["sac"],
    &["saa"],
    &["eirl"],
    &["de", "cv"],
    &["de", "rl"],
    &["bv"],
    &["nv"],
    &["oy"],
    &["ab"],
    &["as"],
    &["aps"],
    &["pty"],
    &["pte"],
    &["kk"],
    &["bhd"],
    &["sdn"],
];

/// Legal forms that end Chinese company names, longest first.
const CJK_LEGAL_SUFFIXES: &[&str] = &[
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "集团有限公司",
    "集團有限公司",
    "有限公司",
    "股份公司",
    "株式会社",
    "公司",
];

/// A company name as compared: folded, punctuation ignored, legal forms at
/// the end removed (`Construcciones Núñez S.L.` is `construcciones nunez`,
/// `北京星辰科技有限公司` is `北京星辰科技`).
pub fn company_key(name: &str) -> Option<String> {
    let mut words = words(name);
    loop {
        let before = words.len();
        if let Some(last) = words.last_mut()
            && last.chars().any(is_cjk)
            && let Some(suffix) = CJK_LEGAL_SUFFIXES
                .iter()
                .find(|s| last.ends_with(**s) && last.len() > s.len())
        {
            last.truncate(last.len() - suffix.len());
            continue;
        }
        if let Some(suffix) = LEGAL_SUFFIXES.iter().find(|s| {
            words.len() > s.len()
                && words[words.len() - s.len()..]
                    .iter()
                    .zip(s.iter())
                    .all(|(w, s)| w == s)
        }) {
            words.truncate(words.len() - suffix.len());
        }
        if words.len() == before {
            break;
        }
    }
    let key = words.join(" ");
    (!key.is_empty()).then_some(key)
}

/// A web site as compared: its host without `www.`.
pub fn website_key(url: &str) -> Option<String> {
    let text = url.trim().to_lowercase();
    let rest = text.split_once("://").map_or(text.as_str(), |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    host.contains('.').then(|| host.to_owned())
}

/// The SQL that reads the identity of the rows of `entity` whose keys are
/// missing or older than the row, with the row's rowid, id, whether it is
/// deleted and its hlc first.
fn stale_rows_sql(entity: EntityKind) -> Option<&'static str> {
    Some(match entity {
        EntityKind::Account => {
            "SELECT t.rowid, t.id, t.deleted_at IS NOT NULL, t.hlc, t.name, NULL, NULL, t.email, t.phone, t.website
             FROM accounts t LEFT JOIN duplicate_keyed k ON k.entity = 'account' AND k.row = t.rowid
             WHERE k.hlc IS NOT t.hlc"
        }
        EntityKind::Contact => {
            "SELECT t.rowid, t.id, t.deleted_at IS NOT NULL, t.hlc, t.name, NULL, t.account_id, t.emails, t.phones, NULL
             FROM contacts t LEFT JOIN duplicate_keyed k ON k.entity = 'contact' AND k.row = t.rowid
             WHERE k.hlc IS NOT t.hlc"
        }
        EntityKind::Lead => {
            "SELECT t.rowid, t.id, t.deleted_at IS NOT NULL, t.hlc, t.name, t.company, NULL, t.email, t.phone, NULL
             FROM leads t LEFT JOIN duplicate_keyed k ON k.entity = 'lead' AND k.row = t.rowid
             WHERE k.hlc IS NOT t.hlc"
        }
        EntityKind::User
        | EntityKind::Interaction
        | EntityKind::Opportunity
        | EntityKind::Task
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
        | EntityKind::Survey => return None,
    })
}

/// A text column that holds one value or a JSON list of them.
fn one_or_list(text: Option<String>) -> Vec<String> {
    match text {
        None => Vec::new(),
        Some(t) if t.starts_with('[') => serde_json::from_str(&t).unwrap_or_default(),
        Some(t) => vec![t],
    }
}

/// Recompute the keys of every row written since its keys were computed.
/// Runs inside the caller's transaction.
pub(crate) fn refresh(conn: &Connection) -> Result<()> {
    let mut rebuild_index = false;
    for entity in CHECKED {
        let Some(sql) = stale_rows_sql(entity) else {
            continue;
        };
        let rows = conn
            .prepare_cached(sql)?
            .query_map([], |r| {
                let identity = Identity {
                    name: r.get::<_, String>(4)?,
                    company: r.get(5)?,
                    account_id: r.get::<_, Option<Uuid>>(6)?.map(Id),
                    emails: one_or_list(r.get(7)?),
                    phones: one_or_list(r.get(8)?),
                    website: r.get(9)?,
                };
                Ok((
                    r.get::<_, i64>(0)?,
                    Id(r.get(1)?),
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    identity,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut forget =
            conn.prepare_cached("DELETE FROM duplicate_keys WHERE entity = ?1 AND row = ?2")?;
        let mut keyed = conn.prepare_cached(
            "INSERT OR REPLACE INTO duplicate_keyed (entity, row, hlc) VALUES (?1, ?2, ?3)",
        )?;
        // A whole book at once (after a first sync or the demo): the lookup
        // index is built once at the end, sorted, instead of entry by entry.
        if rows.len() > BULK_ROWS && !rebuild_index {
            conn.execute("DROP INDEX duplicate_keys_by_key", [])?;
            rebuild_index = true;
        }
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO duplicate_keys (entity, row, kind, key, record_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (row, id, deleted, hlc, identity) in rows {
            forget.execute(params![entity.name(), row])?;
            if !deleted {
                for (kind, key) in keys(entity, &identity) {
                    insert.execute(params![entity.name(), row, kind.as_str(), key, id.0])?;
                }
            }
            keyed.execute(params![entity.name(), row, hlc])?;
        }
    }
    if rebuild_index {
        conn.execute(KEY_INDEX, [])?;
    }
    Ok(())
}

/// Stale rows beyond which keys are computed as a bulk load.
const BULK_ROWS: usize = 10_000;

/// The index by key (see migration 6), as created after a bulk load.
const KEY_INDEX: &str =
    "CREATE INDEX duplicate_keys_by_key ON duplicate_keys (entity, kind, key, row, record_id)";

/// Records of `entity` (other than `except`) holding one of `keys`, with the
/// keys they share, first created first. At most [`MAX_GROUP`] records are
/// read per key, so a key that very many records share (a common company
/// name) costs no more than a rare one.
pub(crate) fn matching(
    conn: &Connection,
    entity: EntityKind,
    keys: &[(KeyKind, String)],
    except: Option<Id>,
) -> Result<Vec<Match>> {
    let mut found: BTreeMap<i64, Match> = BTreeMap::new();
    for (kind, key) in keys {
        for (row, id) in holders(conn, entity, *kind, key)? {
            if Some(id) == except {
                continue;
            }
            let m = found.entry(row).or_insert_with(|| Match {
                id,
                reasons: Vec::new(),
            });
            if !m.reasons.contains(kind) {
                m.reasons.push(*kind);
            }
        }
    }
    Ok(found.into_values().collect())
}

/// The first records (row, id) of `entity` holding a key: one more than
/// [`MAX_GROUP`] at most, which says the key is too common to tell.
fn holders(
    conn: &Connection,
    entity: EntityKind,
    kind: KeyKind,
    key: &str,
) -> Result<Vec<(i64, Id)>> {
    Ok(conn
        .prepare_cached(
            "SELECT row, record_id FROM duplicate_keys WHERE entity = ?1 AND kind = ?2 AND key = ?3
             ORDER BY row LIMIT ?4",
        )?
        .query_map(
            params![entity.name(), kind.as_str(), key, MAX_GROUP + 1],
            |r| Ok((r.get::<_, i64>(0)?, Id(r.get(1)?))),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The keys of record `id` of `entity`, as last computed.
fn keys_of(conn: &Connection, entity: EntityKind, id: Id) -> Result<Vec<(KeyKind, String)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT kind, key FROM duplicate_keys
             WHERE entity = ?1 AND row = (SELECT rowid FROM {} WHERE id = ?2)",
            entity.table()
        ))?
        .query_map(params![entity.name(), id.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .filter_map(|r| {
            r.map(|(k, v)| KeyKind::parse(&k).map(|k| (k, v)))
                .transpose()
        })
        .collect::<rusqlite::Result<_>>()?)
}

/// A record that looks like the one asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The other record.
    pub id: Id,
    /// What they have in common.
    pub reasons: Vec<KeyKind>,
}

/// One side of a duplicate pair, as a person would recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// The record.
    pub id: Id,
    /// Its name.
    pub name: String,
    /// A second line: the company, the account, the email.
    pub detail: Option<String>,
}

/// Two records of one kind that look like the same customer or person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicatePair {
    /// What kind of record both are.
    pub entity: EntityKind,
    /// The one entered first (usually the one to keep).
    pub first: RecordSummary,
    /// The one entered later.
    pub second: RecordSummary,
    /// What they have in common.
    pub reasons: Vec<KeyKind>,
}

fn summary(conn: &Connection, entity: EntityKind, id: Id) -> Result<Option<RecordSummary>> {
    let sql = match entity {
        EntityKind::Account => {
            "SELECT name, coalesce(email, phone, website) FROM accounts WHERE id = ?1"
        }
        EntityKind::Contact => {
            "SELECT c.name, a.name FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1"
        }
        EntityKind::Lead => "SELECT name, coalesce(company, email, phone) FROM leads WHERE id = ?1",
        EntityKind::User
        | EntityKind::Interaction
        | EntityKind::Opportunity
        | EntityKind::Task
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
        | EntityKind::Survey => return Ok(None),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id.0], |r| {
            Ok(RecordSummary {
                id,
                name: r.get(0)?,
                detail: r.get(1)?,
            })
        })
        .optional()?)
}

impl Store {
    /// Bring the duplicate keys up to date with every write so far, in a
    /// transaction of its own. It reads, then writes: the write lock is taken
    /// first, or another program's commit in between fails it with "busy".
    pub(crate) fn refresh_duplicate_keys(&self) -> Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(
            self.conn(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
        refresh(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Records that look like record `id` of `entity`: after creating one, or
    /// after sync brought records in.
    pub fn duplicates_of(&self, entity: EntityKind, id: Id) -> Result<Vec<Match>> {
        self.refresh_duplicate_keys()?;
        let keys = keys_of(self.conn(), entity, id)?;
        matching(self.conn(), entity, &keys, Some(id))
    }

    /// The pairs in which one of `records` takes part: after a sync, the
    /// duplicates the records that arrived made. The work grows with the
    /// records given, not with the book: each key is looked up in its index
    /// and a key shared by more than [`MAX_GROUP`] records is left out, as
    /// in [`Store::duplicates`].
    pub fn duplicates_among(&self, records: &[(EntityKind, Id)]) -> Result<Vec<DuplicatePair>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        self.refresh_duplicate_keys()?;
        let conn = self.conn();
        let mut found: BTreeMap<RowPair, (Id, Id, Vec<KeyKind>)> = BTreeMap::new();
        for &(entity, id) in records {
            for (kind, key) in keys_of(conn, entity, id)? {
                let holders = holders(conn, entity, kind, &key)?;
                if holders.len() as i64 > MAX_GROUP {
                    continue;
                }
                let Some(&(mine, _)) = holders.iter().find(|(_, i)| *i == id) else {
                    continue;
                };
                for &(row, other) in holders.iter().filter(|(_, i)| *i != id) {
                    let pair = if row < mine {
                        ((entity, row, mine), (other, id))
                    } else {
                        ((entity, mine, row), (id, other))
                    };
                    let entry = found
                        .entry(pair.0)
                        .or_insert_with(|| (pair.1.0, pair.1.1, Vec::new()));
                    if !entry.2.contains(&kind) {
                        entry.2.push(kind);
                    }
                }
            }
        }
        let mut pairs = Vec::with_capacity(found.len());
        for ((entity, _, _), (first, second, mut reasons)) in found {
            let (Some(first), Some(second)) = (
                summary(conn, entity, first)?,
                summary(conn, entity, second)?,
            ) else {
                continue;
            };
            reasons.sort();
            pairs.push(DuplicatePair {
                entity,
                first,
                second,
                reasons,
            });
        }
        Ok(pairs)
    }

    /// Existing records of `entity` that look like `identity`: to warn
    /// before a record is created.
    pub fn find_duplicates(&self, entity: EntityKind, identity: &Identity) -> Result<Vec<Match>> {
        self.refresh_duplicate_keys()?;
        matching(self.conn(), entity, &keys(entity, identity), None)
    }

    /// Every pair of records that look like the same customer or person,
    /// of one kind or (`None`) of every kind checked.
    pub fn duplicates(&self, entity: Option<EntityKind>) -> Result<Vec<DuplicatePair>> {
        self.refresh_duplicate_keys()?;
        let rows = self
            .conn()
            .prepare_cached(
                "WITH shared AS (
                     SELECT entity, kind, key FROM duplicate_keys
                     WHERE ?1 IS NULL OR entity = ?1
                     GROUP BY entity, kind, key HAVING count(*) BETWEEN 2 AND ?2)
                 SELECT a.entity, a.record_id, b.record_id, a.kind
                 FROM shared s
                 JOIN duplicate_keys a ON a.entity = s.entity AND a.kind = s.kind AND a.key = s.key
                 JOIN duplicate_keys b ON b.entity = s.entity AND b.kind = s.kind AND b.key = s.key
                      AND b.row > a.row
                 ORDER BY a.entity, a.row, b.row",
            )?
            .query_map(params![entity.map(|e| e.name()), MAX_GROUP], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Id(r.get(1)?),
                    Id(r.get(2)?),
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut pairs: Vec<DuplicatePair> = Vec::new();
        let mut index: BTreeMap<(Id, Id), usize> = BTreeMap::new();
        for (entity, first, second, kind) in rows {
            let (Ok(entity), Some(kind)) = (entity.parse::<EntityKind>(), KeyKind::parse(&kind))
            else {
                continue;
            };
            if let Some(&i) = index.get(&(first, second)) {
                if !pairs[i].reasons.contains(&kind) {
                    pairs[i].reasons.push(kind);
                    pairs[i].reasons.sort();
                }
                continue;
            }
            let (Some(a), Some(b)) = (
                summary(self.conn(), entity, first)?,
                summary(self.conn(), entity, second)?,
            ) else {
                continue;
            };
            index.insert((first, second), pairs.len());
            pairs.push(DuplicatePair {
                entity,
                first: a,
                second: b,
                reasons: vec![kind],
            });
        }
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_compare_without_country_code_trunk_zero_or_separators() {
        let same = [
            "+86 10 8888 9999",
            "0086 10-8888-9999",
            "010 8888 9999",
            "(010) 8888-9999",
            "＋８６ １０ ８８８８ ９９９９",
        ];
        for p in same {
            assert_eq!(phone_key(p).as_deref(), Some("1088889999"), "{p}");
        }
        assert_eq!(phone_key("+34 912 345 678"), phone_key("912 345 678"));
        assert_eq!(phone_key("+1 (415) 555-0100"), phone_key("415.555.0100"));
        assert_eq!(phone_key("+44 20 7946 0000"), phone_key("020 7946 0000"));
        assert_ne!(
            phone_key("+86 138 0013 8000"),
            phone_key("+86 138 0013 8001")
        );
        assert_eq!(phone_key("12345"), None, "too short to identify anyone");
    }

    #[test]
    fn emails_compare_in_lower_case() {
        assert_eq!(
            email_key(" Ana.Mendez@Example.ES "),
            email_key("ana.mendez@example.es")
        );
    }

    #[test]
    fn names_compare_with_accents_folded_in_any_order() {
        assert_eq!(person_key("José Méndez"), person_key("jose mendez"));
        assert_eq!(person_key("Méndez, José"), person_key("JOSE  MENDEZ"));
        assert_eq!(person_key("O'Neil Mary"), person_key("Mary ONeil"));
        assert_eq!(person_key("王 伟"), person_key("王伟"));
        assert_eq!(
            person_key("Ｗａｎｇ Ｗｅｉ"),
            person_key("wang wei"),
            "full-width letters"
        );
        assert_ne!(person_key("王伟"), person_key("王芳"));
        assert_eq!(person_key(" ,. "), None);
    }

    #[test]
    fn company_names_compare_without_legal_suffix_in_latin_and_chinese() {
        let groups: &[&[&str]] = &[
            &[
                "Construcciones Núñez S.L.",
                "construcciones nunez",
                "Construcciones Nuñez, SL",
            ],
            &[
                "Harbor Logistics Ltd",
                "Harbor Logistics Limited",
                "HARBOR LOGISTICS",
            ],
            &["Siemens AG", "Siemens"],
            &["Blue Summit Co., Ltd.", "Blue Summit"],
            &["Müller GmbH", "Muller"],
            &["Grupo Bimbo S.A. de C.V.", "Grupo Bimbo"],
            &["Acme Inc.", "ACME, Inc", "Acme Corporation"],
            &[
                "北京星辰科技有限公司",
                "北京星辰科技",
                "北京星辰科技股份有限公司",
                "北京 星辰科技有限公司",
            ],
            &["华信贸易集团有限公司", "华信贸易"],
        ];
        for group in groups {
            let first = company_key(group[0]);
            assert!(first.is_some(), "{}", group[0]);
            for other in &group[1..] {
                assert_eq!(company_key(other), first, "{other} vs {}", group[0]);
            }
        }
        assert_ne!(company_key("Harbor Logistics"), company_key("Harbor Foods"));
        assert_eq!(
            company_key("Company Ltd").as_deref(),
            Some("company"),
            "a name made only of legal words keeps one"
        );
    }

    #[test]
    fn people_need_more_than_a_shared_switchboard() {
        let a = Identity {
            name: "Ana Méndez".into(),
            phones: vec!["+34 91 123 45 67".into()],
            ..Identity::default()
        };
        let b = Identity {
            name: "Luis Pérez".into(),
            ..a.clone()
        };
        let phone = |i: &Identity| {
            keys(EntityKind::Lead, i)
                .into_iter()
                .find(|(k, _)| *k == KeyKind::Phone)
        };
        assert_ne!(phone(&a), phone(&b), "same phone, other person");
        let a2 = Identity {
            name: "ana mendez".into(),
            phones: vec!["911234567".into()],
            ..Identity::default()
        };
        assert_eq!(phone(&a), phone(&a2), "same phone, same person");
    }

    #[test]
    fn websites_compare_by_host() {
        assert_eq!(
            website_key("https://www.Example.com/about"),
            website_key("example.com")
        );
        assert_eq!(website_key("not a site"), None);
    }
}
