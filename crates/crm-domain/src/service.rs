//! Service cases: the flow of a case's status, its SLA clock and when it
//! escalates, as pure functions of synced facts (the case, its status moves,
//! the policy, the team's calendar), so every laptop and the server compute
//! the same answer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    error::Invalid,
    id::Id,
    schema::CASE_PRIORITIES,
    sla::{Calendar, Pause},
};

/// The statuses of a case still being worked on.
pub const OPEN_STATUSES: &[&str] = &["new", "in_progress", "waiting"];

/// The status that stops the SLA clock (waiting on the customer).
pub const WAITING: &str = "waiting";

/// What a person may ask a case to become: its statuses, and `reopened`
/// (back to work after it was resolved or closed).
pub const MOVES: &[&str] = &["in_progress", "waiting", "resolved", "closed", "reopened"];

/// Whether a case in `status` is still being worked on.
pub fn is_open(status: &str) -> bool {
    OPEN_STATUSES.contains(&status)
}

/// The status a case in `from` takes when asked to move to `to`, or `None`
/// when the flow does not allow it: new -> in progress -> waiting on the
/// customer -> resolved -> closed, any open status straight to resolved or
/// closed, and a resolved or closed case only by reopening it (it goes back
/// to in progress). Asking for the status it has is not a move.
pub fn move_to(from: &str, to: &str) -> Option<&'static str> {
    let next = match (from, to) {
        ("new" | "waiting", "in_progress") => "in_progress",
        ("new" | "in_progress", "waiting") => "waiting",
        ("new" | "in_progress" | "waiting", "resolved") => "resolved",
        ("new" | "in_progress" | "waiting" | "resolved", "closed") => "closed",
        ("resolved" | "closed", "reopened") => "in_progress",
        _ => return None,
    };
    Some(next)
}

/// The priority one step above `priority` (`urgent` stays).
pub fn raised(priority: &str) -> &'static str {
    let at = CASE_PRIORITIES
        .iter()
        .position(|p| *p == priority)
        .unwrap_or(1);
    CASE_PRIORITIES[(at + 1).min(CASE_PRIORITIES.len() - 1)]
}

/// Whether `a` is a higher priority than `b`.
pub fn above(a: &str, b: &str) -> bool {
    let rank = |p: &str| CASE_PRIORITIES.iter().position(|x| *x == p);
    rank(a) > rank(b)
}

/// The times a case waited on the customer, from its status moves (each
/// `(moment, status it moved to)`, in any order): from a move to `waiting`
/// to the next move elsewhere; the last pause has no end while it waits.
/// Moves at the same moment are taken in the order given after sorting by
/// time, so pass them sorted by (moment, id) for every peer to agree.
pub fn pauses(moves: &[(DateTime<Utc>, String)]) -> Vec<Pause> {
    let mut sorted: Vec<&(DateTime<Utc>, String)> = moves.iter().collect();
    sorted.sort_by_key(|(at, _)| *at);
    let mut out = Vec::new();
    let mut since: Option<DateTime<Utc>> = None;
    for (at, to) in sorted {
        match (since, to.as_str() == WAITING) {
            (None, true) => since = Some(*at),
            (Some(start), false) => {
                out.push((start, Some(*at)));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        out.push((start, None));
    }
    out
}

/// A service-level policy as stored (its lengths as typed: `4h`, `2d`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The priority it is for.
    pub priority: String,
    /// The accounts' tier it is for (none: every tier).
    pub tier: Option<String>,
    /// First response within.
    pub first_response: String,
    /// Resolution within.
    pub resolution: String,
    /// Escalate this long before a due time.
    pub warn_before: Option<String>,
    /// A breached case's priority becomes this.
    pub raise_to: Option<String>,
}

/// The team's service levels: its calendar and policies in working
/// minutes, as every laptop and the server read them.
#[derive(Debug, Clone)]
pub struct Levels {
    /// The business calendar.
    pub calendar: Calendar,
    /// Some policy is for a tier of accounts.
    pub tiered: bool,
    /// (priority, tier or "") -> targets and the priority a breach raises to.
    policies: HashMap<(String, String), (Targets, Option<String>)>,
}

impl Levels {
    /// The levels of `calendar` and `policies` (the last one given for a
    /// priority and tier counts: pass them oldest change first); `None`
    /// without a policy. A policy whose lengths do not parse is skipped.
    pub fn new(calendar: Calendar, policies: impl IntoIterator<Item = Policy>) -> Option<Levels> {
        let mut map = HashMap::new();
        for p in policies {
            let (Ok(first), Ok(resolution)) = (
                calendar.parse_duration(&p.first_response),
                calendar.parse_duration(&p.resolution),
            ) else {
                continue;
            };
            let warn_before = p.warn_before.and_then(|w| calendar.parse_duration(&w).ok());
            map.insert(
                (p.priority, p.tier.unwrap_or_default()),
                (
                    Targets {
                        first_response: first,
                        resolution,
                        warn_before,
                    },
                    p.raise_to,
                ),
            );
        }
        if map.is_empty() {
            return None;
        }
        let tiered = map.keys().any(|(_, tier)| !tier.is_empty());
        Some(Levels {
            calendar,
            tiered,
            policies: map,
        })
    }

    /// The policy of a case of `priority` on an account of `tier`: the
    /// tier's own, else the priority's for every tier.
    pub fn policy(&self, priority: &str, tier: Option<&str>) -> Option<&(Targets, Option<String>)> {
        tier.and_then(|t| self.policies.get(&(priority.to_owned(), t.to_owned())))
            .or_else(|| self.policies.get(&(priority.to_owned(), String::new())))
    }
}

/// Dates typed as a list (`2027-01-01, 2027-02-10`); the refusal names
/// `field`.
fn dates(field: &str, raw: &str) -> Result<Vec<chrono::NaiveDate>, Invalid> {
    raw.split([',', ';', '，', '；', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|d| crate::value::date(d).map_err(|p| Invalid::new(field, p)))
        .collect()
}

/// A calendar record (its fields by name: `tz`, `days`, `hours`,
/// `holidays`, `workdays`) as the SLA clock reads it; the refusal names the
/// field.
pub fn calendar_from(fields: &dyn Fn(&str) -> String) -> Result<Calendar, Invalid> {
    let holidays = dates("holidays", &fields("holidays"))?;
    let workdays = dates("workdays", &fields("workdays"))?;
    Calendar::parse(
        &fields("tz"),
        &fields("days"),
        &fields("hours"),
        holidays,
        workdays,
    )
}

/// A policy's lengths in working minutes under the team's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// First response within.
    pub first_response: i64,
    /// Resolution within.
    pub resolution: i64,
    /// Escalate this long before a due time (none: only once past it).
    pub warn_before: Option<i64>,
}

/// What a case's clock says about one target at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Due {
    /// When it falls due (none while the customer is awaited before the
    /// time is used up: it is not known yet).
    #[ts(type = "number | null")]
    #[serde(with = "millis")]
    pub due: Option<DateTime<Utc>>,
    /// When it was met (first answered, resolved).
    #[ts(type = "number | null")]
    #[serde(with = "millis")]
    pub met: Option<DateTime<Utc>>,
    /// Working minutes left (negative: past due); none once met.
    #[ts(type = "number | null")]
    pub left: Option<i64>,
    /// Past its due time, met late or not met.
    pub breached: bool,
    /// Not met, not breached, within the policy's warning window.
    pub at_risk: bool,
}

/// Both clocks of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CaseClock {
    /// The first answer to the customer.
    pub first_response: Due,
    /// Its resolution.
    pub resolution: Due,
}

impl CaseClock {
    /// Either clock breached.
    pub fn breached(&self) -> bool {
        self.first_response.breached || self.resolution.breached
    }

    /// Either clock at risk, none breached.
    pub fn at_risk(&self) -> bool {
        !self.breached() && (self.first_response.at_risk || self.resolution.at_risk)
    }

    /// The escalations a case has reached at `now`: for each clock not yet
    /// met, level 2 once past its due time, else level 1 within the warning
    /// window. Each is written once per case, clock and level.
    pub fn escalations(&self) -> Vec<(&'static str, i64)> {
        [
            ("first_response", &self.first_response),
            ("resolution", &self.resolution),
        ]
        .into_iter()
        .filter(|(_, d)| d.met.is_none())
        .filter_map(|(target, d)| {
            if d.breached {
                Some((target, 2))
            } else if d.at_risk {
                Some((target, 1))
            } else {
                None
            }
        })
        .collect()
    }
}

/// The facts a case's clock is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// When it was opened (the clock starts).
    pub opened_at: DateTime<Utc>,
    /// Its first answer to the customer, if any.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was resolved, if it is.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it waited on the customer.
    pub pauses: Vec<Pause>,
}

/// A case's clocks at `now` under `targets` and `calendar`.
pub fn clock(
    calendar: &Calendar,
    targets: &Targets,
    facts: &CaseFacts,
    now: DateTime<Utc>,
) -> CaseClock {
    let one = |minutes: i64, met: Option<DateTime<Utc>>| {
        let due = calendar.add(facts.opened_at, minutes, &facts.pauses);
        let (left, breached) = match (met, due) {
            (Some(m), Some(d)) => (None, m > d),
            (Some(_), None) => (None, false),
            (None, Some(d)) => (Some(calendar.elapsed(now, d, &facts.pauses)), now >= d),
            // Waiting on the customer with time still left: what is left.
            (None, None) => (
                Some(minutes - calendar.elapsed(facts.opened_at, now, &facts.pauses)),
                false,
            ),
        };
        let at_risk = !breached
            && met.is_none()
            && matches!((left, targets.warn_before), (Some(l), Some(w)) if l <= w);
        Due {
            due,
            met,
            left,
            breached,
            at_risk,
        }
    };
    CaseClock {
        first_response: one(targets.first_response, facts.first_response_at),
        resolution: one(targets.resolution, facts.resolved_at),
    }
}

/// The id of a case's escalation for a clock and level: the same on every
/// laptop and the server, so two of them escalating one case offline write
/// one record, which sync merges instead of doubling.
pub fn escalation_id(case: Id, target: &str, level: i64) -> Id {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_5a52_7e0b_4c3e_9d8a_2b4f_61a0_c5e3);
    Id(Uuid::new_v5(
        &NAMESPACE,
        format!("{case}/escalation/{target}/{level}").as_bytes(),
    ))
}

mod millis {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_i64(at.timestamp_millis()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        // Shanghai is UTC+8: these are local times on 2027-03-d.
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2027, 3, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn shanghai() -> Calendar {
        Calendar::parse("Asia/Shanghai", "mon-fri", "09:00-18:00", [], []).unwrap()
    }

    #[test]
    fn the_flow_allows_its_moves_and_reopening_only() {
        assert_eq!(move_to("new", "in_progress"), Some("in_progress"));
        assert_eq!(move_to("in_progress", "waiting"), Some("waiting"));
        assert_eq!(move_to("waiting", "in_progress"), Some("in_progress"));
        assert_eq!(move_to("waiting", "resolved"), Some("resolved"));
        assert_eq!(move_to("resolved", "closed"), Some("closed"));
        assert_eq!(move_to("closed", "reopened"), Some("in_progress"));
        assert_eq!(move_to("resolved", "reopened"), Some("in_progress"));
        assert_eq!(move_to("closed", "in_progress"), None, "reopen first");
        assert_eq!(move_to("closed", "resolved"), None);
        assert_eq!(
            move_to("new", "reopened"),
            None,
            "an open case is not reopened"
        );
        assert_eq!(move_to("waiting", "waiting"), None, "no move");
        assert_eq!(move_to("new", "new"), None);
    }

    #[test]
    fn priorities_rise_one_step_and_stop_at_urgent() {
        assert_eq!(raised("low"), "normal");
        assert_eq!(raised("high"), "urgent");
        assert_eq!(raised("urgent"), "urgent");
        assert!(above("urgent", "high"));
        assert!(!above("normal", "normal"));
    }

    #[test]
    fn waiting_on_the_customer_pauses_until_the_next_move() {
        let moves = vec![
            (at(2, 11, 0), "in_progress".to_owned()),
            (at(1, 10, 0), "waiting".to_owned()),
            (at(3, 9, 0), "waiting".to_owned()),
        ];
        assert_eq!(
            pauses(&moves),
            vec![(at(1, 10, 0), Some(at(2, 11, 0))), (at(3, 9, 0), None)]
        );
    }

    #[test]
    fn a_case_falls_due_in_working_time_and_breaches_once_past() {
        // Monday 2027-03-01 16:00; 4h to answer, 2d to resolve, warn 1h before.
        let targets = Targets {
            first_response: 240,
            resolution: 2 * 540,
            warn_before: Some(60),
        };
        let facts = CaseFacts {
            opened_at: at(1, 16, 0),
            first_response_at: None,
            resolved_at: None,
            pauses: vec![],
        };
        let cal = shanghai();
        let c = clock(&cal, &targets, &facts, at(2, 9, 30));
        assert_eq!(
            c.first_response.due,
            Some(at(2, 11, 0)),
            "2h Monday, 2h Tuesday"
        );
        assert_eq!(c.resolution.due, Some(at(3, 16, 0)));
        assert_eq!(c.first_response.left, Some(90));
        assert!(!c.breached() && !c.at_risk());
        assert!(c.escalations().is_empty());

        let c = clock(&cal, &targets, &facts, at(2, 10, 15));
        assert!(c.first_response.at_risk, "45 minutes left, warned at 60");
        assert_eq!(c.escalations(), vec![("first_response", 1)]);

        let c = clock(&cal, &targets, &facts, at(2, 11, 0));
        assert!(
            c.first_response.breached,
            "due at 11:00 means late at 11:00"
        );
        assert_eq!(c.first_response.left, Some(0));
        assert_eq!(c.escalations(), vec![("first_response", 2)]);

        let answered = CaseFacts {
            first_response_at: Some(at(2, 10, 59)),
            ..facts.clone()
        };
        let c = clock(&cal, &targets, &answered, at(3, 15, 30));
        assert!(!c.first_response.breached && c.first_response.left.is_none());
        assert!(c.resolution.at_risk);
        assert_eq!(c.escalations(), vec![("resolution", 1)]);
    }

    #[test]
    fn the_clock_stops_while_the_customer_is_awaited() {
        let targets = Targets {
            first_response: 60,
            resolution: 540,
            warn_before: None,
        };
        let facts = CaseFacts {
            opened_at: at(1, 9, 0),
            first_response_at: Some(at(1, 9, 30)),
            resolved_at: None,
            // Waited Monday 10:00 to Tuesday 10:00: one working day paused.
            pauses: vec![(at(1, 10, 0), Some(at(2, 10, 0)))],
        };
        let c = clock(&shanghai(), &targets, &facts, at(2, 12, 0));
        assert_eq!(c.resolution.due, Some(at(2, 18, 0)));
        let waiting = CaseFacts {
            pauses: vec![(at(1, 10, 0), None)],
            ..facts
        };
        let c = clock(&shanghai(), &targets, &waiting, at(5, 12, 0));
        assert_eq!(c.resolution.due, None, "not known while still waiting");
        assert_eq!(c.resolution.left, Some(480), "one hour was used");
        assert!(!c.breached());
    }

    #[test]
    fn an_escalation_has_one_id_for_the_whole_team() {
        let case = Id::new();
        assert_eq!(
            escalation_id(case, "resolution", 2),
            escalation_id(case, "resolution", 2)
        );
        assert_ne!(
            escalation_id(case, "resolution", 2),
            escalation_id(case, "resolution", 1)
        );
        assert_ne!(
            escalation_id(case, "resolution", 2),
            escalation_id(Id::new(), "resolution", 2)
        );
    }
}
