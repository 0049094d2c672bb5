//! Queries: records, lists, the 360° account view, the timeline, history.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::{
    Account, Contact, EntityKind, FieldHistory, Id, Interaction, Lead, Money, Op, Opportunity,
    Stamp, User, entity::Stage,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    ReadableRows, RecordQuery, RecordRow, Store,
    error::{Result, StoreError},
    sql::{OP_COLUMNS, op_from_row},
};

/// UTC milliseconds as a time.
pub(crate) fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn id(r: &Row<'_>, i: usize) -> rusqlite::Result<Id> {
    r.get::<_, Uuid>(i).map(Id)
}

fn opt_id(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Id>> {
    Ok(r.get::<_, Option<Uuid>>(i)?.map(Id))
}

fn list(r: &Row<'_>, i: usize) -> rusqlite::Result<Vec<String>> {
    let text: Option<String> = r.get(i)?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn date(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = r.get(i)?;
    Ok(text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()))
}

/// The stamp columns, aliased by table `t`, always last in a select.
macro_rules! stamp_cols {
    ($t:literal) => {
        concat!(
            $t,
            ".created_at, ",
            $t,
            ".created_by, ",
            $t,
            ".updated_at, ",
            $t,
            ".deleted_at"
        )
    };
}

fn stamp(r: &Row<'_>, first: usize) -> rusqlite::Result<Stamp> {
    Ok(Stamp {
        created_at: millis(r.get(first)?),
        created_by: opt_id(r, first + 1)?,
        updated_at: millis(r.get(first + 2)?),
        deleted_at: r.get::<_, Option<i64>>(first + 3)?.map(millis),
    })
}

const ACCOUNT_SELECT: &str = concat!(
    "SELECT a.id, a.name, a.kind, a.industry, a.region, a.address, a.phone, a.email, a.website, a.size,
            a.lifecycle, a.tags, a.owner_id, u.name, a.notes, ",
    stamp_cols!("a"),
    " FROM accounts a LEFT JOIN users u ON u.id = a.owner_id"
);

fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: id(r, 0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        industry: r.get(3)?,
        region: r.get(4)?,
        address: r.get(5)?,
        phone: r.get(6)?,
        email: r.get(7)?,
        website: r.get(8)?,
        size: r.get(9)?,
        lifecycle: r.get(10)?,
        tags: list(r, 11)?,
        owner_id: opt_id(r, 12)?,
        owner_name: r.get(13)?,
        notes: r.get(14)?,
        stamp: stamp(r, 15)?,
    })
}

const CONTACT_SELECT: &str = concat!(
    "SELECT c.id, c.account_id, c.name, c.title, c.emails, c.phones, c.preferred_channel, c.notes, ",
    stamp_cols!("c"),
    " FROM contacts c"
);

fn contact(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: id(r, 0)?,
        account_id: id(r, 1)?,
        name: r.get(2)?,
        title: r.get(3)?,
        emails: list(r, 4)?,
        phones: list(r, 5)?,
        preferred_channel: r.get(6)?,
        notes: r.get(7)?,
        stamp: stamp(r, 8)?,
    })
}

const INTERACTION_SELECT: &str = concat!(
    "SELECT i.id, i.kind, i.direction, i.occurred_at, i.subject, i.body, i.outcome, i.account_id,
            i.contact_id, c.name, i.opportunity_id, i.lead_id, i.author_id, u.name, ",
    stamp_cols!("i"),
    " FROM interactions i LEFT JOIN contacts c ON c.id = i.contact_id LEFT JOIN users u ON u.id = i.author_id"
);

fn interaction(r: &Row<'_>) -> rusqlite::Result<Interaction> {
    Ok(Interaction {
        id: id(r, 0)?,
        kind: r.get(1)?,
        direction: r.get(2)?,
        occurred_at: millis(r.get(3)?),
        subject: r.get(4)?,
        body: r.get(5)?,
        outcome: r.get(6)?,
        account_id: opt_id(r, 7)?,
        contact_id: opt_id(r, 8)?,
        contact_name: r.get(9)?,
        opportunity_id: opt_id(r, 10)?,
        lead_id: opt_id(r, 11)?,
        author_id: opt_id(r, 12)?,
        author_name: r.get(13)?,
        stamp: stamp(r, 14)?,
    })
}

const LEAD_SELECT: &str = concat!(
    "SELECT l.id, l.name, l.company, l.title, l.email, l.phone, l.source, l.status, l.score, l.owner_id,
            l.disqualify_reason, l.notes, l.converted_account_id, l.converted_contact_id,
            l.converted_opportunity_id, ",
    stamp_cols!("l"),
    " FROM leads l"
);

fn lead(r: &Row<'_>) -> rusqlite::Result<Lead> {
    Ok(Lead {
        id: id(r, 0)?,
        name: r.get(1)?,
        company: r.get(2)?,
        title: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        source: r.get(6)?,
        status: r.get(7)?,
        score: r.get(8)?,
        owner_id: opt_id(r, 9)?,
        disqualify_reason: r.get(10)?,
        notes: r.get(11)?,
        converted_account_id: opt_id(r, 12)?,
        converted_contact_id: opt_id(r, 13)?,
        converted_opportunity_id: opt_id(r, 14)?,
        stamp: stamp(r, 15)?,
    })
}

const OPPORTUNITY_SELECT: &str = concat!(
    "SELECT o.id, o.account_id, a.name, o.name, o.stage, o.amount, o.currency, o.probability, o.close_date,
            o.owner_id, o.lost_reason, o.lead_id, o.notes, ",
    stamp_cols!("o"),
    " FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id"
);

fn opportunity(r: &Row<'_>) -> rusqlite::Result<Opportunity> {
    let currency: String = r.get(6)?;
    let currency = currency.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            format!("currency {currency}").into(),
        )
    })?;
    Ok(Opportunity {
        id: id(r, 0)?,
        account_id: id(r, 1)?,
        account_name: r.get(2)?,
        name: r.get(3)?,
        stage: r.get(4)?,
        amount: Money {
            minor: r.get(5)?,
            currency,
        },
        probability: r.get(7)?,
        close_date: date(r, 8)?,
        owner_id: opt_id(r, 9)?,
        lost_reason: r.get(10)?,
        lead_id: opt_id(r, 11)?,
        notes: r.get(12)?,
        stamp: stamp(r, 13)?,
    })
}

fn user(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: id(r, 0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        role: r.get(3)?,
        team: r.get(4)?,
        active: r.get(5)?,
    })
}

/// Filters and order for the account list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountFilter {
    /// Full-text query; results by relevance.
    pub query: Option<String>,
    /// Exact industry.
    pub industry: Option<String>,
    /// Exact region.
    pub region: Option<String>,
    /// `prospect`, `customer` or `former`.
    pub lifecycle: Option<String>,
    /// Owner.
    pub owner_id: Option<Id>,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (0 = 50).
    pub limit: usize,
}

/// Where a timeline page ends, to ask for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCursor {
    /// `occurred_at` of the last entry shown (UTC ms).
    pub occurred_at: i64,
    /// Its id.
    pub id: Id,
}

/// One page of an account's contact history, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The entries.
    pub entries: Vec<Interaction>,
    /// Where the next page starts, if there is one.
    pub next: Option<TimelineCursor>,
}

/// Everything about one customer on one page.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    /// The account's fields.
    pub account: Account,
    /// Its people.
    pub contacts: Vec<Contact>,
    /// Deals not yet won or lost.
    pub open_opportunities: Vec<Opportunity>,
    /// Promises and planned activities not yet done (tasks by their
    /// description), soonest first: by day, then time (a timed activity
    /// before an untimed to-do of its day), undated last.
    pub open_tasks: Vec<RecordRow>,
    /// The first page of the history by everyone.
    pub timeline: Timeline,
    /// What the account page shows first.
    pub key_numbers: KeyNumbers,
}

/// An account's key numbers: where it stands and what comes next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyNumbers {
    /// Open deals summed, one amount per currency (largest first).
    pub open_pipeline: Vec<Money>,
    /// Won deals summed, one amount per currency (largest first).
    pub won: Vec<Money>,
    /// When the last history entry happened.
    pub last_contact: Option<DateTime<Utc>>,
    /// The soonest open task or planned activity (the first of `open_tasks`).
    pub next_step: Option<RecordRow>,
}

/// Put open tasks soonest first: by due day, then start time (a timed
/// activity before an untimed to-do of the same day), undated last.
pub fn soonest_first(tasks: &mut [RecordRow]) {
    tasks.sort_by_cached_key(soonest);
}

fn soonest(task: &RecordRow) -> (bool, String, bool, i64) {
    let day = task.fields.get("due_date").and_then(Value::as_str);
    let starts = task.fields.get("starts_at").and_then(Value::as_i64);
    (
        day.is_none(),
        day.unwrap_or_default().to_owned(),
        starts.is_none(),
        starts.unwrap_or_default(),
    )
}

/// A lead that is not deleted, read on `conn` (inside a write transaction
/// when the answer decides the write).
pub(crate) fn lead_on(conn: &Connection, rid: Id) -> Result<Lead> {
    let sql = format!("{LEAD_SELECT} WHERE l.id = ?1 AND l.deleted_at IS NULL");
    conn.prepare_cached(&sql)?
        .query_row([rid.0], lead)
        .optional()?
        .ok_or(StoreError::NotFound {
            entity: EntityKind::Lead,
            id: rid,
        })
}

impl Store {
    fn one<T>(
        &self,
        sql: &str,
        rid: Id,
        entity: EntityKind,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.conn()
            .prepare_cached(sql)?
            .query_row([rid.0], map)
            .optional()?
            .ok_or(StoreError::NotFound { entity, id: rid })
    }

    /// An account that is not deleted.
    pub fn account(&self, rid: Id) -> Result<Account> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.id = ?1 AND a.deleted_at IS NULL");
        self.one(&sql, rid, EntityKind::Account, account)
    }

    /// A contact that is not deleted.
    pub fn contact(&self, rid: Id) -> Result<Contact> {
        let sql = format!("{CONTACT_SELECT} WHERE c.id = ?1 AND c.deleted_at IS NULL");
        self.one(&sql, rid, EntityKind::Contact, contact)
    }

    /// A history entry that is not deleted.
    pub fn interaction(&self, rid: Id) -> Result<Interaction> {
        let sql = format!("{INTERACTION_SELECT} WHERE i.id = ?1 AND i.deleted_at IS NULL");
        self.one(&sql, rid, EntityKind::Interaction, interaction)
    }

    /// A lead that is not deleted.
    pub fn lead(&self, rid: Id) -> Result<Lead> {
        lead_on(self.conn(), rid)
    }

    /// A deal that is not deleted.
    pub fn opportunity(&self, rid: Id) -> Result<Opportunity> {
        let sql = format!("{OPPORTUNITY_SELECT} WHERE o.id = ?1 AND o.deleted_at IS NULL");
        self.one(&sql, rid, EntityKind::Opportunity, opportunity)
    }

    /// The kind of record `rid` is, deleted or not.
    pub fn kind_of(&self, rid: Id) -> Result<Option<EntityKind>> {
        for entity in EntityKind::ALL {
            let sql = format!("SELECT 1 FROM {} WHERE id = ?1", entity.table());
            if self.conn().prepare_cached(&sql)?.exists([rid.0])? {
                return Ok(Some(entity));
            }
        }
        Ok(None)
    }

    /// Accounts matching `filter`: by relevance with a query, else by name.
    pub fn accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        let mut sql = String::from(ACCOUNT_SELECT);
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let match_expr = filter
            .query
            .as_deref()
            .and_then(crm_domain::search::match_expression);
        if filter.query.is_some() && match_expr.is_none() {
            return Ok(Vec::new());
        }
        if let Some(expr) = match_expr {
            sql.push_str(
                " JOIN (SELECT rowid, bm25(accounts_fts, 10.0, 1.0) AS score FROM accounts_fts
                  WHERE accounts_fts MATCH ?) m ON m.rowid = a.rowid",
            );
            args.push(expr.into());
        }
        sql.push_str(" WHERE a.deleted_at IS NULL");
        for (column, value) in [
            ("a.industry", &filter.industry),
            ("a.region", &filter.region),
            ("a.lifecycle", &filter.lifecycle),
        ] {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                args.push(v.clone().into());
            }
        }
        if let Some(owner) = filter.owner_id {
            sql.push_str(" AND a.owner_id = ?");
            args.push(owner.0.as_bytes().to_vec().into());
        }
        sql.push_str(if filter.query.is_some() {
            " ORDER BY m.score"
        } else {
            " ORDER BY a.name COLLATE NOCASE, a.id"
        });
        sql.push_str(" LIMIT ? OFFSET ?");
        args.push((limit as i64).into());
        args.push((filter.offset as i64).into());
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(rusqlite::params_from_iter(args), account)?
            .readable(self)?;
        Ok(rows)
    }

    /// How many accounts are not deleted.
    pub fn account_count(&self) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM accounts WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// The people at an account.
    pub fn contacts_of(&self, account_id: Id) -> Result<Vec<Contact>> {
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.account_id = ?1 AND c.deleted_at IS NULL ORDER BY c.name"
        );
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map([account_id.0], contact)?
            .readable(self)?;
        Ok(rows)
    }

    /// A page of an account's history by everyone, newest first, starting after
    /// `after` (keyset paging: each page costs the same however deep).
    pub fn timeline(
        &self,
        account_id: Id,
        after: Option<TimelineCursor>,
        limit: usize,
    ) -> Result<Timeline> {
        self.timeline_of_kind(account_id, None, after, limit)
    }

    /// A page of an account's history of one kind (`call`, `visit`...), or
    /// of every kind, newest first, as [`Store::timeline`].
    pub fn timeline_of_kind(
        &self,
        account_id: Id,
        kind: Option<&str>,
        after: Option<TimelineCursor>,
        limit: usize,
    ) -> Result<Timeline> {
        let sql = format!(
            "{INTERACTION_SELECT} WHERE i.account_id = ?1 AND i.deleted_at IS NULL
               AND (?5 IS NULL OR i.kind = ?5)
               AND (?2 IS NULL OR (i.occurred_at, i.id) < (?2, ?3))
             ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?4"
        );
        let (at, after_id) = after.map_or((None, None), |c| (Some(c.occurred_at), Some(c.id.0)));
        let mut entries: Vec<Interaction> = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(
                params![account_id.0, at, after_id, limit as i64 + 1, kind],
                interaction,
            )?
            .readable(self)?;
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| TimelineCursor {
                occurred_at: e.occurred_at.timestamp_millis(),
                id: e.id,
            })
        } else {
            None
        };
        Ok(Timeline { entries, next })
    }

    /// An account's key numbers; `open_tasks` soonest first.
    pub fn key_numbers(&self, account_id: Id, open_tasks: &[RecordRow]) -> Result<KeyNumbers> {
        let sums = |won: bool| -> Result<Vec<Money>> {
            let closed = if won {
                "s.closed AND s.won"
            } else {
                "NOT s.closed"
            };
            let sql = format!(
                "SELECT o.currency, sum(o.amount) AS total FROM opportunities o
                 JOIN pipeline_stages s ON s.key = o.stage
                 WHERE o.account_id = ?1 AND o.deleted_at IS NULL AND {closed}
                 GROUP BY o.currency ORDER BY total DESC, o.currency"
            );
            let rows = self
                .conn()
                .prepare_cached(&sql)?
                .query_map([account_id.0], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            // A currency this build cannot read is left out, as its deals are.
            Ok(rows
                .into_iter()
                .filter_map(|(code, minor)| {
                    code.parse().ok().map(|currency| Money { minor, currency })
                })
                .collect())
        };
        let last_contact: Option<i64> = self.conn().query_row(
            "SELECT max(occurred_at) FROM interactions WHERE account_id = ?1 AND deleted_at IS NULL",
            [account_id.0],
            |r| r.get(0),
        )?;
        Ok(KeyNumbers {
            open_pipeline: sums(false)?,
            won: sums(true)?,
            last_contact: last_contact.map(millis),
            next_step: open_tasks.first().cloned(),
        })
    }

    /// The 360° view of an account.
    pub fn account_view(&self, account_id: Id, timeline_limit: usize) -> Result<AccountView> {
        let account = self.account(account_id)?;
        let sql = format!(
            "{OPPORTUNITY_SELECT} JOIN pipeline_stages s ON s.key = o.stage
             WHERE o.account_id = ?1 AND o.deleted_at IS NULL AND NOT s.closed ORDER BY s.position, o.close_date"
        );
        let open_opportunities = self
            .conn()
            .prepare_cached(&sql)?
            .query_map([account_id.0], opportunity)?
            .readable(self)?;
        let mut tasks = RecordQuery::open_tasks(None, None, None);
        tasks
            .filter
            .insert("account_id".into(), Value::String(account_id.to_string()));
        let mut open_tasks = self.records(EntityKind::Task, &tasks)?.rows;
        soonest_first(&mut open_tasks);
        Ok(AccountView {
            contacts: self.contacts_of(account_id)?,
            open_opportunities,
            key_numbers: self.key_numbers(account_id, &open_tasks)?,
            open_tasks,
            timeline: self.timeline(account_id, None, timeline_limit)?,
            account,
        })
    }

    /// Leads, newest first, `limit` of them after skipping `offset`; `status`
    /// filters.
    pub fn leads(&self, status: Option<&str>, offset: usize, limit: usize) -> Result<Vec<Lead>> {
        let sql = format!(
            "{LEAD_SELECT} WHERE l.deleted_at IS NULL AND (?1 IS NULL OR l.status = ?1)
             ORDER BY l.created_at DESC, l.id LIMIT ?2 OFFSET ?3"
        );
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params![status, limit as i64, offset as i64], lead)?
            .readable(self)?;
        Ok(rows)
    }

    /// Deals by pipeline position, then close date; `stage` filters.
    pub fn opportunities(&self, stage: Option<&str>, limit: usize) -> Result<Vec<Opportunity>> {
        let sql = format!(
            "{OPPORTUNITY_SELECT} JOIN pipeline_stages s ON s.key = o.stage
             WHERE o.deleted_at IS NULL AND (?1 IS NULL OR o.stage = ?1)
             ORDER BY s.position, o.close_date IS NULL, o.close_date, o.name LIMIT ?2"
        );
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params![stage, limit as i64], opportunity)?
            .readable(self)?;
        Ok(rows)
    }

    /// The pipeline's stages in order.
    pub fn pipeline(&self) -> Result<Vec<Stage>> {
        let rows = self
            .conn()
            .prepare_cached("SELECT key, position, probability, closed, won FROM pipeline_stages ORDER BY position")?
            .query_map([], |r| {
                Ok(Stage {
                    key: r.get(0)?,
                    position: r.get(1)?,
                    probability: r.get(2)?,
                    closed: r.get(3)?,
                    won: r.get(4)?,
                })
            })?
            .readable(self)?;
        Ok(rows)
    }

    /// The team directory.
    pub fn users(&self) -> Result<Vec<User>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT id, name, email, role, team, active FROM users WHERE deleted_at IS NULL ORDER BY name",
            )?
            .query_map([], user)?
            .readable(self)?;
        Ok(rows)
    }

    /// A user by id (`None` when there is none, or they were deleted).
    pub fn user(&self, id: Id) -> Result<Option<User>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT id, name, email, role, team, active FROM users WHERE deleted_at IS NULL AND id = ?1",
            )?
            .query_row([id.0], user)
            .optional()?)
    }

    /// A user by id, email or exact name (case-insensitive).
    pub fn find_user(&self, given: &str) -> Result<User> {
        let by_id = given.parse::<Id>().ok().map(|i| i.0);
        self.conn()
            .prepare_cached(
                "SELECT id, name, email, role, team, active FROM users
                 WHERE deleted_at IS NULL AND (id = ?1 OR lower(email) = lower(?2) OR lower(name) = lower(?2))
                 ORDER BY active DESC LIMIT 1",
            )?
            .query_row(params![by_id, given.trim()], user)
            .optional()?
            .ok_or_else(|| StoreError::NoMatch {
                what: "user",
                given: given.to_owned(),
            })
    }

    /// Who changed which field of a record, when, from what to what; oldest first.
    pub fn history(&self, record_id: Id) -> Result<Vec<FieldHistory>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT h.field, h.old, h.new, h.changed_by, u.name, h.changed_at, h.op
                 FROM field_history h LEFT JOIN users u ON u.id = h.changed_by
                 WHERE h.record_id = ?1 ORDER BY h.id",
            )?
            .query_map([record_id.0], |r| {
                let json = |i: usize| -> rusqlite::Result<Value> {
                    let text: Option<String> = r.get(i)?;
                    Ok(text
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or(Value::Null))
                };
                Ok(FieldHistory {
                    field: r.get(0)?,
                    old: json(1)?,
                    new: json(2)?,
                    changed_by: opt_id(r, 3)?,
                    changed_by_name: r.get(4)?,
                    changed_at: millis(r.get(5)?),
                    op: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<FieldHistory>>>()?;
        let mut rows = rows;
        if rows.first().is_none_or(|h| h.op != "insert")
            && let Some(created) = self.creation(record_id)?
        {
            // Records loaded in bulk by a first sync carry their creation on
            // the row itself rather than as a history entry.
            rows.insert(0, created);
        }
        Ok(rows)
    }

    /// The creation of a record, from its own columns.
    fn creation(&self, record_id: Id) -> Result<Option<FieldHistory>> {
        let Some(entity) = self.kind_of(record_id)? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT t.created_by, u.name, t.created_at FROM {} t LEFT JOIN users u ON u.id = t.created_by WHERE t.id = ?1",
            entity.table()
        );
        Ok(self
            .conn()
            .query_row(&sql, [record_id.0], |r| {
                Ok(FieldHistory {
                    field: "*".to_owned(),
                    old: Value::Null,
                    new: Value::Null,
                    changed_by: opt_id(r, 0)?,
                    changed_by_name: r.get(1)?,
                    changed_at: millis(r.get(2)?),
                    op: "insert".to_owned(),
                })
            })
            .optional()?)
    }

    /// Local changes not yet accepted by the server, oldest first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Op>> {
        let device = self.device_id();
        let rows = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {OP_COLUMNS} FROM outbox ORDER BY device_seq LIMIT ?1"
            ))?
            .query_map([limit as i64], |r| op_from_row(r, device))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How many local changes wait for the server.
    pub fn outbox_len(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }
}
