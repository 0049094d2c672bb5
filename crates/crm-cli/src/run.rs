//! What each command does: parse, call the store, print.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::Local;
use crm_domain::{Currency, EntityKind, Id, Invalid, Money, Problem};
use crm_store::{
    AccountFilter, BulkAction, DemoSize, LeadConversion, NewUser, RecordQuery, Selection, Store,
    StoreError,
};
use rust_i18n::t;
use serde_json::{Value, json};

use crate::{
    args::*,
    exchange, lang,
    print::{self, Out},
    sync,
};

fn data_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => dirs::data_dir()
            .map(|d| d.join("offline-crm"))
            .context(t!("no_data_dir").to_string()),
    }
}

/// Parse an id the user typed, naming the option it came from.
fn id_arg(field: &str, raw: &str) -> Result<Id> {
    raw.parse::<Id>().map_err(|p| Invalid::new(field, p).into())
}

/// Parse the given (field, raw text) pairs for `entity`; absent ones are skipped.
fn parse_fields<'a>(
    entity: EntityKind,
    given: &[(&'a str, Option<&str>)],
    currency: Option<Currency>,
) -> Result<Vec<(&'a str, Value)>> {
    given
        .iter()
        .filter_map(|(field, raw)| raw.map(|r| (*field, r)))
        .map(|(field, raw)| Ok((field, entity.parse_field(field, raw, currency)?)))
        .collect()
}

/// A user given by id, email or name, as a canonical reference.
fn user_ref(store: &Store, given: Option<&String>) -> Result<Option<Value>> {
    given
        .map(|g| Ok(json!(store.find_user(g)?.id.to_string())))
        .transpose()
}

fn push_owner(
    store: &Store,
    fields: &mut Vec<(&str, Value)>,
    field: &'static str,
    owner: Option<&String>,
) -> Result<()> {
    if let Some(owner) = user_ref(store, owner)? {
        fields.push((field, owner));
    }
    Ok(())
}

fn account_fields(store: &Store, f: &AccountFields) -> Result<Vec<(&'static str, Value)>> {
    let mut fields = parse_fields(
        EntityKind::Account,
        &[
            ("name", f.name.as_deref()),
            ("kind", f.kind.as_deref()),
            ("industry", f.industry.as_deref()),
            ("region", f.region.as_deref()),
            ("address", f.address.as_deref()),
            ("phone", f.phone.as_deref()),
            ("email", f.email.as_deref()),
            ("website", f.website.as_deref()),
            ("size", f.size.as_deref()),
            ("lifecycle", f.lifecycle.as_deref()),
            ("tags", f.tags.as_deref()),
            ("notes", f.notes.as_deref()),
        ],
        None,
    )?;
    push_owner(store, &mut fields, "owner_id", f.owner.as_ref())?;
    Ok(fields)
}

fn contact_fields(f: &ContactFields) -> Result<Vec<(&'static str, Value)>> {
    let emails = (!f.emails.is_empty()).then(|| f.emails.join(","));
    let phones = (!f.phones.is_empty()).then(|| f.phones.join(","));
    parse_fields(
        EntityKind::Contact,
        &[
            ("name", f.name.as_deref()),
            ("title", f.title.as_deref()),
            ("emails", emails.as_deref()),
            ("phones", phones.as_deref()),
            ("preferred_channel", f.preferred_channel.as_deref()),
            ("notes", f.notes.as_deref()),
        ],
        None,
    )
}

fn lead_fields(store: &Store, f: &LeadFields) -> Result<Vec<(&'static str, Value)>> {
    let mut fields = parse_fields(
        EntityKind::Lead,
        &[
            ("name", f.name.as_deref()),
            ("company", f.company.as_deref()),
            ("title", f.title.as_deref()),
            ("email", f.email.as_deref()),
            ("phone", f.phone.as_deref()),
            ("source", f.source.as_deref()),
            ("status", f.status.as_deref()),
            ("score", f.score.as_deref()),
            ("notes", f.notes.as_deref()),
        ],
        None,
    )?;
    push_owner(store, &mut fields, "owner_id", f.owner.as_ref())?;
    Ok(fields)
}

fn ensure_some(fields: &[(&str, Value)]) -> Result<()> {
    if fields.is_empty() {
        bail!(t!("nothing_to_change").to_string());
    }
    Ok(())
}

fn currency(raw: &str) -> Result<Currency> {
    raw.parse::<Currency>()
        .map_err(|p| Invalid::new("currency", p).into())
}

fn default_currency() -> String {
    let locale = lang::system_locale();
    let region = locale
        .split(['-', '_'])
        .nth(1)
        .unwrap_or_default()
        .to_ascii_uppercase();
    match region.as_str() {
        "CN" => "CNY",
        "TW" => "TWD",
        "HK" => "HKD",
        "GB" => "GBP",
        "MX" => "MXN",
        "AR" => "ARS",
        "CO" => "COP",
        "CL" => "CLP",
        "PE" => "PEN",
        "ES" | "DE" | "FR" | "IT" | "IE" | "PT" | "NL" | "AT" | "BE" | "FI" => "EUR",
        _ if locale.starts_with("zh") => "CNY",
        _ => "USD",
    }
    .to_owned()
}

pub fn run(cli: Cli) -> Result<()> {
    let dir = data_dir(cli.data_dir)?;
    let path = Store::path_in(&dir);
    let out = Out { json: cli.json };
    // Recovering is how a database whose vault was lost gets unlocked.
    if let Command::Vault(cmd @ crate::protect::VaultCmd::Recover { .. }) = cli.command {
        return crate::protect::vault(&path, cmd, cli.json);
    }
    crate::protect::unlock(&path)?;
    match cli.command {
        Command::Vault(cmd) => crate::protect::vault(&path, cmd, cli.json),
        Command::Init(args) => init(&path, args, out),
        Command::Demo(args) => {
            let mut store = match Store::open(&path) {
                Err(StoreError::Missing(_)) => Store::create(
                    &path,
                    &local_user(InitArgs {
                        name: None,
                        email: None,
                        team: None,
                        currency: None,
                    })?,
                )?,
                other => other?,
            };
            demo(&mut store, args, out)
        }
        Command::Restore(args) => exchange::restore(&path, args, out),
        command => {
            let mut store = Store::open(&path)?;
            // Past the team's lease, only syncing (or a code) unlocks it.
            if !matches!(
                command,
                Command::Sync(_) | Command::Login(_) | Command::Logout | Command::Lease(_)
            ) {
                store.check_lease()?;
            }
            let result = dispatch(&mut store, command, out);
            if let Err(e) = &result
                && e.downcast_ref::<crm_sync::SyncError>()
                    .is_some_and(|e| e.code() == crm_protocol::codes::DEVICE_WIPED)
            {
                drop(store);
                let removed = crm_store::erase(&path)?;
                anyhow::bail!(t!("sync.wiped", count = removed.len()).into_owned());
            }
            // Damaged records are left out of lists, never fail them: say so
            // (on stderr, so `--json` output stays one document).
            let unreadable = store.take_unreadable();
            if unreadable > 0 {
                eprintln!("{}", t!("err.unreadable", count = unreadable));
            }
            result
        }
    }
}

fn local_user(args: InitArgs) -> Result<NewUser> {
    let name = args
        .name
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "Me".to_owned());
    let parsed = parse_fields(
        EntityKind::User,
        &[
            ("name", Some(&name)),
            ("email", args.email.as_deref()),
            ("team", args.team.as_deref()),
        ],
        None,
    )?;
    let text = |field: &str| {
        parsed
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    };
    let currency = currency(&args.currency.unwrap_or_else(default_currency))?;
    Ok(NewUser {
        name: text("name").unwrap_or(name),
        email: text("email"),
        team: text("team"),
        currency: currency.code().to_owned(),
    })
}

fn init(path: &std::path::Path, args: InitArgs, out: Out) -> Result<()> {
    let me = local_user(args)?;
    let store = Store::create(path, &me)?;
    out.show(
        &json!({ "path": store.path(), "device_id": store.device_id(), "user_id": store.user_id(), "currency": me.currency }),
        || {
            println!("{}", t!("init.done", path = store.path().display(), name = me.name));
            println!("{}", t!("init.next"));
        },
    )
}

fn demo(store: &mut Store, args: DemoArgs, out: Out) -> Result<()> {
    let started = std::time::Instant::now();
    let show_progress = !out.json && args.accounts >= 5_000;
    let summary = store.demo(DemoSize::accounts(args.accounts), args.seed, |done, all| {
        if show_progress {
            eprint!("\r{}", t!("demo.progress", done = done, all = all));
        }
    })?;
    if show_progress {
        eprintln!();
    }
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    out.show(
        &json!({ "summary": summary, "seconds": started.elapsed().as_secs_f64(), "database_bytes": size }),
        || {
            println!(
                "{}",
                t!(
                    "demo.done",
                    accounts = summary.accounts,
                    contacts = summary.contacts,
                    interactions = summary.interactions,
                    deals = summary.opportunities,
                    leads = summary.leads,
                    tasks = summary.tasks,
                    seconds = format!("{:.1}", started.elapsed().as_secs_f64())
                )
            );
            println!(
                "{}",
                t!(
                    "demo.sales",
                    products = summary.products,
                    price_lists = summary.price_lists,
                    quotes = summary.quotes,
                    lines = summary.quote_lines,
                    orders = summary.orders,
                    payments = summary.payments
                )
            );
            println!(
                "{}",
                t!(
                    "demo.service",
                    cases = summary.cases,
                    articles = summary.articles,
                    surveys = summary.surveys
                )
            );
            println!("{}", t!("demo.next"));
        },
    )
}

fn dispatch(store: &mut Store, command: Command, out: Out) -> Result<()> {
    match command {
        Command::Init(_) | Command::Demo(_) | Command::Restore(_) | Command::Vault(_) => {
            unreachable!("handled before the store is opened")
        }
        Command::Import(args) => exchange::import(store, args, out),
        Command::Export(args) => exchange::export(store, args, out),
        Command::Duplicates(args) => exchange::duplicates(store, args, out),
        Command::Merge(args) => exchange::merge(store, args, out),
        Command::Backup(args) => exchange::backup(store, args, out),
        Command::Login(args) => sync::login(store, args, out),
        Command::Lease(args) => sync::lease(store, args, out),
        Command::Logout => sync::logout(store, out),
        Command::Sync(args) => sync::sync(store, args, out),
        Command::Conflicts(cmd) => sync::conflicts(store, cmd, out),
        Command::Rejected(cmd) => sync::rejected(store, cmd, out),
        Command::Product(cmd) => crate::sales::product(store, cmd, out),
        Command::Pricelist(cmd) => crate::sales::pricelist(store, cmd, out),
        Command::Quote(cmd) => crate::sales::quote(store, cmd, out),
        Command::Order(cmd) => crate::sales::order(store, cmd, out),
        Command::Payment(cmd) => crate::sales::payment(store, cmd, out),
        Command::Prices { account_id } => crate::sales::prices(store, &account_id, out),
        Command::Company(cmd) => crate::sales::company(store, cmd, out),
        Command::Case(cmd) => crate::service::case(store, cmd, out),
        Command::Sla(cmd) => crate::service::sla(store, cmd, out),
        Command::Escalate { now } => crate::service::escalate(store, now.as_deref(), out),
        Command::Kb(cmd) => crate::service::kb(store, cmd, out),
        Command::Nps {
            account_id,
            score,
            comment,
        } => crate::service::nps(store, &account_id, &score, comment.as_deref(), out),
        Command::Account(cmd) => account(store, cmd, out),
        Command::Contact(cmd) => contact(store, cmd, out),
        Command::Log(args) => log(store, args, out),
        Command::Timeline(args) => {
            let id = id_arg("account", &args.account_id)?;
            store.account(id)?;
            let page = store.timeline(id, None, args.limit)?;
            out.show(&page, || print::timeline(&page.entries))
        }
        Command::Lead(cmd) => lead(store, cmd, out),
        Command::Deal(cmd) => deal(store, cmd, out),
        Command::Pipeline => {
            let stages = store.pipeline()?;
            out.show(&stages, || print::pipeline(&stages))
        }
        Command::Task(cmd) => task(store, cmd, out),
        Command::Record(cmd) => record(store, cmd, out),
        Command::Search(args) => {
            let query = args.query.join(" ");
            let groups = store.search(&query, args.limit)?;
            out.show(&groups, || print::search(&query, &groups))
        }
        Command::History { record_id } => {
            let id = id_arg("record", &record_id)?;
            if store.kind_of(id)?.is_none() {
                bail!(t!("no_record", id = id).to_string());
            }
            let history = store.history(id)?;
            out.show(&history, || print::history(&history))
        }
        Command::Reassign(args) => {
            let from = store.find_user(&args.from)?;
            let to = store.find_user(&args.to)?;
            let done = store.reassign(from.id, to.id)?;
            out.show(
                &json!({ "from": from.id, "to": to.id, "moved": done }),
                || {
                    println!(
                        "{}",
                        t!(
                            "reassign.done",
                            from = from.name,
                            to = to.name,
                            accounts = done.accounts,
                            leads = done.leads,
                            deals = done.opportunities,
                            tasks = done.tasks
                        )
                    );
                },
            )
        }
        Command::Outbox { limit } => {
            let ops = store.outbox(limit)?;
            let total = store.outbox_len()?;
            out.show(&json!({ "pending": total, "ops": ops }), || {
                print::outbox(total, &ops)
            })
        }
        Command::User(cmd) => user(store, cmd, out),
    }
}

fn created(out: Out, entity: EntityKind, id: Id, name: &str) -> Result<()> {
    out.show(&json!({ "id": id, "entity": entity }), || {
        println!(
            "{}",
            t!("created", what = lang::entity(entity), name = name, id = id)
        );
    })
}

fn changed(out: Out, entity: EntityKind, id: Id, changed: bool) -> Result<()> {
    out.show(
        &json!({ "id": id, "entity": entity, "changed": changed }),
        || {
            if changed {
                println!("{}", t!("updated", what = lang::entity(entity), id = id));
            } else {
                println!("{}", t!("unchanged"));
            }
        },
    )
}

fn deleted(store: &mut Store, out: Out, entity: EntityKind, raw: &str) -> Result<()> {
    let id = id_arg("id", raw)?;
    store.write(|w| w.delete(entity, id))?;
    out.show(
        &json!({ "id": id, "entity": entity, "deleted": true }),
        || {
            println!("{}", t!("deleted", what = lang::entity(entity), id = id));
        },
    )
}

fn account(store: &mut Store, cmd: AccountCmd, out: Out) -> Result<()> {
    match cmd {
        AccountCmd::Add(fields) => {
            if fields.name.is_none() {
                return Err(Invalid::new("name", Problem::Empty).into());
            }
            let mut values = account_fields(store, &fields)?;
            if !values.iter().any(|(f, _)| *f == "owner_id") {
                values.push(("owner_id", json!(store.user_id().to_string())));
            }
            let id = store.add(EntityKind::Account, &values)?;
            created(
                out,
                EntityKind::Account,
                id,
                fields.name.as_deref().unwrap_or_default(),
            )
        }
        AccountCmd::List {
            query,
            industry,
            region,
            lifecycle,
            owner,
            limit,
            offset,
        } => {
            let owner_id = owner
                .map(|o| store.find_user(&o).map(|u| u.id))
                .transpose()?;
            let filter = AccountFilter {
                query,
                industry,
                region,
                lifecycle,
                owner_id,
                offset,
                limit,
            };
            let accounts = store.accounts(&filter)?;
            out.show(&accounts, || print::accounts(&accounts))
        }
        AccountCmd::Show { id, limit } => {
            let view = store.account_view(id_arg("id", &id)?, limit)?;
            out.show(&view, || print::account_view(&view))
        }
        AccountCmd::Edit { id, fields } => {
            let id = id_arg("id", &id)?;
            let values = account_fields(store, &fields)?;
            ensure_some(&values)?;
            let did = store.edit(EntityKind::Account, id, &values)?;
            changed(out, EntityKind::Account, id, did)
        }
        AccountCmd::Delete { id } => deleted(store, out, EntityKind::Account, &id),
        AccountCmd::Balance { id } => crate::sales::balance(store, &id, out),
        AccountCmd::Restore { id } => {
            let id = id_arg("id", &id)?;
            store.write(|w| w.restore(EntityKind::Account, id))?;
            out.show(&json!({ "id": id, "restored": true }), || {
                println!(
                    "{}",
                    t!(
                        "restored",
                        what = lang::entity(EntityKind::Account),
                        id = id
                    )
                );
            })
        }
    }
}

fn contact(store: &mut Store, cmd: ContactCmd, out: Out) -> Result<()> {
    match cmd {
        ContactCmd::Add { account, fields } => {
            if fields.name.is_none() {
                return Err(Invalid::new("name", Problem::Empty).into());
            }
            let account = id_arg("account", &account)?;
            let mut values = contact_fields(&fields)?;
            values.push(("account_id", json!(account.to_string())));
            let id = store.add(EntityKind::Contact, &values)?;
            created(
                out,
                EntityKind::Contact,
                id,
                fields.name.as_deref().unwrap_or_default(),
            )
        }
        ContactCmd::List { account } => {
            let account = store.account(id_arg("account", &account)?)?;
            let contacts = store.contacts_of(account.id)?;
            out.show(&contacts, || print::contacts(&contacts))
        }
        ContactCmd::Edit { id, fields } => {
            let id = id_arg("id", &id)?;
            let values = contact_fields(&fields)?;
            ensure_some(&values)?;
            let did = store.edit(EntityKind::Contact, id, &values)?;
            changed(out, EntityKind::Contact, id, did)
        }
        ContactCmd::Delete { id } => deleted(store, out, EntityKind::Contact, &id),
    }
}

fn log(store: &mut Store, args: LogArgs, out: Out) -> Result<()> {
    if args.account.is_none() && args.lead.is_none() {
        return Err(Invalid::new("account", Problem::Empty).into());
    }
    let at = match &args.at {
        Some(raw) => crm_domain::value::local_date_time(raw).map_err(|p| Invalid::new("at", p))?,
        None => store.now(),
    };
    let mut values = parse_fields(
        EntityKind::Interaction,
        &[
            ("kind", Some(&args.kind)),
            ("subject", Some(&args.subject)),
            ("body", args.body.as_deref()),
            ("outcome", args.outcome.as_deref()),
            ("direction", args.direction.as_deref()),
            ("account_id", args.account.as_deref()),
            ("contact_id", args.contact.as_deref()),
            ("opportunity_id", args.deal.as_deref()),
            ("lead_id", args.lead.as_deref()),
        ],
        None,
    )?;
    values.push(("occurred_at", json!(at.timestamp_millis())));
    values.push(("author_id", json!(store.user_id().to_string())));
    let id = store.add(EntityKind::Interaction, &values)?;
    out.show(
        &json!({ "id": id, "entity": EntityKind::Interaction, "occurred_at": at }),
        || {
            println!(
                "{}",
                t!(
                    "logged",
                    kind = lang::interaction_kind(&args.kind.to_lowercase()),
                    when = at.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
                    id = id
                )
            );
        },
    )
}

fn lead(store: &mut Store, cmd: LeadCmd, out: Out) -> Result<()> {
    match cmd {
        LeadCmd::Add(fields) => {
            if fields.name.is_none() {
                return Err(Invalid::new("name", Problem::Empty).into());
            }
            let mut values = lead_fields(store, &fields)?;
            if !values.iter().any(|(f, _)| *f == "owner_id") {
                values.push(("owner_id", json!(store.user_id().to_string())));
            }
            let id = store.add(EntityKind::Lead, &values)?;
            created(
                out,
                EntityKind::Lead,
                id,
                fields.name.as_deref().unwrap_or_default(),
            )
        }
        LeadCmd::List { status, limit } => {
            let leads = store.leads(status.as_deref(), 0, limit)?;
            out.show(&leads, || print::leads(&leads))
        }
        LeadCmd::Edit { id, fields } => {
            let id = id_arg("id", &id)?;
            let values = lead_fields(store, &fields)?;
            ensure_some(&values)?;
            let did = store.edit(EntityKind::Lead, id, &values)?;
            changed(out, EntityKind::Lead, id, did)
        }
        LeadCmd::Convert {
            id,
            account,
            deal_name,
            amount,
            currency: code,
        } => {
            let id = id_arg("id", &id)?;
            let amount = match (amount, code) {
                (Some(a), Some(c)) => {
                    Some(Money::parse(&a, currency(&c)?).map_err(|p| Invalid::new("amount", p))?)
                }
                _ => None,
            };
            let choice = LeadConversion {
                account_id: account.map(|a| id_arg("account", &a)).transpose()?,
                deal_name,
                amount,
            };
            let done = store.convert_lead(id, choice)?;
            out.show(&done, || {
                println!(
                    "{}",
                    t!(
                        "lead.converted",
                        account = done.account_id,
                        contact = done.contact_id,
                        deal = done.opportunity_id,
                        moved = done.interactions_moved + done.tasks_moved
                    )
                );
            })
        }
        LeadCmd::Disqualify { id, reason } => {
            let id = id_arg("id", &id)?;
            let reason = crm_domain::value::required_text(&reason, 500)
                .map_err(|p| Invalid::new("reason", p))?;
            store.disqualify_lead(id, &reason)?;
            changed(out, EntityKind::Lead, id, true)
        }
    }
}

fn deal(store: &mut Store, cmd: DealCmd, out: Out) -> Result<()> {
    match cmd {
        DealCmd::Add {
            account,
            name,
            amount,
            currency: code,
            stage,
            close_date,
            probability,
            owner,
        } => {
            let code = code.unwrap_or_else(|| store.default_currency().to_owned());
            let cur = currency(&code)?;
            let stage = stage.unwrap_or_else(|| "qualification".to_owned());
            let default_probability = store
                .pipeline()?
                .into_iter()
                .find(|s| s.key == stage.to_lowercase())
                .map(|s| s.probability.to_string());
            let mut values = parse_fields(
                EntityKind::Opportunity,
                &[
                    ("account_id", Some(&account)),
                    ("name", Some(&name)),
                    ("stage", Some(&stage)),
                    ("amount", Some(&amount)),
                    ("currency", Some(&code)),
                    ("close_date", close_date.as_deref()),
                    (
                        "probability",
                        probability.as_deref().or(default_probability.as_deref()),
                    ),
                ],
                Some(cur),
            )?;
            let owner = user_ref(store, owner.as_ref())?
                .unwrap_or_else(|| json!(store.user_id().to_string()));
            values.push(("owner_id", owner));
            let id = store.add(EntityKind::Opportunity, &values)?;
            created(out, EntityKind::Opportunity, id, &name)
        }
        DealCmd::Move { id, stage, reason } => {
            let id = id_arg("id", &id)?;
            store.move_deal(id, &stage, reason.as_deref())?;
            let deal = store.opportunity(id)?;
            out.show(&deal, || {
                println!(
                    "{}",
                    t!(
                        "deal.moved",
                        name = deal.name,
                        stage = lang::stage(&deal.stage)
                    )
                );
            })
        }
        DealCmd::List { stage, limit } => {
            let deals = store.opportunities(stage.as_deref(), limit)?;
            out.show(&deals, || print::deals(&deals))
        }
        DealCmd::Show { id } => {
            let deal = store.opportunity(id_arg("id", &id)?)?;
            out.show(&deal, || print::deals(std::slice::from_ref(&deal)))
        }
        DealCmd::Edit {
            id,
            amount,
            currency: code,
            name,
            close_date,
            probability,
            owner,
            notes,
        } => {
            let id = id_arg("id", &id)?;
            let current = store.opportunity(id)?;
            let cur = match &code {
                Some(c) => currency(c)?,
                None => current.amount.currency,
            };
            let mut values = parse_fields(
                EntityKind::Opportunity,
                &[
                    ("amount", amount.as_deref()),
                    ("currency", code.as_deref()),
                    ("name", name.as_deref()),
                    ("close_date", close_date.as_deref()),
                    ("probability", probability.as_deref()),
                    ("notes", notes.as_deref()),
                ],
                Some(cur),
            )?;
            push_owner(store, &mut values, "owner_id", owner.as_ref())?;
            ensure_some(&values)?;
            let did = store.edit(EntityKind::Opportunity, id, &values)?;
            changed(out, EntityKind::Opportunity, id, did)
        }
        DealCmd::Delete { id } => deleted(store, out, EntityKind::Opportunity, &id),
    }
}

fn task(store: &mut Store, cmd: TaskCmd, out: Out) -> Result<()> {
    match cmd {
        TaskCmd::Add {
            title,
            due,
            account,
            deal,
            lead,
            assignee,
            notes,
        } => {
            // A task on a deal shows on the deal's account too.
            let account = match (&account, &deal) {
                (None, Some(d)) => Some(
                    store
                        .opportunity(id_arg("deal", d)?)?
                        .account_id
                        .to_string(),
                ),
                _ => account,
            };
            let mut values = parse_fields(
                EntityKind::Task,
                &[
                    ("title", Some(&title)),
                    ("due_date", due.as_deref()),
                    ("account_id", account.as_deref()),
                    ("opportunity_id", deal.as_deref()),
                    ("lead_id", lead.as_deref()),
                    ("notes", notes.as_deref()),
                ],
                None,
            )?;
            let assignee = user_ref(store, assignee.as_ref())?
                .unwrap_or_else(|| json!(store.user_id().to_string()));
            values.push(("assignee_id", assignee));
            let id = store.add(EntityKind::Task, &values)?;
            created(out, EntityKind::Task, id, &title)
        }
        TaskCmd::List { due, all } => {
            let today = Local::now().date_naive();
            let due_by = match due.as_deref() {
                Some("today") => Some(today),
                Some("overdue") => Some(today - chrono::Duration::days(1)),
                _ => None,
            };
            let assignee = (!all).then(|| store.user_id());
            let query = RecordQuery::open_tasks(assignee, None, due_by);
            let tasks = store.records(EntityKind::Task, &query)?.rows;
            out.show(&tasks, || print::tasks(&tasks, today))
        }
        TaskCmd::Done { id, outcome } => {
            let id = id_arg("id", &id)?;
            let outcome = match outcome.as_deref().filter(|o| !o.trim().is_empty()) {
                Some(raw) => Some(EntityKind::Interaction.parse_field("outcome", raw, None)?),
                None => None,
            };
            let done = store.complete_task(id, outcome.as_ref().and_then(|o| o.as_str()))?;
            let logged = match done.interaction {
                Some(entry) => Some((entry, store.interaction(entry)?.kind)),
                None => None,
            };
            out.show(
                &json!({ "id": id, "entity": EntityKind::Task, "changed": true, "interaction": done.interaction }),
                || {
                    println!(
                        "{}",
                        t!("updated", what = lang::entity(EntityKind::Task), id = id)
                    );
                    if let Some((entry, kind)) = &logged {
                        let kind = lang::interaction_kind(kind);
                        println!("{}", t!("task.logged", kind = kind, id = entry));
                    }
                },
            )
        }
    }
}

fn user(store: &mut Store, cmd: UserCmd, out: Out) -> Result<()> {
    match cmd {
        UserCmd::Add {
            name,
            email,
            role,
            team,
        } => {
            let values = parse_fields(
                EntityKind::User,
                &[
                    ("name", Some(&name)),
                    ("email", email.as_deref()),
                    ("role", Some(&role)),
                    ("team", team.as_deref()),
                ],
                None,
            )?;
            let id = store.write(|w| w.insert(EntityKind::User, &values))?;
            created(out, EntityKind::User, id, &name)
        }
        UserCmd::List => {
            let users = store.users()?;
            out.show(&users, || print::users(&users))
        }
    }
}

/// `FIELD=VALUE` pairs as typed.
fn typed_pairs(pairs: &[String]) -> Result<std::collections::BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (field, value) = pair
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!(t!("record_pair", given = pair).to_string()))?;
            Ok((field.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

fn kind_arg(raw: &str) -> Result<EntityKind> {
    raw.parse::<EntityKind>()
        .map_err(|p| Invalid::new("kind", p).into())
}

fn record(store: &mut Store, cmd: RecordCmd, out: Out) -> Result<()> {
    match cmd {
        RecordCmd::Describe { kind } => {
            let description = kind_arg(&kind)?.entity().describe();
            out.show(&description, || print::description(&description))
        }
        RecordCmd::List {
            kind,
            filter,
            sort,
            desc,
            offset,
            limit,
            deleted,
        } => {
            let kind = kind_arg(&kind)?;
            let typed = typed_pairs(&filter)?;
            let filter = store
                .typed(kind, &typed, None)?
                .into_iter()
                .map(|(f, v)| (f.to_owned(), v))
                .collect();
            let page = store.records(
                kind,
                &RecordQuery {
                    filter,
                    conditions: Vec::new(),
                    sort,
                    descending: desc,
                    offset,
                    limit: Some(limit),
                    deleted,
                    text: None,
                },
            )?;
            out.show(&page, || print::records(kind, &page))
        }
        RecordCmd::Get { kind, id } => {
            let kind = kind_arg(&kind)?;
            let row = store.record(kind, id_arg("id", &id)?)?;
            out.show(&row, || print::record(&row))
        }
        RecordCmd::Add { kind, fields } => {
            let kind = kind_arg(&kind)?;
            let values = store.typed(kind, &typed_pairs(&fields)?, None)?;
            let row = store.create_record(kind, &values)?;
            out.show(&row, || println!("{}", t!("record_added", id = row.id)))
        }
        RecordCmd::Edit { kind, id, fields } => {
            let kind = kind_arg(&kind)?;
            let id = id_arg("id", &id)?;
            let current = store.record(kind, id)?;
            let values = store.typed(kind, &typed_pairs(&fields)?, Some(&current))?;
            let row = store.update_record(kind, id, &values)?;
            out.show(&row, || println!("{}", t!("record_updated", id = row.id)))
        }
        RecordCmd::Delete { kind, id } => {
            let kind = kind_arg(&kind)?;
            let id = id_arg("id", &id)?;
            store.delete_record(kind, id)?;
            out.show(&json!({ "deleted": id }), || {
                println!("{}", t!("record_deleted", id = id))
            })
        }
        RecordCmd::Restore { kind, id } => {
            let kind = kind_arg(&kind)?;
            let row = store.restore_record(kind, id_arg("id", &id)?)?;
            out.show(&row, || println!("{}", t!("record_restored", id = row.id)))
        }
        RecordCmd::Bulk {
            kind,
            ids,
            filter,
            search,
            assign,
            tag,
            delete,
            restore,
        } => {
            let kind = kind_arg(&kind)?;
            // A whole kind is changed only when asked for by a filter: a
            // forgotten --id must not delete the book.
            if ids.is_empty() && filter.is_empty() && search.is_none() {
                bail!(t!("record_bulk_which").to_string());
            }
            let selection = if ids.is_empty() {
                let typed = typed_pairs(&filter)?;
                Selection::Matching(RecordQuery {
                    filter: store
                        .typed(kind, &typed, None)?
                        .into_iter()
                        .map(|(f, v)| (f.to_owned(), v))
                        .collect(),
                    text: search,
                    deleted: restore,
                    ..RecordQuery::default()
                })
            } else {
                Selection::Ids(
                    ids.iter()
                        .map(|id| id_arg("id", id))
                        .collect::<Result<_>>()?,
                )
            };
            let action = match (assign, tag) {
                (Some(user), _) => BulkAction::Assign(store.find_user(&user)?.id),
                (None, Some(tag)) => BulkAction::Tag(tag),
                (None, None) if delete => BulkAction::Delete,
                (None, None) if restore => BulkAction::Restore,
                (None, None) => bail!(t!("record_bulk_what").to_string()),
            };
            let done = store.bulk(kind, &selection, &action)?;
            out.show(&done, || {
                println!(
                    "{}",
                    t!(
                        "record_bulk_done",
                        changed = done.changed,
                        unchanged = done.unchanged
                    )
                )
            })
        }
    }
}
