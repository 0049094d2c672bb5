//! Output for people (tables in local time) or for programs (`--json`).

use anyhow::Result;
use chrono::{DateTime, Local, NaiveDate, Utc};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use crm_domain::{
    Account, Contact, FieldHistory, Interaction, Lead, Op, Opportunity, User, entity::Stage,
};
use crm_domain::{EntityKind, schema::Description};
use crm_store::{AccountView, RecordPage, RecordRow, SearchGroup};
use rust_i18n::t;
use serde::Serialize;

use crate::lang;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// One JSON document instead of text.
    pub json: bool,
}

impl Out {
    /// Print `value` as JSON, or run `text` to print it for a person.
    pub fn show<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce()) -> Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            text();
        }
        Ok(())
    }
}

pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A table with translated headers, fitted to the terminal.
pub fn table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(|h| lang::tr(h)));
    table
}

/// A field's value as text (a number as its digits, nothing as empty).
pub fn text(row: &RecordRow, field: &str) -> String {
    match row.fields.get(field) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".to_owned())
}

fn empty(items: usize) -> bool {
    if items == 0 {
        println!("{}", t!("none"));
    }
    items == 0
}

pub fn accounts(accounts: &[Account]) {
    if empty(accounts.len()) {
        return;
    }
    let mut t = table(&[
        "col.name",
        "col.industry",
        "col.region",
        "col.lifecycle",
        "col.owner",
        "col.id",
    ]);
    for a in accounts {
        t.add_row(vec![
            a.name.clone(),
            or_dash(&a.industry),
            or_dash(&a.region),
            lang_lifecycle(&a.lifecycle),
            or_dash(&a.owner_name),
            a.id.to_string(),
        ]);
    }
    println!("{t}");
}

fn lang_lifecycle(l: &str) -> String {
    let key = format!("lifecycle.{l}");
    let text = lang::tr(&key);
    if text == key { l.to_owned() } else { text }
}

pub fn contacts(contacts: &[Contact]) {
    if empty(contacts.len()) {
        return;
    }
    let mut t = table(&["col.name", "col.title", "col.email", "col.phone", "col.id"]);
    for c in contacts {
        t.add_row(vec![
            c.name.clone(),
            or_dash(&c.title),
            c.emails.join(", "),
            c.phones.join(", "),
            c.id.to_string(),
        ]);
    }
    println!("{t}");
}

pub fn timeline(entries: &[Interaction]) {
    if empty(entries.len()) {
        return;
    }
    for e in entries {
        let who = e.author_name.clone().unwrap_or_else(|| "?".to_owned());
        let with = e
            .contact_name
            .as_ref()
            .map(|c| format!(" · {c}"))
            .unwrap_or_default();
        println!(
            "{}  {:<6} {}  ({who}{with})",
            local(e.occurred_at),
            lang::interaction_kind(&e.kind),
            e.subject
        );
        if let Some(body) = &e.body {
            println!("    {body}");
        }
        if let Some(outcome) = &e.outcome {
            println!("    → {outcome}");
        }
        println!("    {}", e.id);
    }
}

pub fn account_view(v: &AccountView) {
    let a = &v.account;
    println!("{}  ({})", a.name, a.id);
    let rows = [
        ("col.industry", a.industry.clone()),
        ("col.region", a.region.clone()),
        ("col.lifecycle", Some(lang_lifecycle(&a.lifecycle))),
        ("col.phone", a.phone.clone()),
        ("col.email", a.email.clone()),
        ("col.website", a.website.clone()),
        ("col.address", a.address.clone()),
        ("col.tags", (!a.tags.is_empty()).then(|| a.tags.join(", "))),
        ("col.owner", a.owner_name.clone()),
        ("col.notes", a.notes.clone()),
    ];
    for (label, value) in rows {
        if let Some(value) = value {
            println!("  {}: {value}", lang::tr(label));
        }
    }
    let k = &v.key_numbers;
    let sums = |m: &[crm_domain::Money]| {
        if m.is_empty() {
            "-".to_owned()
        } else {
            m.iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        }
    };
    let next = k.next_step.as_ref().map_or("-".to_owned(), |task| {
        let text = |f: &str| task.fields.get(f).and_then(|v| v.as_str());
        let when = task
            .fields
            .get("starts_at")
            .and_then(|v| v.as_i64())
            .and_then(DateTime::from_timestamp_millis)
            .map(local)
            .or_else(|| text("due_date").map(str::to_owned));
        match when {
            Some(when) => format!("{} ({when})", text("title").unwrap_or_default()),
            None => text("title").unwrap_or_default().to_owned(),
        }
    });
    println!("\n{}", t!("section.key_numbers"));
    for (label, value) in [
        ("key.open_pipeline", sums(&k.open_pipeline)),
        ("key.won", sums(&k.won)),
        (
            "key.last_contact",
            k.last_contact.map_or("-".to_owned(), local),
        ),
        ("key.next_step", next),
    ] {
        println!("  {}: {value}", lang::tr(label));
    }
    println!("\n{}", t!("section.contacts"));
    contacts(&v.contacts);
    println!("\n{}", t!("section.deals"));
    deals(&v.open_opportunities);
    println!("\n{}", t!("section.tasks"));
    tasks(&v.open_tasks, Local::now().date_naive());
    println!("\n{}", t!("section.timeline"));
    timeline(&v.timeline.entries);
}

pub fn leads(leads: &[Lead]) {
    if empty(leads.len()) {
        return;
    }
    let mut t = table(&[
        "col.name",
        "col.company",
        "col.source",
        "col.status",
        "col.score",
        "col.id",
    ]);
    for l in leads {
        t.add_row(vec![
            l.name.clone(),
            or_dash(&l.company),
            or_dash(&l.source),
            lang::tr(&format!("lead_status.{}", l.status)),
            l.score.map_or("-".to_owned(), |s| s.to_string()),
            l.id.to_string(),
        ]);
    }
    println!("{t}");
}

pub fn deals(deals: &[Opportunity]) {
    if empty(deals.len()) {
        return;
    }
    let mut t = table(&[
        "col.deal",
        "col.account",
        "col.stage",
        "col.amount",
        "col.probability",
        "col.close",
        "col.id",
    ]);
    for d in deals {
        t.add_row(vec![
            d.name.clone(),
            or_dash(&d.account_name),
            lang::stage(&d.stage),
            d.amount.to_string(),
            d.probability.map_or("-".to_owned(), |p| format!("{p}%")),
            d.close_date.map_or("-".to_owned(), |c| c.to_string()),
            d.id.to_string(),
        ]);
    }
    println!("{t}");
}

pub fn pipeline(stages: &[Stage]) {
    let mut t = table(&["col.position", "col.stage", "col.key", "col.probability"]);
    for s in stages {
        t.add_row(vec![
            s.position.to_string(),
            lang::stage(&s.key),
            s.key.clone(),
            format!("{}%", s.probability),
        ]);
    }
    println!("{t}");
}

/// Tasks, records of the generic path: their title, due date and account.
pub fn tasks(tasks: &[RecordRow], today: NaiveDate) {
    if empty(tasks.len()) {
        return;
    }
    let mut t = table(&["col.due", "col.title", "col.account", "col.id"]);
    for task in tasks {
        let text = |field: &str| task.fields.get(field).and_then(|v| v.as_str());
        let due = match text("due_date").and_then(|d| d.parse::<NaiveDate>().ok()) {
            Some(d) if d < today => t!("task.overdue", date = d).into_owned(),
            Some(d) => d.to_string(),
            None => "-".to_owned(),
        };
        t.add_row(vec![
            due,
            text("title").unwrap_or_default().to_owned(),
            task.titles.get("account_id").cloned().unwrap_or_default(),
            task.id.to_string(),
        ]);
    }
    println!("{t}");
}

pub fn search(query: &str, groups: &[SearchGroup]) {
    if groups.is_empty() {
        println!("{}", t!("search.nothing", query = query));
        return;
    }
    for g in groups {
        println!("{} ({})", lang::entity(g.entity), g.hits.len());
        for h in &g.hits {
            let when = h
                .occurred_at
                .map(|t| format!("{}  ", local(t)))
                .unwrap_or_default();
            let detail = h
                .detail
                .as_ref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            println!("  {when}{}{detail}", h.title);
            println!("    {}", h.id);
        }
    }
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "∅".to_owned(),
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

pub fn history(entries: &[FieldHistory]) {
    if empty(entries.len()) {
        return;
    }
    for h in entries {
        let who = h.changed_by_name.clone().unwrap_or_else(|| "?".to_owned());
        let what = match h.op.as_str() {
            "update" | "sync" => format!("{}: {} → {}", h.field, short(&h.old), short(&h.new)),
            op => lang::tr(&format!("op.{op}")),
        };
        println!("{}  {who:<16} {what}", local(h.changed_at));
    }
}

pub fn outbox(total: i64, ops: &[Op]) {
    println!("{}", t!("outbox.pending", count = total));
    for op in ops {
        let fields: Vec<&str> = op.fields.keys().map(String::as_str).collect();
        println!(
            "  #{:<6} {:<8} {:<12} {}  {}",
            op.device_seq,
            op.kind.as_str(),
            op.entity.name(),
            op.record_id,
            fields.join(", ")
        );
    }
}

pub fn users(users: &[User]) {
    let mut t = table(&["col.name", "col.email", "col.role", "col.team", "col.id"]);
    for u in users {
        t.add_row(vec![
            u.name.clone(),
            or_dash(&u.email),
            u.role.clone(),
            or_dash(&u.team),
            u.id.to_string(),
        ]);
    }
    println!("{t}");
}

/// A canonical value for a person: text as it is, lists joined, none as "-".
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        }
        serde_json::Value::Bool(b) => lang::tr(if *b { "answer_yes" } else { "answer_no" }),
        other => other.to_string(),
    }
}

pub fn description(d: &Description) {
    let mut t = table(&["col.field", "col.type", "col.required", "col.values"]);
    for f in &d.fields {
        let label = field_label(f.name);
        let values = f
            .choices
            .map(|c| c.join(", "))
            .or_else(|| {
                f.refers_to
                    .map(|k| lang::entity(k.parse().unwrap_or(EntityKind::Account)))
            })
            .or_else(|| f.min.zip(f.max).map(|(a, b)| format!("{a}..{b}")))
            .unwrap_or_default();
        t.add_row(vec![
            format!("{label} ({})", f.name),
            f.ty.to_owned(),
            lang::tr(if f.required {
                "answer_yes"
            } else {
                "answer_no"
            }),
            values,
        ]);
    }
    println!("{t}");
}

/// A field's name for a person: `field.<name>` translated, else the name.
fn field_label(name: &str) -> String {
    let key = format!("field.{name}");
    let text = lang::tr(&key);
    if text == key { name.to_owned() } else { text }
}

pub fn records(kind: EntityKind, page: &RecordPage) {
    if empty(page.rows.len()) {
        return;
    }
    let list = kind.entity().list;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(std::iter::once(lang::tr("col.id")).chain(list.iter().map(|f| field_label(f))));
    for row in &page.rows {
        let mut cells = vec![row.id.to_string()];
        cells.extend(list.iter().map(|f| value_text(&row.fields[*f])));
        t.add_row(cells);
    }
    println!("{t}");
    println!(
        "{}",
        t!("record_count", shown = page.rows.len(), total = page.total)
    );
}

pub fn record(row: &RecordRow) {
    let mut t = table(&["col.field", "col.value"]);
    t.add_row(vec!["id".to_owned(), row.id.to_string()]);
    for def in row.entity.fields() {
        if let Some(value) = row.fields.get(def.name) {
            t.add_row(vec![field_label(def.name), value_text(value)]);
        }
    }
    t.add_row(vec!["updated_at".to_owned(), local(row.updated_at)]);
    println!("{t}");
}
