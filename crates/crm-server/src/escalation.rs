//! The server's escalation pass: the laptops' rules and clocks
//! (`crm_domain::service`), over every open case the team has, so a case
//! escalates even while no laptop that holds it is running (its owner
//! away, a request taken in overnight). Its escalations have the ids a
//! laptop's would (`service::escalation_id`): a laptop escalating the same
//! case makes the same record, which sync takes as one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crm_domain::{
    EntityKind, Hlc, Id,
    schema::MAX_MOMENT_MS,
    service::{self, CaseFacts, Levels, Policy},
};
use serde_json::{Value, json};

use crate::{
    backend::{Backend, StorageResult, StoredRecord, Tx},
    sync,
};

/// Escalations written in one transaction: the pushes of laptops wait at
/// most one batch.
const BATCH: usize = 25;

/// What a pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    /// Open cases looked at.
    pub examined: usize,
    /// Escalations written (each once per case, clock and level).
    pub escalated: usize,
}

/// An escalation a case reached and does not have yet.
struct Due {
    case: Id,
    target: &'static str,
    level: i64,
    raise_to: Option<String>,
}

fn text(record: &StoredRecord, field: &str) -> Option<String> {
    record
        .data
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn moment(record: &StoredRecord, field: &str) -> Option<DateTime<Utc>> {
    record
        .data
        .get(field)
        .and_then(Value::as_i64)
        .and_then(DateTime::from_timestamp_millis)
}

/// The team's levels: the last changed calendar, its policies.
fn levels(tx: &mut dyn Tx) -> StorageResult<Option<Levels>> {
    let Some(calendar) = tx
        .records_of(EntityKind::Calendar)?
        .into_iter()
        .max_by(|a, b| a.hlc.cmp(&b.hlc).then(a.id.cmp(&b.id)))
    else {
        return Ok(None);
    };
    let Ok(calendar) = service::calendar_from(&|f| text(&calendar, f).unwrap_or_default()) else {
        return Ok(None);
    };
    let mut policies = tx.records_of(EntityKind::SlaPolicy)?;
    policies.sort_by(|a, b| a.hlc.cmp(&b.hlc).then(a.id.cmp(&b.id)));
    Ok(Levels::new(
        calendar,
        policies.iter().filter_map(|p| {
            Some(Policy {
                priority: text(p, "priority")?,
                tier: text(p, "tier"),
                first_response: text(p, "first_response")?,
                resolution: text(p, "resolution")?,
                warn_before: text(p, "warn_before"),
                raise_to: text(p, "raise_to"),
            })
        }),
    ))
}

/// The escalations every open case reached at `now` and does not have.
fn due(tx: &mut dyn Tx, now: DateTime<Utc>) -> StorageResult<(usize, Vec<Due>)> {
    let Some(levels) = levels(tx)? else {
        return Ok((0, Vec::new()));
    };
    let cases: Vec<StoredRecord> = tx
        .records_of(EntityKind::Case)?
        .into_iter()
        .filter(|c| text(c, "status").is_some_and(|s| service::is_open(&s)))
        .collect();
    let answers: HashMap<Id, i64> = tx.case_answers()?.into_iter().collect();
    let mut moves: HashMap<Id, Vec<(DateTime<Utc>, Id, String)>> = HashMap::new();
    let mut reached: HashMap<(Id, String), i64> = HashMap::new();
    for event in tx.records_of(EntityKind::CaseEvent)? {
        let Some(case) = text(&event, "case_id").and_then(|c| c.parse::<Id>().ok()) else {
            continue;
        };
        match text(&event, "kind").as_deref() {
            Some("escalation") => {
                let level = event.data.get("level").and_then(Value::as_i64).unwrap_or(0);
                let target = text(&event, "target").unwrap_or_default();
                let at = reached.entry((case, target)).or_default();
                *at = (*at).max(level);
            }
            _ => {
                if let (Some(at), Some(to)) = (moment(&event, "at"), text(&event, "to_status")) {
                    moves.entry(case).or_default().push((at, event.id, to));
                }
            }
        }
    }
    let mut out = Vec::new();
    for case in &cases {
        let priority = text(case, "priority").unwrap_or_default();
        let tier = if levels.tiered {
            match text(case, "account_id").and_then(|a| a.parse::<Id>().ok()) {
                Some(account) => tx.record(account)?.and_then(|a| text(&a, "tier")),
                None => None,
            }
        } else {
            None
        };
        let Some((targets, raise)) = levels.policy(&priority, tier.as_deref()) else {
            continue;
        };
        let Some(opened_at) = moment(case, "opened_at") else {
            continue;
        };
        // Sorted as a laptop sorts them (by moment, then id).
        let mut case_moves = moves.remove(&case.id).unwrap_or_default();
        case_moves.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let list: Vec<(DateTime<Utc>, String)> =
            case_moves.into_iter().map(|(at, _, to)| (at, to)).collect();
        let facts = CaseFacts {
            opened_at,
            first_response_at: answers
                .get(&case.id)
                .and_then(|ms| DateTime::from_timestamp_millis(*ms)),
            resolved_at: moment(case, "resolved_at"),
            pauses: service::pauses(&list),
        };
        let clock = service::clock(&levels.calendar, targets, &facts, now);
        for (target, level) in clock.escalations() {
            if reached
                .get(&(case.id, target.to_owned()))
                .is_some_and(|l| *l >= level)
            {
                continue;
            }
            out.push(Due {
                case: case.id,
                target,
                level,
                raise_to: raise.clone().filter(|_| level == 2),
            });
        }
    }
    Ok((cases.len(), out))
}

/// Escalate, as of `now_ms`, every open case that reached a level it has
/// not reached before: found in one read, written in short transactions.
pub fn run(db: &impl Backend, now_ms: i64) -> StorageResult<Pass> {
    let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let (examined, due) = db.read(|tx| due(tx, now))?;
    let hlc = Hlc {
        wall_ms: u64::try_from(now_ms.clamp(0, MAX_MOMENT_MS)).unwrap_or(0),
        counter: 0,
        node: "server-escalation".to_owned(),
    };
    let mut escalated = 0;
    for batch in due.chunks(BATCH) {
        escalated += db.write(|tx| {
            let mut written = 0;
            for d in batch {
                let id = service::escalation_id(d.case, d.target, d.level);
                if tx.record(id)?.is_some() {
                    continue; // a laptop or an earlier pass made it
                }
                let Some(case) = tx.record(d.case)? else {
                    continue;
                };
                let status = text(&case, "status").unwrap_or_default();
                if case.deleted || !service::is_open(&status) {
                    continue;
                }
                // On behalf of whoever the case is with.
                let by = case.scope_user.unwrap_or(case.created_by);
                let current = text(&case, "priority").unwrap_or_default();
                let raise = d.raise_to.clone().filter(|r| service::above(r, &current));
                let mut fields: Vec<(&str, Value)> = vec![
                    ("case_id", json!(d.case.to_string())),
                    ("kind", json!("escalation")),
                    ("at", json!(now_ms)),
                    ("target", json!(d.target)),
                    ("level", json!(d.level)),
                ];
                if let Some(to) = &raise {
                    fields.push(("from_priority", json!(current)));
                    fields.push(("to_priority", json!(to)));
                    sync::set_field(tx, d.case, "priority", json!(to), by, &hlc)?;
                }
                if sync::create_record(tx, EntityKind::CaseEvent, id, &fields, by, &hlc)?.is_ok() {
                    written += 1;
                }
            }
            Ok(written)
        })?;
    }
    Ok(Pass {
        examined,
        escalated,
    })
}
