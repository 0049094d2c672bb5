//! `crm case`, `sla`, `escalate`, `kb` and `nps`: service over the store's
//! use cases (`crm_store::service`). Parsing and rules live there; this
//! prints.

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use crm_domain::{EntityKind, Id, Invalid, service::CaseClock};
use crm_store::{CaseLine, CaseQueue, CaseView, NewCase, Store};
use rust_i18n::t;
use serde_json::{Value, json};

use crate::{
    lang, print,
    print::{Out, table, text},
};

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case for a customer
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        contact: Option<String>,
        /// low, normal, high or urgent [default: normal]
        #[arg(long)]
        priority: Option<String>,
        /// phone, email, web, visit, message or other
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// The order it concerns
        #[arg(long)]
        order: Option<String>,
        /// The product it concerns (code or id)
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Who works on it [default: you]
        #[arg(long)]
        owner: Option<String>,
    },
    /// Cases of a queue, breached first, then by time left
    List {
        /// open, breached, at-risk, escalated or all
        #[arg(long, default_value = "open")]
        status: String,
        /// Only yours
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// A case: fields, SLA due times and time left, timeline, articles, CSAT
    Show { id: String },
    /// Move a case: in_progress, waiting, resolved, closed or reopened
    Move {
        id: String,
        #[arg(long)]
        status: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Answer a case: a call, email, visit... in the account's history
    Reply {
        id: String,
        /// call, email, visit, meeting, message or note
        #[arg(long, default_value = "email")]
        kind: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        body: Option<String>,
        /// The customer's message, not our answer
        #[arg(long)]
        inbound: bool,
    },
    /// Resolve a case with a knowledge-base article as its solution
    Solve {
        id: String,
        #[arg(long)]
        article: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// The manager's view: open cases by status and priority; per engineer,
    /// category and month the load, breaches, resolution time and CSAT
    Report,
    /// The customer's satisfaction with a resolved case (1-5)
    Csat {
        id: String,
        #[arg(long)]
        score: String,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SlaCmd {
    /// Set how fast cases of a priority are answered and resolved (managers)
    Policy {
        /// low, normal, high or urgent
        #[arg(long)]
        priority: String,
        /// Working time to the first answer: 4h, 30m, 1d4h
        #[arg(long)]
        first_response: String,
        /// Working time to resolution: 2d
        #[arg(long)]
        resolution: String,
        /// Escalate this long before a due time
        #[arg(long)]
        warn_before: Option<String>,
        /// A breached case's priority becomes this
        #[arg(long)]
        raise_to: Option<String>,
        /// Only for accounts of this tier (standard, key, strategic)
        #[arg(long)]
        tier: Option<String>,
    },
    /// Set the team's business hours (managers)
    Calendar {
        /// IANA time zone, e.g. Asia/Shanghai
        #[arg(long)]
        tz: String,
        /// Working week, e.g. mon-fri
        #[arg(long)]
        days: String,
        /// Daily hours, e.g. 09:00-12:00,13:00-18:00
        #[arg(long)]
        hours: String,
        /// A day off (repeatable), YYYY-MM-DD
        #[arg(long = "holiday", num_args = 1..)]
        holidays: Vec<String>,
        /// A make-up working day, 调休 (repeatable), YYYY-MM-DD
        #[arg(long = "workday", num_args = 1..)]
        workdays: Vec<String>,
    },
    /// The calendar and the policies
    Show,
}

#[derive(Debug, Subcommand)]
pub enum KbCmd {
    /// Write an article (a draft unless --publish)
    Add {
        #[arg(long)]
        title: String,
        /// A Markdown file with the body
        #[arg(long, required_unless_present = "from_case")]
        body_file: Option<PathBuf>,
        /// en, zh or es
        #[arg(long)]
        lang: Option<String>,
        /// Comma separated
        #[arg(long)]
        tags: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        publish: bool,
        /// Written from a resolved case: its description and history
        #[arg(long)]
        from_case: Option<String>,
    },
    /// Search published articles (and your drafts)
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// An article and how many cases it solved
    Show { id: String },
}

fn id_arg(field: &str, raw: &str) -> Result<Id> {
    raw.trim()
        .parse::<Id>()
        .map_err(|p| Invalid::new(field, p).into())
}

fn choice(group: &str, value: &str) -> String {
    if value.is_empty() {
        return "-".to_owned();
    }
    let key = format!("{group}.{value}");
    let said = lang::tr(&key);
    if said == key { value.to_owned() } else { said }
}

/// Working minutes as a person reads them: `3h 20m`, `-45m` past due.
fn minutes(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let m = m.abs();
    match (m / 60, m % 60) {
        (0, m) => format!("{sign}{m}m"),
        (h, 0) => format!("{sign}{h}h"),
        (h, m) => format!("{sign}{h}h {m}m"),
    }
}

fn moment(ms: Option<DateTime<Utc>>) -> String {
    ms.map_or_else(|| "-".to_owned(), print::local)
}

/// A clock's state in a word: met, breached, at risk, or the time left.
fn state(due: &crm_domain::service::Due) -> String {
    match (due.met, due.breached, due.left) {
        (Some(_), true, _) => lang::tr("sla.met_late"),
        (Some(_), false, _) => lang::tr("sla.met"),
        (None, true, Some(left)) => t!("sla.breached_by", time = minutes(-left)).into_owned(),
        (None, _, Some(left)) if due.due.is_none() => {
            t!("sla.paused", time = minutes(left)).into_owned()
        }
        (None, _, Some(left)) if due.at_risk => {
            t!("sla.at_risk", time = minutes(left)).into_owned()
        }
        (None, _, Some(left)) => t!("sla.left", time = minutes(left)).into_owned(),
        (None, _, None) => "-".to_owned(),
    }
}

fn clock_cells(clock: Option<&CaseClock>) -> [String; 2] {
    match clock {
        Some(c) => [state(&c.first_response), state(&c.resolution)],
        None => [lang::tr("sla.none"), String::new()],
    }
}

fn cases_text(lines: &[CaseLine]) {
    if lines.is_empty() {
        println!("{}", t!("none"));
        return;
    }
    let mut t = table(&[
        "col.number",
        "col.subject",
        "col.account",
        "col.priority",
        "col.status",
        "col.first_response",
        "col.resolution",
    ]);
    for line in lines {
        let c = &line.case;
        let [first, resolution] = clock_cells(line.clock.as_ref());
        let mut priority = choice("priority", &text(c, "priority"));
        if line.level > 0 {
            priority.push_str(" ▲");
        }
        t.add_row(vec![
            text(c, "number"),
            text(c, "subject"),
            c.titles.get("account_id").cloned().unwrap_or_default(),
            priority,
            choice("case_status", &text(c, "status")),
            first,
            resolution,
        ]);
    }
    println!("{t}");
}

fn case_text(view: &CaseView) {
    let c = &view.line.case;
    println!(
        "{}",
        t!(
            "case.heading",
            number = text(c, "number"),
            subject = text(c, "subject"),
            status = choice("case_status", &text(c, "status")),
            priority = choice("priority", &text(c, "priority")),
            account = c.titles.get("account_id").cloned().unwrap_or_default()
        )
    );
    let or_dash = |v: String| if v.is_empty() { "-".to_owned() } else { v };
    println!(
        "{}",
        t!(
            "case.details",
            contact = or_dash(c.titles.get("contact_id").cloned().unwrap_or_default()),
            channel = choice("channel", &text(c, "channel")),
            category = or_dash(text(c, "category")),
            owner = or_dash(c.titles.get("owner_id").cloned().unwrap_or_default()),
            opened = moment(
                c.fields
                    .get("opened_at")
                    .and_then(Value::as_i64)
                    .and_then(DateTime::from_timestamp_millis)
            )
        )
    );
    match &view.line.clock {
        Some(clock) => {
            let mut t = table(&["col.target", "col.due", "col.state"]);
            for (key, due) in [
                ("sla.first_response", &clock.first_response),
                ("sla.resolution", &clock.resolution),
            ] {
                t.add_row(vec![lang::tr(key), moment(due.due), state(due)]);
            }
            println!("{t}");
        }
        None => println!("{}", lang::tr("sla.none")),
    }
    if view.line.level > 0 {
        println!("{}", t!("case.escalated", level = view.line.level));
    }
    if let Some(d) = c.fields.get("description").and_then(Value::as_str) {
        println!("{d}");
    }
    if !view.events.is_empty() || !view.timeline.is_empty() {
        let mut rows: Vec<(i64, String)> = Vec::new();
        for e in &view.events {
            let at = e.fields.get("at").and_then(Value::as_i64).unwrap_or(0);
            let said = if text(e, "kind") == "escalation" {
                t!(
                    "case.event_escalation",
                    target = lang::tr(&format!("sla.{}", text(e, "target"))),
                    level = text(e, "level")
                )
                .into_owned()
            } else {
                t!(
                    "case.event_move",
                    from = choice("case_status", &text(e, "from_status")),
                    to = choice("case_status", &text(e, "to_status"))
                )
                .into_owned()
            };
            let note = text(e, "note");
            rows.push((
                at,
                if note.is_empty() {
                    said
                } else {
                    format!("{said}: {note}")
                },
            ));
        }
        for i in &view.timeline {
            let at = i
                .fields
                .get("occurred_at")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            rows.push((
                at,
                format!(
                    "{} · {}",
                    choice("kind", &text(i, "kind")),
                    text(i, "subject")
                ),
            ));
        }
        rows.sort_by_key(|(at, _)| *at);
        let mut t = table(&["col.when", "col.what"]);
        for (at, what) in rows {
            t.add_row(vec![moment(DateTime::from_timestamp_millis(at)), what]);
        }
        println!("{t}");
    }
    if let Some(a) = &view.solution {
        println!(
            "{}",
            t!("case.solution", title = text(a, "title"), id = a.id)
        );
    } else if !view.suggested.is_empty() {
        println!("{}", lang::tr("case.suggested"));
        for hit in &view.suggested {
            println!("  {}  {}", hit.id, hit.title);
        }
    }
    for s in &view.surveys {
        println!(
            "{}",
            t!(
                "case.csat",
                score = text(s, "score"),
                comment = text(s, "comment")
            )
        );
    }
}

fn report_text(view: &crm_store::ServiceView) {
    let counts = |map: &std::collections::BTreeMap<String, i64>, group: &str| {
        map.iter()
            .map(|(k, n)| format!("{} {n}", choice(group, k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "{}",
        t!(
            "case.report_open",
            statuses = counts(&view.by_status, "case_status"),
            priorities = counts(&view.by_priority, "priority"),
            breached = view.breached,
            at_risk = view.at_risk
        )
    );
    for (title, rows) in [
        ("case.report_engineers", &view.engineers),
        ("case.report_categories", &view.categories),
        ("case.report_months", &view.months),
    ] {
        println!("{}", lang::tr(title));
        let mut t = table(&[
            "col.who",
            "col.open",
            "col.breached",
            "col.resolved",
            "col.resolution",
            "col.csat",
        ]);
        for r in rows {
            let who = r.name.clone().unwrap_or_else(|| {
                if r.key.is_empty() {
                    "-".to_owned()
                } else {
                    r.key.clone()
                }
            });
            t.add_row(vec![
                who,
                r.open.to_string(),
                r.breached.to_string(),
                r.resolved.to_string(),
                r.median_resolution_minutes
                    .map_or_else(|| "-".to_owned(), minutes),
                r.csat.map_or_else(
                    || "-".to_owned(),
                    |c| format!("{c:.1} ({})", r.csat_answers),
                ),
            ]);
        }
        println!("{t}");
    }
}

fn given(pairs: Vec<(&str, Option<String>)>) -> std::collections::BTreeMap<String, String> {
    pairs
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
        .collect()
}

pub fn case(store: &mut Store, cmd: CaseCmd, out: Out) -> Result<()> {
    match cmd {
        CaseCmd::Add {
            account,
            subject,
            contact,
            priority,
            channel,
            description,
            order,
            product,
            category,
            owner,
        } => {
            let product_id = match product {
                Some(p) => Some(store.product_by(&p)?.id),
                None => None,
            };
            let new = NewCase {
                account_id: id_arg("account", &account)?,
                subject,
                contact_id: contact.map(|c| id_arg("contact", &c)).transpose()?,
                priority,
                channel,
                description,
                order_id: order.map(|o| id_arg("order", &o)).transpose()?,
                product_id,
                category,
                owner_id: owner.map(|o| id_arg("owner", &o)).transpose()?,
            };
            let id = store.case_add(new)?;
            let view = store.case_view(id)?;
            out.show(&view, || {
                println!(
                    "{}",
                    t!(
                        "created",
                        what = lang::entity(EntityKind::Case),
                        name = text(&view.line.case, "number"),
                        id = id
                    )
                );
                case_text(&view);
            })
        }
        CaseCmd::List {
            status,
            mine,
            priority,
            limit,
        } => {
            let queue: CaseQueue = status.parse().map_err(|p| Invalid::new("status", p))?;
            let lines = store.cases(queue, mine, priority.as_deref(), limit)?;
            out.show(&lines, || cases_text(&lines))
        }
        CaseCmd::Show { id } => {
            let view = store.case_view(id_arg("case", &id)?)?;
            out.show(&view, || case_text(&view))
        }
        CaseCmd::Move { id, status, note } => {
            let id = id_arg("case", &id)?;
            store.case_move(id, &status, note.as_deref())?;
            let view = store.case_view(id)?;
            out.show(&view, || {
                println!(
                    "{}",
                    t!(
                        "case.moved",
                        number = text(&view.line.case, "number"),
                        status = choice("case_status", &text(&view.line.case, "status"))
                    )
                );
            })
        }
        CaseCmd::Reply {
            id,
            kind,
            subject,
            body,
            inbound,
        } => {
            let id = id_arg("case", &id)?;
            let entry = store.case_reply(id, &kind, &subject, body.as_deref(), inbound)?;
            let view = store.case_view(id)?;
            out.show(&json!({ "id": entry, "case": view }), || case_text(&view))
        }
        CaseCmd::Solve { id, article, note } => {
            let id = id_arg("case", &id)?;
            store.case_solve(id, id_arg("article", &article)?, note.as_deref())?;
            let view = store.case_view(id)?;
            out.show(&view, || case_text(&view))
        }
        CaseCmd::Report => {
            let view = store.service_view()?;
            out.show(&view, || report_text(&view))
        }
        CaseCmd::Csat { id, score, comment } => {
            let case = id_arg("case", &id)?;
            let sid = store.survey_add(
                "csat",
                Some(case),
                None,
                &score,
                comment.as_deref(),
                "staff",
            )?;
            out.show(&json!({ "id": sid }), || {
                println!("{}", t!("case.csat_saved", score = score.trim()));
            })
        }
    }
}

pub fn nps(
    store: &mut Store,
    account: &str,
    score: &str,
    comment: Option<&str>,
    out: Out,
) -> Result<()> {
    let account = id_arg("account", account)?;
    let id = store.survey_add("nps", None, Some(account), score, comment, "staff")?;
    out.show(&json!({ "id": id }), || {
        println!("{}", t!("case.nps_saved", score = score.trim()));
    })
}

pub fn sla(store: &mut Store, cmd: SlaCmd, out: Out) -> Result<()> {
    match cmd {
        SlaCmd::Policy {
            priority,
            first_response,
            resolution,
            warn_before,
            raise_to,
            tier,
        } => {
            let typed = store.typed(
                EntityKind::SlaPolicy,
                &given(vec![
                    ("priority", Some(priority)),
                    ("first_response", Some(first_response)),
                    ("resolution", Some(resolution)),
                    ("warn_before", warn_before),
                    ("raise_to", raise_to),
                    ("tier", tier),
                ]),
                None,
            )?;
            let id = store.sla_policy_set(&typed)?;
            let row = store.record(EntityKind::SlaPolicy, id)?;
            out.show(&row, || print::record(&row))
        }
        SlaCmd::Calendar {
            tz,
            days,
            hours,
            holidays,
            workdays,
        } => {
            let list = |v: Vec<String>| (!v.is_empty()).then(|| v.join(","));
            let typed = store.typed(
                EntityKind::Calendar,
                &given(vec![
                    ("tz", Some(tz)),
                    ("days", Some(days)),
                    ("hours", Some(hours)),
                    ("holidays", list(holidays)),
                    ("workdays", list(workdays)),
                ]),
                None,
            )?;
            let id = store.calendar_set(&typed)?;
            let row = store.record(EntityKind::Calendar, id)?;
            out.show(&row, || print::record(&row))
        }
        SlaCmd::Show => {
            let calendar = store.calendar()?;
            let policies =
                store.records(EntityKind::SlaPolicy, &crm_store::RecordQuery::default())?;
            out.show(
                &json!({ "calendar": calendar, "policies": policies }),
                || {
                    match &calendar {
                        Some(c) => print::record(c),
                        None => println!("{}", lang::tr("sla.no_calendar")),
                    }
                    print::records(EntityKind::SlaPolicy, &policies);
                },
            )
        }
    }
}

pub fn escalate(store: &mut Store, now: Option<&str>, out: Out) -> Result<()> {
    let now = match now {
        Some(raw) => crm_domain::value::local_date_time(raw).map_err(|p| Invalid::new("now", p))?,
        None => store.now(),
    };
    let pass = store.escalate(now)?;
    out.show(&pass, || {
        for e in &pass.escalated {
            println!(
                "{}",
                t!(
                    "case.escalation_line",
                    number = e.number,
                    target = lang::tr(&format!("sla.{}", e.target)),
                    level = e.level
                )
            );
            if let Some(p) = &e.raised_to {
                println!("  {}", t!("case.raised", priority = choice("priority", p)));
            }
        }
        println!(
            "{}",
            t!(
                "case.escalation_done",
                examined = pass.examined,
                escalated = pass.escalated.len()
            )
        );
    })
}

pub fn kb(store: &mut Store, cmd: KbCmd, out: Out) -> Result<()> {
    match cmd {
        KbCmd::Add {
            title,
            body_file,
            lang: language,
            tags,
            category,
            publish,
            from_case,
        } => {
            let case = from_case.map(|c| id_arg("case", &c)).transpose()?;
            let body = match (&body_file, case) {
                (Some(file), _) => std::fs::read_to_string(file).map_err(|e| {
                    anyhow::anyhow!(t!("file_unreadable", file = file.display(), reason = e))
                })?,
                (None, Some(case)) => store.case_story(case)?,
                (None, None) => String::new(),
            };
            let mut typed = store.typed(
                EntityKind::Article,
                &given(vec![
                    ("title", Some(title.clone())),
                    ("body", Some(body)),
                    ("language", language),
                    ("tags", tags),
                    ("category", category),
                    (
                        "status",
                        Some(if publish { "published" } else { "draft" }.to_owned()),
                    ),
                ]),
                None,
            )?;
            if let Some(case) = case {
                typed.push(("case_id", json!(case.to_string())));
            }
            typed.push(("author_id", json!(store.user_id().to_string())));
            let id = store.add(EntityKind::Article, &typed)?;
            out.show(&json!({ "id": id, "entity": EntityKind::Article }), || {
                println!(
                    "{}",
                    t!(
                        "created",
                        what = lang::entity(EntityKind::Article),
                        name = title,
                        id = id
                    )
                );
            })
        }
        KbCmd::Search { query, limit } => {
            let hits = store.kb_search(&query, limit)?;
            out.show(&hits, || {
                if hits.is_empty() {
                    println!("{}", t!("none"));
                }
                for hit in &hits {
                    println!("{}  {}", hit.id, hit.title);
                }
            })
        }
        KbCmd::Show { id } => {
            let id = id_arg("article", &id)?;
            let row = store.record(EntityKind::Article, id)?;
            let uses = store.article_uses(id)?;
            out.show(&json!({ "article": row, "uses": uses }), || {
                println!("# {}", text(&row, "title"));
                println!(
                    "{}",
                    t!(
                        "kb.meta",
                        status = choice("article_status", &text(&row, "status")),
                        uses = uses
                    )
                );
                println!();
                println!("{}", text(&row, "body"));
            })
        }
    }
}
