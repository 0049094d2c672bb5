//! Full-text search over accounts, contacts, leads, deals and the contact
//! history, in English, Spanish and Chinese (see `crm_domain::search`).

use chrono::{DateTime, Utc};
use crm_domain::{EntityKind, Id, search as text};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::{Store, error::Result, read::millis, sql::from_sql};

/// The entities that are searched, in the order results are grouped.
pub fn searched() -> impl Iterator<Item = EntityKind> {
    EntityKind::ALL
        .into_iter()
        .filter(|k| k.fields().iter().any(|f| f.searchable))
}

/// Every full-text index table: `<table>_fts` for each kind with a
/// searchable field (its migration creates it).
pub(crate) fn fts_tables() -> impl Iterator<Item = String> {
    searched().filter_map(fts_table)
}

fn fts_table(entity: EntityKind) -> Option<String> {
    entity
        .fields()
        .iter()
        .any(|f| f.searchable)
        .then(|| format!("{}_fts", entity.table()))
}

/// Up to how many matches a kind's results are ranked by relevance (BM25);
/// past that, newest first, name matches before the others.
pub const RANKED: usize = 1_000;

/// Puts a match in the name before any other in the newest-first order
/// (rowids stay far below it).
const NAME_FIRST: i64 = 1 << 48;

/// The index text of one row: the first searchable field is the title (ranked
/// higher), the others the body.
fn document(values: impl Iterator<Item = Value>) -> (String, String) {
    let mut title = String::new();
    let mut body = String::new();
    for (i, value) in values.enumerate() {
        let target = if i == 0 { &mut title } else { &mut body };
        match value {
            Value::String(s) => text::push_index_text(target, &s),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .for_each(|s| text::push_index_text(target, s)),
            _ => {}
        }
    }
    (title, body)
}

/// Bring the index entry of one row in line with the row: removed when the row
/// is deleted, rewritten otherwise.
pub(crate) fn reindex(conn: &Connection, entity: EntityKind, rowid: i64) -> Result<()> {
    let Some(fts) = fts_table(entity) else {
        return Ok(());
    };
    conn.prepare_cached(&format!("DELETE FROM {fts} WHERE rowid = ?1"))?
        .execute([rowid])?;
    let defs: Vec<_> = entity.fields().iter().filter(|d| d.searchable).collect();
    let columns: Vec<&str> = defs.iter().map(|d| d.name).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE rowid = ?1 AND deleted_at IS NULL",
        columns.join(", "),
        entity.table()
    );
    let doc = conn
        .prepare_cached(&sql)?
        .query_row([rowid], |r| {
            let values = defs
                .iter()
                .enumerate()
                .map(|(i, d)| r.get_ref(i).map(|v| from_sql(d.ty.storage(), v)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(document(values.into_iter()))
        })
        .optional()?;
    if let Some((title, body)) = doc {
        conn.prepare_cached(&format!(
            "INSERT INTO {fts} (rowid, title, body) VALUES (?1, ?2, ?3)"
        ))?
        .execute(rusqlite::params![rowid, title, body])?;
    }
    Ok(())
}

/// The SQL function `crm_index_text(text)`: [`text::index_text`] for bulk
/// index builds inside SQLite.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "crm_index_text",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let raw: Option<String> = ctx.get(0)?;
            Ok(raw.map(|t| text::index_text(&t)).unwrap_or_default())
        },
    )
}

/// Build every full-text index afresh from the tables, in bulk: after a
/// first sync, far faster than keeping the index current row by row.
pub(crate) fn rebuild_all(conn: &Connection) -> Result<()> {
    for entity in searched() {
        let Some(fts) = fts_table(entity) else {
            continue;
        };
        let mut defs = entity
            .fields()
            .iter()
            .filter(|d| d.searchable)
            .map(|d| d.name);
        let title = defs.next().unwrap_or("id");
        let body: Vec<String> = defs.map(|c| format!("coalesce({c}, '')")).collect();
        let body = if body.is_empty() {
            "''".to_owned()
        } else {
            body.join(" || ' ' || ")
        };
        conn.execute(
            &format!("INSERT INTO {fts} ({fts}) VALUES ('delete-all')"),
            [],
        )?;
        conn.execute(
            &format!(
                "INSERT INTO {fts} (rowid, title, body)
                 SELECT rowid, crm_index_text({title}), crm_index_text({body}) FROM {} WHERE deleted_at IS NULL",
                entity.table()
            ),
            [],
        )?;
        conn.execute(
            &format!("INSERT INTO {fts} ({fts}) VALUES ('optimize')"),
            [],
        )?;
    }
    Ok(())
}

/// Index text for a row being bulk-loaded (demo data, first sync).
pub(crate) fn insert_document(
    conn: &Connection,
    entity: EntityKind,
    rowid: i64,
    values: &[&str],
) -> Result<()> {
    let Some(fts) = fts_table(entity) else {
        return Ok(());
    };
    let (title, body) = document(values.iter().map(|s| Value::String((*s).to_owned())));
    conn.prepare_cached(&format!(
        "INSERT INTO {fts} (rowid, title, body) VALUES (?1, ?2, ?3)"
    ))?
    .execute(rusqlite::params![rowid, title, body])?;
    Ok(())
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// What kind of record.
    pub entity: EntityKind,
    /// The record.
    pub id: Id,
    /// Its name or subject.
    pub title: String,
    /// A second line: industry and region, the account, a date...
    pub detail: Option<String>,
    /// The account it belongs to, to open its 360° page.
    pub account_id: Option<Id>,
    /// For history entries: when it happened.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// The results of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchGroup {
    /// The kind.
    pub entity: EntityKind,
    /// Best first (history entries: newest first).
    pub hits: Vec<SearchHit>,
}

/// Per kind: the row query (joined to the ranked matches `m(rowid, score)`),
/// and whether matches are ranked by relevance or by recency.
fn hit_query(entity: EntityKind) -> String {
    let bespoke = match entity {
        EntityKind::Account => {
            "SELECT a.id, a.name, trim(coalesce(a.industry, '') || ' · ' || coalesce(a.region, ''), ' ·'), a.id, NULL
             FROM m JOIN accounts a ON a.rowid = m.rowid WHERE a.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::Contact => {
            "SELECT c.id, c.name, trim(coalesce(c.title, '') || ' · ' || a.name, ' ·'), c.account_id, NULL
             FROM m JOIN contacts c ON c.rowid = m.rowid JOIN accounts a ON a.id = c.account_id
             WHERE c.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::Lead => {
            "SELECT l.id, l.name, trim(coalesce(l.company, '') || ' · ' || l.status, ' ·'), l.converted_account_id, NULL
             FROM m JOIN leads l ON l.rowid = m.rowid WHERE l.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::Opportunity => {
            "SELECT o.id, o.name, a.name || ' · ' || o.stage, o.account_id, NULL
             FROM m JOIN opportunities o ON o.rowid = m.rowid JOIN accounts a ON a.id = o.account_id
             WHERE o.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::Case => {
            "SELECT c.id, c.subject, trim(coalesce(c.number, '') || ' · ' || a.name, ' ·'), c.account_id, NULL
             FROM m JOIN cases c ON c.rowid = m.rowid JOIN accounts a ON a.id = c.account_id
             WHERE c.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::Interaction => {
            "SELECT i.id, i.subject, a.name, i.account_id, i.occurred_at
             FROM m JOIN interactions i ON i.rowid = m.rowid LEFT JOIN accounts a ON a.id = i.account_id
             WHERE i.deleted_at IS NULL ORDER BY m.score"
        }
        EntityKind::User | EntityKind::Task | EntityKind::Conflict | EntityKind::ExchangeRate
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
        | EntityKind::CaseEvent
        | EntityKind::SlaPolicy
        | EntityKind::Calendar
        | EntityKind::Article
        | EntityKind::Survey => {
            ""
        }
    };
    if !bespoke.is_empty() {
        return bespoke.to_owned();
    }
    // Any other searchable kind: its title, from its description.
    let entity = entity.entity();
    format!(
        "SELECT x.id, x.{}, NULL, NULL, NULL FROM m JOIN {} x ON x.rowid = m.rowid
         WHERE x.deleted_at IS NULL ORDER BY m.score",
        entity.title.unwrap_or("id"),
        entity.table
    )
}

impl Store {
    /// Search every kind of record for `query`; up to `per_group` hits a kind,
    /// kinds with no hit left out. Names and subjects weigh more than other
    /// text. The contact history can hold millions of entries, so its matches
    /// come newest first rather than ranked, which keeps the first page fast.
    pub fn search(&self, query: &str, per_group: usize) -> Result<Vec<SearchGroup>> {
        let mut groups = Vec::new();
        // One letter finds records by name; the whole contact history (a
        // million entries) waits for the second letter.
        let one_letter = crm_domain::search::is_one_latin_letter(query);
        for entity in searched() {
            if one_letter && entity == EntityKind::Interaction {
                continue;
            }
            let hits = self.search_kind(entity, query, per_group)?;
            if !hits.is_empty() {
                groups.push(SearchGroup { entity, hits });
            }
        }
        Ok(groups)
    }

    /// Search one kind of record.
    pub fn search_kind(
        &self,
        entity: EntityKind,
        query: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let (Some(fts), Some(expr)) = (fts_table(entity), text::match_expression(query)) else {
            return Ok(Vec::new());
        };
        // BM25 weighs a word by how rare it is, which it learns by reading
        // every match: a phrase in most records ("有限公司" is in most Chinese
        // company names, 40,000 of 100,000 accounts) cost 13 ms to rank, and
        // its rarity says nothing anyway. Up to RANKED matches are ranked by
        // BM25 (names 10x); past that the newest come first, those matching
        // in the name before the others, read from the index in rowid order.
        let matches = if entity == EntityKind::Interaction {
            format!(
                "SELECT rowid, -rowid AS score FROM {fts} WHERE {fts} MATCH ?1 ORDER BY rowid DESC LIMIT ?2"
            )
        } else if self.matches_more_than(&fts, &expr, RANKED)? {
            format!(
                "SELECT rowid, min(score) AS score FROM (
                     SELECT * FROM (
                         SELECT rowid, -rowid - {NAME_FIRST} AS score FROM {fts}
                         WHERE {fts} MATCH 'title : (' || ?1 || ')' ORDER BY rowid DESC LIMIT ?2)
                     UNION ALL
                     SELECT * FROM (
                         SELECT rowid, -rowid AS score FROM {fts} WHERE {fts} MATCH ?1
                         ORDER BY rowid DESC LIMIT ?2))
                 GROUP BY rowid ORDER BY score LIMIT ?2"
            )
        } else {
            format!(
                "SELECT rowid, bm25({fts}, 10.0, 1.0) AS score FROM {fts} WHERE {fts} MATCH ?1
                 ORDER BY score LIMIT ?2"
            )
        };
        let sql = format!("WITH m AS ({matches}) {}", hit_query(entity));
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let hits = stmt
            .query_map(rusqlite::params![expr, limit as i64], |r| {
                let detail: Option<String> = r.get(2)?;
                Ok(SearchHit {
                    entity,
                    id: Id(r.get(0)?),
                    title: r.get(1)?,
                    detail: detail.filter(|d| !d.is_empty()),
                    account_id: r.get::<_, Option<uuid::Uuid>>(3)?.map(Id),
                    occurred_at: r.get::<_, Option<i64>>(4)?.map(millis),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hits)
    }

    /// Whether `expr` matches more than `n` rows of `fts` (reads at most
    /// `n + 1` rowids from the index).
    fn matches_more_than(&self, fts: &str, expr: &str, n: usize) -> Result<bool> {
        let sql =
            format!("SELECT count(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH ?1 LIMIT ?2)");
        let found: i64 = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![expr, n as i64 + 1], |r| r.get(0))?;
        Ok(found > n as i64)
    }
}
