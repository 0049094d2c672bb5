//! Service: cases and their flow, the SLA clock of each case, escalation,
//! the knowledge base and satisfaction. Every record is an ordinary kind of
//! its description; this module holds the rules between them and the
//! numbers customers see (`C7-00012`, from the device's series as quotes
//! are).
//!
//! Due times are never stored: [`crm_domain::service::clock`] computes them
//! from synced facts (when the case was opened, its status moves, its first
//! answer, the policy and the team's calendar), the same on every laptop and
//! the server. An escalation is a case event whose id is derived from the
//! case, the clock and the level, so two laptops escalating one case
//! offline write one record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crm_domain::{
    EntityKind, Id, Invalid, Problem,
    schema::SLA_TARGETS,
    service::{self, CaseClock, CaseFacts, Levels, Policy},
    sla::Calendar,
};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    Store,
    error::{Result, Rule, StoreError},
    records::{RecordRow, children_on, record_on},
    sales::next_number,
    search::SearchHit,
    write::Writer,
};

/// How many escalations one write transaction takes: the pass over a large
/// book leaves room between its transactions for a person's edits.
pub const ESCALATION_BATCH: usize = 25;

/// A case to open, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    /// The customer.
    pub account_id: Id,
    /// What it is about, in a line.
    pub subject: String,
    /// The person who asked.
    pub contact_id: Option<Id>,
    /// `low`, `normal`, `high` or `urgent` (default normal).
    pub priority: Option<String>,
    /// How it reached us.
    pub channel: Option<String>,
    /// The customer's words.
    pub description: Option<String>,
    /// The order it concerns.
    pub order_id: Option<Id>,
    /// The product it concerns.
    pub product_id: Option<Id>,
    /// Its category.
    pub category: Option<String>,
    /// Who works on it (default: whoever opens it).
    pub owner_id: Option<Id>,
}

/// A case with what its clocks say now.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CaseLine {
    /// The case.
    pub case: RecordRow,
    /// Its clocks, when a policy covers its priority and the team has a
    /// calendar.
    pub clock: Option<CaseClock>,
    /// The highest escalation level it reached (0: none).
    #[ts(type = "number")]
    pub level: i64,
}

/// A case's page: fields, clocks, its story, the articles that may solve
/// it, satisfaction.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CaseView {
    /// The case and its clocks.
    #[serde(flatten)]
    #[ts(flatten)]
    pub line: CaseLine,
    /// Status moves and escalations, oldest first.
    pub events: Vec<RecordRow>,
    /// Replies, calls and visits on it, newest first.
    pub timeline: Vec<RecordRow>,
    /// Articles that may solve it, from its words (published ones).
    pub suggested: Vec<Suggestion>,
    /// The article that solved it.
    pub solution: Option<RecordRow>,
    /// Its satisfaction answers.
    pub surveys: Vec<RecordRow>,
}

/// An article that may solve a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Suggestion {
    /// The article.
    pub id: Id,
    /// Its title.
    pub title: String,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseQueue {
    /// New, in progress or waiting on the customer.
    #[default]
    Open,
    /// Open and past a due time.
    Breached,
    /// Open, within a warning window, not breached.
    AtRisk,
    /// Open and escalated.
    Escalated,
    /// Every case.
    All,
}

impl std::str::FromStr for CaseQueue {
    type Err = Problem;

    fn from_str(s: &str) -> std::result::Result<Self, Problem> {
        Ok(match s.trim().to_lowercase().replace('-', "_").as_str() {
            "open" => CaseQueue::Open,
            "breached" => CaseQueue::Breached,
            "at_risk" => CaseQueue::AtRisk,
            "escalated" => CaseQueue::Escalated,
            "all" => CaseQueue::All,
            _ => {
                return Err(Problem::OneOf {
                    allowed: "open, breached, at-risk, escalated, all".into(),
                });
            }
        })
    }
}

/// One escalation written by a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Escalated {
    /// The case.
    pub case_id: Id,
    /// Its number.
    pub number: String,
    /// `first_response` or `resolution`.
    pub target: String,
    /// 1: within the warning window; 2: past due.
    #[ts(type = "number")]
    pub level: i64,
    /// The priority it was raised to, if it was.
    pub raised_to: Option<String>,
}

/// An escalation a case reached and does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEscalation {
    /// The case.
    pub case_id: Id,
    /// Its number.
    pub number: String,
    /// `first_response` or `resolution`.
    pub target: &'static str,
    /// 1 or 2.
    pub level: i64,
    /// Past due: the priority the policy raises it to.
    pub raise_to: Option<String>,
}

/// What an escalation pass did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EscalationPass {
    /// Open cases looked at.
    pub examined: usize,
    /// Escalations written (each once per case, clock and level).
    pub escalated: Vec<Escalated>,
}

fn text(row: &RecordRow, field: &str) -> String {
    row.fields
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn moment(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

/// A calendar record as the SLA clock reads it; its refusal names the field.
pub(crate) fn calendar_of(fields: &dyn Fn(&str) -> String) -> Result<Calendar> {
    Ok(service::calendar_from(fields)?)
}

/// The team's calendar (the last changed, should there be two) and its
/// policies; `None` without a calendar or without a policy.
fn levels_on(conn: &rusqlite::Connection) -> Result<Option<Levels>> {
    let calendar: Option<Id> = conn
        .query_row(
            "SELECT id FROM calendars WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 1",
            [],
            |r| r.get(0).map(Id),
        )
        .optional()?;
    let Some(calendar) = calendar else {
        return Ok(None);
    };
    let record = record_on(conn, EntityKind::Calendar, calendar)?;
    let calendar = calendar_of(&|f| text(&record, f))?;
    let rows: Vec<Policy> = conn
        .prepare_cached(
            "SELECT priority, tier, first_response, resolution, warn_before, raise_to
             FROM sla_policies WHERE deleted_at IS NULL ORDER BY updated_at, id",
        )?
        .query_map([], |r| {
            Ok(Policy {
                priority: r.get(0)?,
                tier: r.get(1)?,
                first_response: r.get(2)?,
                resolution: r.get(3)?,
                warn_before: r.get(4)?,
                raise_to: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Levels::new(calendar, rows))
}

/// An open (or any) case's facts, read in bulk.
struct Facts {
    id: Id,
    number: String,
    status: String,
    priority: String,
    tier: Option<String>,
    facts: CaseFacts,
}

/// Which cases a reading of facts covers.
#[derive(Clone, Copy)]
enum Cases<'a> {
    /// Every open case (the escalation pass, the queues): each fact is read
    /// by one scan of its index, unfiltered, and matched in memory.
    Open,
    /// The cases an SQL condition on `c` (the cases table) selects, with
    /// its arguments (a case's page, a person's queue).
    Where(&'a str, &'a [&'a dyn rusqlite::ToSql]),
}

impl Cases<'_> {
    /// The condition on `c`, its arguments, and the filter a fact's query
    /// puts on its `column` of case ids (none for the whole desk).
    fn parts(&self, column: &str) -> (String, &[&dyn rusqlite::ToSql], String) {
        match self {
            Cases::Open => (OPEN.to_owned(), &[], String::new()),
            Cases::Where(condition, args) => (
                (*condition).to_owned(),
                args,
                format!(
                    "AND {column} IN (SELECT c.id FROM cases c WHERE c.deleted_at IS NULL AND {condition})"
                ),
            ),
        }
    }
}

/// The facts of the cases selected, with their first answers and waits: a
/// few set queries (one per kind of fact), not one per case, so the pass
/// over a large desk reads each index once. Accounts' tiers are read only
/// when a policy is by tier.
fn facts_on(conn: &rusqlite::Connection, cases: Cases<'_>, tiered: bool) -> Result<Vec<Facts>> {
    let mut tiers: HashMap<uuid::Uuid, String> = HashMap::new();
    if tiered {
        let (condition, args, _) = cases.parts("");
        let sql = format!(
            "SELECT a.id, a.tier FROM accounts a WHERE a.tier IS NOT NULL AND a.id IN
               (SELECT c.account_id FROM cases c WHERE c.deleted_at IS NULL AND {condition})"
        );
        for row in conn
            .prepare_cached(&sql)?
            .query_map(args, |r| Ok((r.get(0)?, r.get(1)?)))?
        {
            let (id, tier) = row?;
            tiers.insert(id, tier);
        }
    }
    let mut answered: HashMap<uuid::Uuid, i64> = HashMap::new();
    let (_, args, filter) = cases.parts("i.case_id");
    let sql = format!(
        "SELECT i.case_id, min(i.occurred_at) FROM interactions i
         WHERE i.case_id IS NOT NULL AND i.deleted_at IS NULL
           AND coalesce(i.direction, 'outbound') != 'inbound' {filter}
         GROUP BY i.case_id"
    );
    for row in conn
        .prepare_cached(&sql)?
        .query_map(args, |r| Ok((r.get(0)?, r.get(1)?)))?
    {
        let (id, at) = row?;
        answered.insert(id, at);
    }
    let mut moves: HashMap<uuid::Uuid, Vec<(DateTime<Utc>, String)>> = HashMap::new();
    let (_, args, filter) = cases.parts("e.case_id");
    let sql = format!(
        "SELECT e.case_id, e.at, e.to_status FROM case_events e
         WHERE e.kind = 'status' AND e.to_status IS NOT NULL AND e.deleted_at IS NULL
           AND e.case_id IN (SELECT w.case_id FROM case_events w
                             WHERE w.to_status = 'waiting' AND w.deleted_at IS NULL)
           {filter}
         ORDER BY e.case_id, e.at, e.id"
    );
    for row in conn.prepare_cached(&sql)?.query_map(args, |r| {
        Ok((
            r.get::<_, uuid::Uuid>(0)?,
            moment(r.get(1)?).unwrap_or_default(),
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, at, to) = row?;
        moves.entry(id).or_default().push((at, to));
    }
    let (condition, args, _) = cases.parts("");
    let sql = format!(
        "SELECT c.id, coalesce(c.number, ''), c.priority, c.account_id, c.opened_at, c.resolved_at, c.status
         FROM cases c WHERE c.deleted_at IS NULL AND {condition}"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(args, |r| {
            let id: uuid::Uuid = r.get(0)?;
            let account: uuid::Uuid = r.get(3)?;
            Ok(Facts {
                id: Id(id),
                number: r.get(1)?,
                status: r.get(6)?,
                priority: r.get(2)?,
                tier: tiers.get(&account).cloned(),
                facts: CaseFacts {
                    opened_at: moment(r.get(4)?).unwrap_or_default(),
                    resolved_at: moment(r.get(5)?),
                    first_response_at: moment(answered.get(&id).copied()),
                    pauses: moves
                        .get(&id)
                        .map(|m| service::pauses(m))
                        .unwrap_or_default(),
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The highest escalation level of each clock of the cases selected:
/// (case, clock) -> level.
fn levels_reached(
    conn: &rusqlite::Connection,
    cases: Cases<'_>,
) -> Result<HashMap<(Id, &'static str), i64>> {
    let (_, args, filter) = cases.parts("e.case_id");
    let sql = format!(
        "SELECT e.case_id, e.target, max(e.level) FROM case_events e
         WHERE e.kind = 'escalation' AND e.deleted_at IS NULL {filter}
         GROUP BY e.case_id, e.target"
    );
    let mut reached = HashMap::new();
    for row in conn.prepare_cached(&sql)?.query_map(args, |r| {
        Ok((
            r.get::<_, uuid::Uuid>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })? {
        let (id, target, level) = row?;
        if let Some(target) = SLA_TARGETS.iter().find(|t| Some(**t) == target.as_deref()) {
            reached.insert((Id(id), *target), level.unwrap_or(0));
        }
    }
    Ok(reached)
}

/// The queue's order: breached first, then by working time left, then the
/// oldest.
fn queue_order(
    a: &(Facts, Option<CaseClock>, i64),
    b: &(Facts, Option<CaseClock>, i64),
) -> std::cmp::Ordering {
    let left = |c: &Option<CaseClock>| {
        c.map_or(i64::MAX, |c| {
            [c.first_response, c.resolution]
                .iter()
                .filter_map(|d| d.left)
                .min()
                .unwrap_or(i64::MAX)
        })
    };
    (!a.1.is_some_and(|c| c.breached()))
        .cmp(&!b.1.is_some_and(|c| c.breached()))
        .then(left(&a.1).cmp(&left(&b.1)))
        .then(a.0.facts.opened_at.cmp(&b.0.facts.opened_at))
        .then(a.0.id.cmp(&b.0.id))
}

const OPEN: &str = "c.status IN ('new', 'in_progress', 'waiting')";

impl Store {
    /// Open a case, numbered from this device's series. Returns its id.
    pub fn case_add(&mut self, new: NewCase) -> Result<Id> {
        let mut fields: Vec<(&str, Value)> = vec![
            ("account_id", json!(new.account_id.to_string())),
            ("subject", json!(new.subject)),
        ];
        for (name, id) in [
            ("contact_id", new.contact_id),
            ("order_id", new.order_id),
            ("product_id", new.product_id),
            ("owner_id", new.owner_id),
        ] {
            if let Some(id) = id {
                fields.push((name, json!(id.to_string())));
            }
        }
        for (name, raw) in [
            ("priority", new.priority),
            ("channel", new.channel),
            ("description", new.description),
            ("category", new.category),
        ] {
            if let Some(raw) = raw {
                fields.push((name, EntityKind::Case.parse_field(name, &raw, None)?));
            }
        }
        let subject = EntityKind::Case.parse_field("subject", &new.subject, None)?;
        fields[1].1 = subject;
        self.record(EntityKind::Account, new.account_id)?;
        self.add(EntityKind::Case, &fields)
    }

    /// What the team's service levels say about the cases `condition`
    /// selects, now.
    fn case_lines(&self, cases: Cases<'_>) -> Result<Vec<(Facts, Option<CaseClock>, i64)>> {
        let levels = levels_on(self.conn())?;
        let now = self.now();
        let reached = levels_reached(self.conn(), cases)?;
        let tiered = levels.as_ref().is_some_and(|l| l.tiered);
        let facts = facts_on(self.conn(), cases, tiered)?;
        Ok(facts
            .into_iter()
            .map(|f| {
                let clock = levels.as_ref().and_then(|l| {
                    l.policy(&f.priority, f.tier.as_deref())
                        .map(|(targets, _)| service::clock(&l.calendar, targets, &f.facts, now))
                });
                let level = SLA_TARGETS
                    .iter()
                    .filter_map(|t| reached.get(&(f.id, *t)))
                    .copied()
                    .max()
                    .unwrap_or(0);
                (f, clock, level)
            })
            .collect())
    }

    /// A case's page.
    pub fn case_view(&self, id: Id) -> Result<CaseView> {
        let case = self.record(EntityKind::Case, id)?;
        let (clock, level) = self
            .case_lines(Cases::Where("c.id = ?1", &[&id.0]))?
            .into_iter()
            .next()
            .map_or((None, 0), |(_, clock, level)| (clock, level));
        let events = children_on(self.conn(), EntityKind::CaseEvent, "case_id", id, "at, id")?;
        let timeline = children_on(
            self.conn(),
            EntityKind::Interaction,
            "case_id",
            id,
            "occurred_at DESC, id DESC",
        )?;
        let solution = match case
            .fields
            .get("solution_article_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Id>().ok())
        {
            Some(a) => self.record(EntityKind::Article, a).ok(),
            None => None,
        };
        let surveys = children_on(
            self.conn(),
            EntityKind::Survey,
            "case_id",
            id,
            "answered_at, id",
        )?;
        let suggested = self
            .kb_suggest(&case, 5)?
            .into_iter()
            .map(|h| Suggestion {
                id: h.id,
                title: h.title,
            })
            .collect();
        let mut case = case;
        crate::records::name_references(
            self.conn(),
            EntityKind::Case,
            std::slice::from_mut(&mut case),
        )?;
        Ok(CaseView {
            line: CaseLine { case, clock, level },
            events,
            timeline,
            suggested,
            solution,
            surveys,
        })
    }

    /// Cases of a queue, breached first, then by time left, then oldest;
    /// `mine`: only this user's; `priority`: only of that priority.
    pub fn cases(
        &self,
        queue: CaseQueue,
        mine: bool,
        priority: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CaseLine>> {
        let mut condition = match queue {
            CaseQueue::All => "1 = 1".to_owned(),
            _ => OPEN.to_owned(),
        };
        let me = self.user_id();
        let priority = priority
            .map(|p| EntityKind::Case.parse_field("priority", p, None))
            .transpose()?
            .and_then(|v| v.as_str().map(str::to_owned));
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
        if mine {
            condition.push_str(" AND c.owner_id = ?1");
            args.push(&me.0);
        }
        if let Some(p) = &priority {
            condition.push_str(&format!(" AND c.priority = ?{}", args.len() + 1));
            args.push(p);
        }
        let mut lines: Vec<(Facts, Option<CaseClock>, i64)> = self
            .case_lines(if queue != CaseQueue::All && args.is_empty() {
                Cases::Open
            } else {
                Cases::Where(&condition, &args)
            })?
            .into_iter()
            .filter(|(_, clock, level)| match queue {
                CaseQueue::Open | CaseQueue::All => true,
                CaseQueue::Breached => clock.is_some_and(|c| c.breached()),
                CaseQueue::AtRisk => clock.is_some_and(|c| c.at_risk()),
                CaseQueue::Escalated => *level > 0,
            })
            .collect();
        lines.sort_by(queue_order);
        lines.truncate(limit);
        self.lines_out(lines)
    }

    /// An account's cases for its page: the open ones as the queue orders
    /// them (breached first), then the others, newest first.
    pub fn account_cases(&self, account: Id, limit: usize) -> Result<Vec<CaseLine>> {
        let mut lines = self.case_lines(Cases::Where("c.account_id = ?1", &[&account.0]))?;
        lines.sort_by(|a, b| {
            let open = |f: &Facts| !service::is_open(&f.status);
            open(&a.0).cmp(&open(&b.0)).then_with(|| {
                if service::is_open(&a.0.status) {
                    queue_order(a, b)
                } else {
                    b.0.facts.opened_at.cmp(&a.0.facts.opened_at)
                }
            })
        });
        lines.truncate(limit);
        self.lines_out(lines)
    }

    /// The lines of a list, their cases read whole with the names of what
    /// they point at.
    fn lines_out(&self, lines: Vec<(Facts, Option<CaseClock>, i64)>) -> Result<Vec<CaseLine>> {
        let mut out = Vec::with_capacity(lines.len());
        for (f, clock, level) in lines {
            out.push(CaseLine {
                case: self.record(EntityKind::Case, f.id)?,
                clock,
                level,
            });
        }
        let mut rows: Vec<RecordRow> = out.iter().map(|l| l.case.clone()).collect();
        crate::records::name_references(self.conn(), EntityKind::Case, &mut rows)?;
        for (line, row) in out.iter_mut().zip(rows) {
            line.case = row;
        }
        Ok(out)
    }

    /// Move a case along its flow (`reopened` brings a resolved or closed
    /// case back to work), recorded as a case event with `note`.
    pub fn case_move(&mut self, id: Id, to: &str, note: Option<&str>) -> Result<()> {
        self.may_write(EntityKind::CaseEvent, &[], true)?;
        self.write(|w| move_in(w, id, to.trim(), note))
    }

    /// A reply, call, visit or other contact on a case: a history entry of
    /// the account linked to the case (`inbound`: the customer's, which is
    /// not an answer). The first answer takes a new case in progress.
    pub fn case_reply(
        &mut self,
        id: Id,
        kind: &str,
        subject: &str,
        body: Option<&str>,
        inbound: bool,
    ) -> Result<Id> {
        self.may_write(EntityKind::Interaction, &[], true)?;
        let kind = EntityKind::Interaction.parse_field("kind", kind, None)?;
        let subject = EntityKind::Interaction.parse_field("subject", subject, None)?;
        let body = body
            .map(|b| EntityKind::Interaction.parse_field("body", b, None))
            .transpose()?;
        // The engineer holding the case may not hold its account.
        self.write_through_parents(|w| {
            let case = record_on(w.conn(), EntityKind::Case, id)?;
            let status = text(&case, "status");
            if !service::is_open(&status) {
                return Err(Rule::CaseClosed {
                    number: text(&case, "number"),
                    status,
                }
                .into());
            }
            let mut entry = vec![
                ("kind", kind.clone()),
                (
                    "direction",
                    json!(if inbound { "inbound" } else { "outbound" }),
                ),
                ("occurred_at", json!(w.now().timestamp_millis())),
                ("subject", subject.clone()),
                ("author_id", json!(w.user_id().to_string())),
                ("case_id", json!(id.to_string())),
            ];
            if let Some(b) = &body {
                entry.push(("body", b.clone()));
            }
            for field in ["account_id", "contact_id"] {
                if let Some(v) = case.fields.get(field).filter(|v| !v.is_null()) {
                    entry.push((field, v.clone()));
                }
            }
            let entry = w.insert(EntityKind::Interaction, &entry)?;
            if !inbound && status == "new" {
                move_in(w, id, "in_progress", None)?;
            }
            Ok(entry)
        })
    }

    /// Resolve a case with a knowledge-base article as its solution (the
    /// article counts one more use).
    pub fn case_solve(&mut self, id: Id, article: Id, note: Option<&str>) -> Result<()> {
        self.may_write(EntityKind::CaseEvent, &[], true)?;
        self.record(EntityKind::Article, article)?;
        self.write(|w| {
            w.update(
                EntityKind::Case,
                id,
                &[("solution_article_id", json!(article.to_string()))],
            )?;
            let case = record_on(w.conn(), EntityKind::Case, id)?;
            if text(&case, "status") != "resolved" {
                move_in(w, id, "resolved", note)?;
            }
            Ok(())
        })
    }

    /// Record a satisfaction answer: CSAT (1-5) for a resolved or closed
    /// case, or NPS (0-10) for an account. Returns its id.
    pub fn survey_add(
        &mut self,
        kind: &str,
        case: Option<Id>,
        account: Option<Id>,
        score: &str,
        comment: Option<&str>,
        source: &str,
    ) -> Result<Id> {
        let kind_value = EntityKind::Survey.parse_field("kind", kind, None)?;
        let csat = kind_value.as_str() == Some("csat");
        let (min, max) = if csat { (1, 5) } else { (0, 10) };
        let score: i64 = crm_domain::value::bounded_int(score, min, max)
            .map_err(|p| StoreError::from(Invalid::new("score", p)))?;
        let mut fields: Vec<(&str, Value)> = vec![
            ("kind", kind_value),
            ("score", json!(score)),
            ("answered_at", json!(self.now().timestamp_millis())),
            (
                "source",
                EntityKind::Survey.parse_field("source", source, None)?,
            ),
            ("recorded_by", json!(self.user_id().to_string())),
        ];
        let account = match (csat, case) {
            (true, Some(case_id)) => {
                let case = self.record(EntityKind::Case, case_id)?;
                let status = text(&case, "status");
                if !matches!(status.as_str(), "resolved" | "closed") {
                    return Err(Rule::CaseNotResolved {
                        number: text(&case, "number"),
                        status,
                    }
                    .into());
                }
                fields.push(("case_id", json!(case_id.to_string())));
                text(&case, "account_id")
                    .parse::<Id>()
                    .map_err(|p| StoreError::from(Invalid::new("account_id", p)))?
            }
            (true, None) => return Err(Invalid::new("case", Problem::Empty).into()),
            (false, _) => {
                account.ok_or_else(|| StoreError::from(Invalid::new("account", Problem::Empty)))?
            }
        };
        self.record(EntityKind::Account, account)?;
        fields.push(("account_id", json!(account.to_string())));
        if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
            fields.push((
                "comment",
                EntityKind::Survey.parse_field("comment", c, None)?,
            ));
        }
        self.add(EntityKind::Survey, &fields)
    }

    /// Set the service level of a priority (and, optionally, an account
    /// tier): replaces the one there was. Managers and admins. Returns its id.
    pub fn sla_policy_set(&mut self, fields: &[(&str, Value)]) -> Result<Id> {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, v)| v.clone())
        };
        let priority = get("priority").unwrap_or(Value::Null);
        let tier = get("tier").unwrap_or(Value::Null);
        let existing: Option<Id> = self
            .conn()
            .query_row(
                "SELECT id FROM sla_policies WHERE deleted_at IS NULL AND priority = ?1
                 AND coalesce(tier, '') = ?2 ORDER BY updated_at DESC LIMIT 1",
                rusqlite::params![
                    priority.as_str().unwrap_or_default(),
                    tier.as_str().unwrap_or_default()
                ],
                |r| r.get(0).map(Id),
            )
            .optional()?;
        match existing {
            Some(id) => {
                self.edit(EntityKind::SlaPolicy, id, fields)?;
                Ok(id)
            }
            None => self.add(EntityKind::SlaPolicy, fields),
        }
    }

    /// Set the team's business calendar (replaces the one there was), after
    /// checking it has working time. Managers and admins. Returns its id.
    pub fn calendar_set(&mut self, fields: &[(&str, Value)]) -> Result<Id> {
        let existing: Option<Id> = self
            .conn()
            .query_row(
                "SELECT id FROM calendars WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0).map(Id),
            )
            .optional()?;
        match existing {
            Some(id) => {
                self.edit(EntityKind::Calendar, id, fields)?;
                Ok(id)
            }
            None => {
                let mut fields = fields.to_vec();
                if !fields.iter().any(|(f, _)| *f == "name") {
                    fields.push(("name", json!("Business hours")));
                }
                self.add(EntityKind::Calendar, &fields)
            }
        }
    }

    /// The team's calendar record, if there is one.
    pub fn calendar(&self) -> Result<Option<RecordRow>> {
        let id: Option<Id> = self
            .conn()
            .query_row(
                "SELECT id FROM calendars WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0).map(Id),
            )
            .optional()?;
        id.map(|id| self.record(EntityKind::Calendar, id))
            .transpose()
    }

    /// Escalate every open case that reached a level it has not reached
    /// before, as of `now` (the store's clock, or a time given to `crm
    /// escalate --now`): [`Store::escalations_due`], then
    /// [`Store::escalate_some`] in short transactions, so a person's edits
    /// never wait long behind it.
    pub fn escalate(&mut self, now: DateTime<Utc>) -> Result<EscalationPass> {
        let (examined, due) = self.escalations_due(now)?;
        let mut escalated = Vec::with_capacity(due.len());
        for batch in due.chunks(ESCALATION_BATCH) {
            escalated.extend(self.escalate_some(batch, now)?);
        }
        Ok(EscalationPass {
            examined,
            escalated,
        })
    }

    /// The escalations open cases reached at `now` and do not have yet (a
    /// read: the app runs it on a reading connection, then writes in
    /// batches). Returns how many open cases were looked at, and them.
    pub fn escalations_due(&self, now: DateTime<Utc>) -> Result<(usize, Vec<PendingEscalation>)> {
        let Some(levels) = levels_on(self.conn())? else {
            return Ok((0, Vec::new()));
        };
        let reached = levels_reached(self.conn(), Cases::Open)?;
        let facts = facts_on(self.conn(), Cases::Open, levels.tiered)?;
        let mut due = Vec::new();
        for f in &facts {
            let Some((targets, raise)) = levels.policy(&f.priority, f.tier.as_deref()) else {
                continue;
            };
            let clock = service::clock(&levels.calendar, targets, &f.facts, now);
            for (target, level) in clock.escalations() {
                if reached.get(&(f.id, target)).is_some_and(|l| *l >= level) {
                    continue;
                }
                due.push(PendingEscalation {
                    case_id: f.id,
                    number: f.number.clone(),
                    target,
                    level,
                    raise_to: raise.clone().filter(|_| level == 2),
                });
            }
        }
        Ok((facts.len(), due))
    }

    /// Write `pending` escalations in one transaction, each once: one its
    /// id already names (a colleague's laptop made it, or an earlier pass)
    /// is skipped; past due, the priority is raised to the policy's
    /// `raise_to` if that is higher than it is now.
    pub fn escalate_some(
        &mut self,
        pending: &[PendingEscalation],
        now: DateTime<Utc>,
    ) -> Result<Vec<Escalated>> {
        self.write(|w| {
            let mut done = Vec::new();
            for p in pending {
                let id = service::escalation_id(p.case_id, p.target, p.level);
                let known: bool = w.conn().query_row(
                    "SELECT EXISTS (SELECT 1 FROM case_events WHERE id = ?1)",
                    [id.0],
                    |r| r.get(0),
                )?;
                if known {
                    continue;
                }
                // The case as it is now: an edit may have come between the
                // reading and this write.
                let case = record_on(w.conn(), EntityKind::Case, p.case_id)?;
                if case.deleted || !service::is_open(&text(&case, "status")) {
                    continue;
                }
                let current = text(&case, "priority");
                let raise = p.raise_to.clone().filter(|r| service::above(r, &current));
                let mut fields = vec![
                    ("case_id", json!(p.case_id.to_string())),
                    ("kind", json!("escalation")),
                    ("at", json!(now.timestamp_millis())),
                    ("target", json!(p.target)),
                    ("level", json!(p.level)),
                    ("author_id", json!(w.user_id().to_string())),
                ];
                if let Some(to) = &raise {
                    fields.push(("from_priority", json!(current)));
                    fields.push(("to_priority", json!(to)));
                    w.update(EntityKind::Case, p.case_id, &[("priority", json!(to))])?;
                }
                w.insert_with_id(EntityKind::CaseEvent, id, &fields)?;
                done.push(Escalated {
                    case_id: p.case_id,
                    number: p.number.clone(),
                    target: p.target.to_owned(),
                    level: p.level,
                    raised_to: raise,
                });
            }
            Ok(done)
        })
    }

    /// Published articles (and this user's drafts) matching `query`, best
    /// first (Chinese substrings too).
    pub fn kb_search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        self.kb_hits(query, limit, true)
    }

    /// Articles matching `query`, best first: the published ones, and this
    /// user's drafts when `drafts`.
    fn kb_hits(&self, query: &str, limit: usize, drafts: bool) -> Result<Vec<SearchHit>> {
        let me = self.user_id().to_string();
        let hits = self.search_kind(EntityKind::Article, query, limit.saturating_mul(2))?;
        let mut visible = Vec::with_capacity(hits.len());
        for hit in hits {
            let article = self.record(EntityKind::Article, hit.id)?;
            let mine = drafts && text(&article, "author_id") == me;
            if text(&article, "status") == "published" || mine {
                visible.push(hit);
            }
            if visible.len() == limit {
                break;
            }
        }
        Ok(visible)
    }

    /// Published articles that may solve `case`: those matching its whole
    /// subject, else any of its words.
    fn kb_suggest(&self, case: &RecordRow, limit: usize) -> Result<Vec<SearchHit>> {
        let subject = text(case, "subject");
        let mut hits = self.kb_hits(&subject, limit, false)?;
        if hits.is_empty() {
            for word in subject
                .split_whitespace()
                .filter(|w| w.chars().count() >= 2)
            {
                for hit in self.kb_hits(word, limit, false)? {
                    if !hits.iter().any(|h| h.id == hit.id) {
                        hits.push(hit);
                    }
                }
                if hits.len() >= limit {
                    break;
                }
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// How many cases an article solved.
    pub fn article_uses(&self, article: Id) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM cases WHERE solution_article_id = ?1 AND deleted_at IS NULL",
            [article.0],
            |r| r.get(0),
        )?)
    }

    /// The rules of service records on the generic path of a person's
    /// edits: a calendar must have working time (its refusal names the
    /// field); a CSAT is 1-5.
    pub(crate) fn service_rules(
        &self,
        kind: EntityKind,
        id: Option<Id>,
        fields: &[(&str, Value)],
    ) -> Result<()> {
        let current = match (kind, id) {
            (EntityKind::Calendar | EntityKind::Survey, Some(id)) => Some(self.record(kind, id)?),
            _ => None,
        };
        let value = |name: &str| -> Value {
            fields
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, v)| v.clone())
                .or_else(|| current.as_ref().and_then(|c| c.fields.get(name).cloned()))
                .unwrap_or(Value::Null)
        };
        match kind {
            EntityKind::Calendar => {
                calendar_of(&|f| value(f).as_str().unwrap_or_default().to_owned())?;
                Ok(())
            }
            EntityKind::SlaPolicy if id.is_none() => {
                // One policy per priority and tier: a second is refused
                // (`sla_policy_set` changes the one there is).
                let taken: bool = self.conn().query_row(
                    "SELECT EXISTS (SELECT 1 FROM sla_policies WHERE deleted_at IS NULL
                     AND priority = ?1 AND coalesce(tier, '') = ?2)",
                    rusqlite::params![
                        value("priority").as_str().unwrap_or_default(),
                        value("tier").as_str().unwrap_or_default()
                    ],
                    |r| r.get(0),
                )?;
                if taken {
                    return Err(Invalid::new("priority", Problem::Taken).into());
                }
                Ok(())
            }
            EntityKind::Survey => {
                let score = value("score").as_i64();
                if value("kind").as_str() == Some("csat")
                    && !score.is_some_and(|s| (1..=5).contains(&s))
                {
                    return Err(Invalid::new("score", Problem::Range { min: 1, max: 5 }).into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Within a write: move a case to `to` by its flow, recorded as a case
/// event; resolving stamps it, reopening clears the stamp.
fn move_in(w: &mut Writer<'_>, id: Id, to: &str, note: Option<&str>) -> Result<()> {
    let case = record_on(w.conn(), EntityKind::Case, id)?;
    let from = text(&case, "status");
    let Some(next) = service::move_to(&from, to) else {
        return Err(Rule::CaseMove {
            number: text(&case, "number"),
            from,
            to: to.to_owned(),
        }
        .into());
    };
    let now = w.now().timestamp_millis();
    let mut change = vec![("status", json!(next))];
    let resolved = case.fields.get("resolved_at").is_some_and(|v| !v.is_null());
    match next {
        "resolved" => change.push(("resolved_at", json!(now))),
        // Closed without being resolved first: done now.
        "closed" if !resolved => change.push(("resolved_at", json!(now))),
        "in_progress" if resolved => {
            change.push(("resolved_at", Value::Null));
        }
        _ => {}
    }
    w.update(EntityKind::Case, id, &change)?;
    let mut event = vec![
        ("case_id", json!(id.to_string())),
        ("kind", json!("status")),
        ("at", json!(now)),
        ("from_status", json!(from)),
        ("to_status", json!(next)),
        ("author_id", json!(w.user_id().to_string())),
    ];
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        event.push(("note", EntityKind::CaseEvent.parse_field("note", n, None)?));
    }
    w.insert(EntityKind::CaseEvent, &event)?;
    Ok(())
}

/// Within a write: the system fields of a case a person opens: its number
/// from this device's series, the moment its clock starts, its status.
pub(crate) fn opening(w: &Writer<'_>, fields: &mut Vec<(&str, Value)>) -> Result<()> {
    fields.retain(|(f, _)| !matches!(*f, "number" | "opened_at" | "status"));
    fields.push(("number", json!(next_number(w, "C")?)));
    fields.push(("opened_at", json!(w.now().timestamp_millis())));
    fields.push(("status", json!("new")));
    Ok(())
}

impl Store {
    /// A resolved case's story, the start of an article written from it:
    /// the customer's words, then each answer and move in order.
    pub fn case_story(&self, id: Id) -> Result<String> {
        let view = self.case_view(id)?;
        let case = &view.line.case;
        let status = text(case, "status");
        if service::is_open(&status) {
            return Err(Rule::CaseNotResolved {
                number: text(case, "number"),
                status,
            }
            .into());
        }
        let mut story = vec![format!("## {}", text(case, "subject"))];
        let description = text(case, "description");
        if !description.is_empty() {
            story.push(description);
        }
        let mut entries: Vec<(i64, String)> = view
            .timeline
            .iter()
            .map(|i| {
                let body = text(i, "body");
                let said = if body.is_empty() {
                    format!("- {}", text(i, "subject"))
                } else {
                    format!("- {}: {body}", text(i, "subject"))
                };
                (
                    i.fields
                        .get("occurred_at")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                    said,
                )
            })
            .collect();
        entries.extend(view.events.iter().filter_map(|e| {
            let note = text(e, "note");
            (!note.is_empty()).then(|| {
                (
                    e.fields.get("at").and_then(Value::as_i64).unwrap_or(0),
                    format!("- {note}"),
                )
            })
        }));
        entries.sort_by_key(|(at, _)| *at);
        story.extend(entries.into_iter().map(|(_, s)| s));
        Ok(story.join("\n\n"))
    }
}

/// One row of the manager's service view: a person, a category or a month.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceRow {
    /// The person's id, the category or the month (`2027-03`).
    pub key: String,
    /// The person's name (for a person).
    pub name: Option<String>,
    /// Open cases.
    #[ts(type = "number")]
    pub open: i64,
    /// Of them, breached.
    #[ts(type = "number")]
    pub breached: i64,
    /// Of them, at risk.
    #[ts(type = "number")]
    pub at_risk: i64,
    /// Cases resolved.
    #[ts(type = "number")]
    pub resolved: i64,
    /// Median time to resolution in working minutes (wall minutes without a
    /// calendar).
    #[ts(type = "number | null")]
    pub median_resolution_minutes: Option<i64>,
    /// Average CSAT (1-5) of its cases.
    pub csat: Option<f64>,
    /// How many CSAT answers that average is of.
    #[ts(type = "number")]
    pub csat_answers: i64,
}

/// The manager's service view: open cases by status and priority, and per
/// engineer, category and month the load, the breaches, the resolution
/// time and satisfaction, to pick who takes a hard case.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceView {
    /// Open cases per status.
    #[ts(type = "Record<string, number>")]
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// Open cases per priority.
    #[ts(type = "Record<string, number>")]
    pub by_priority: std::collections::BTreeMap<String, i64>,
    /// Open cases breached.
    #[ts(type = "number")]
    pub breached: i64,
    /// Open cases at risk.
    #[ts(type = "number")]
    pub at_risk: i64,
    /// Per engineer (the case's owner), most open first.
    pub engineers: Vec<ServiceRow>,
    /// Per category.
    pub categories: Vec<ServiceRow>,
    /// Per month the cases were opened in, newest first (the last 12).
    pub months: Vec<ServiceRow>,
}

impl Store {
    /// The manager's service view over every case this laptop holds.
    pub fn service_view(&self) -> Result<ServiceView> {
        let levels = levels_on(self.conn())?;
        let open = self.case_lines(Cases::Open)?;
        let mut view = ServiceView {
            by_status: Default::default(),
            by_priority: Default::default(),
            breached: 0,
            at_risk: 0,
            engineers: Vec::new(),
            categories: Vec::new(),
            months: Vec::new(),
        };
        // Facts of every case this laptop holds, keyed by id.
        struct Row {
            status: String,
            priority: String,
            owner: Option<uuid::Uuid>,
            category: Option<String>,
            opened: i64,
            resolved: Option<i64>,
        }
        let rows: HashMap<uuid::Uuid, Row> = self
            .conn()
            .prepare(
                "SELECT id, status, priority, owner_id, category, opened_at, resolved_at
                 FROM cases WHERE deleted_at IS NULL",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    Row {
                        status: r.get(1)?,
                        priority: r.get(2)?,
                        owner: r.get(3)?,
                        category: r.get(4)?,
                        opened: r.get(5)?,
                        resolved: r.get(6)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let csat: Vec<(uuid::Uuid, i64)> = self
            .conn()
            .prepare(
                "SELECT case_id, score FROM surveys
                 WHERE kind = 'csat' AND case_id IS NOT NULL AND deleted_at IS NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let names: HashMap<uuid::Uuid, String> = self
            .conn()
            .prepare("SELECT id, name FROM users")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;

        #[derive(Default)]
        struct Tally {
            open: i64,
            breached: i64,
            at_risk: i64,
            resolution: Vec<i64>,
            scores: Vec<i64>,
        }
        let mut engineers: HashMap<String, Tally> = HashMap::new();
        let mut categories: HashMap<String, Tally> = HashMap::new();
        let mut months: HashMap<String, Tally> = HashMap::new();
        let keys = |row: &Row| {
            let month = DateTime::from_timestamp_millis(row.opened)
                .map(|d| d.format("%Y-%m").to_string())
                .unwrap_or_default();
            (
                row.owner.map(|o| o.to_string()).unwrap_or_default(),
                row.category.clone().unwrap_or_default(),
                month,
            )
        };
        for (facts, clock, _) in &open {
            let Some(row) = rows.get(&facts.id.0) else {
                continue;
            };
            *view.by_status.entry(row.status.clone()).or_default() += 1;
            *view.by_priority.entry(row.priority.clone()).or_default() += 1;
            let breached = clock.is_some_and(|c| c.breached());
            let at_risk = clock.is_some_and(|c| c.at_risk());
            view.breached += i64::from(breached);
            view.at_risk += i64::from(at_risk);
            let (owner, category, month) = keys(row);
            for tally in [
                engineers.entry(owner).or_default(),
                categories.entry(category).or_default(),
                months.entry(month).or_default(),
            ] {
                tally.open += 1;
                tally.breached += i64::from(breached);
                tally.at_risk += i64::from(at_risk);
            }
        }
        for row in rows.values() {
            let Some(resolved) = row.resolved else {
                continue;
            };
            let minutes = match &levels {
                Some(l) => l.calendar.elapsed(
                    DateTime::from_timestamp_millis(row.opened).unwrap_or_default(),
                    DateTime::from_timestamp_millis(resolved).unwrap_or_default(),
                    &[],
                ),
                None => (resolved - row.opened) / 60_000,
            };
            let (owner, category, month) = keys(row);
            for tally in [
                engineers.entry(owner).or_default(),
                categories.entry(category).or_default(),
                months.entry(month).or_default(),
            ] {
                tally.resolution.push(minutes);
            }
        }
        for (case, score) in csat {
            let Some(row) = rows.get(&case) else {
                continue;
            };
            let (owner, category, month) = keys(row);
            for tally in [
                engineers.entry(owner).or_default(),
                categories.entry(category).or_default(),
                months.entry(month).or_default(),
            ] {
                tally.scores.push(score);
            }
        }
        let finish = |map: HashMap<String, Tally>, named: bool| {
            let mut out: Vec<ServiceRow> = map
                .into_iter()
                .map(|(key, mut t)| {
                    t.resolution.sort_unstable();
                    ServiceRow {
                        name: if named {
                            key.parse::<uuid::Uuid>()
                                .ok()
                                .and_then(|u| names.get(&u).cloned())
                        } else {
                            None
                        },
                        key,
                        open: t.open,
                        breached: t.breached,
                        at_risk: t.at_risk,
                        resolved: t.resolution.len() as i64,
                        median_resolution_minutes: t
                            .resolution
                            .get(t.resolution.len() / 2)
                            .copied(),
                        csat: (!t.scores.is_empty())
                            .then(|| t.scores.iter().sum::<i64>() as f64 / t.scores.len() as f64),
                        csat_answers: t.scores.len() as i64,
                    }
                })
                .collect();
            out.sort_by(|a, b| {
                b.open
                    .cmp(&a.open)
                    .then(b.resolved.cmp(&a.resolved))
                    .then(a.key.cmp(&b.key))
            });
            out
        };
        view.engineers = finish(engineers, true);
        view.categories = finish(categories, false);
        let mut by_month = finish(months, false);
        by_month.sort_by(|a, b| b.key.cmp(&a.key));
        by_month.truncate(12);
        view.months = by_month;
        Ok(view)
    }
}
