//! `crm login`, `logout`, `sync`, `sync status`, `conflicts` and `rejected`:
//! a thin layer over the `crm-sync` library.

use std::{
    io::{IsTerminal, Read},
    path::PathBuf,
    sync::atomic::AtomicBool,
};

use anyhow::{Result, bail};
use chrono::Local;
use clap::{Args, Subcommand};
use crm_domain::{Id, Invalid};
use crm_store::{Keep, Store};
use crm_sync::{Options, Progress};
use rust_i18n::t;
use serde_json::json;

use crate::{lang, print::Out};

/// Exit code of a sync that could not reach the server (nothing lost).
pub const EXIT_UNREACHABLE: u8 = 3;

#[derive(Debug, Args)]
pub struct Connection {
    /// Allow plain http:// to another machine (trusted networks only)
    #[arg(long)]
    pub insecure: bool,
    /// Extra trusted certificate authorities (PEM), for a company's own CA
    #[arg(long, env = "CRM_CA_FILE", value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

impl Connection {
    fn options(&self) -> Options {
        Options {
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            ..Options::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The team server, e.g. https://crm.example.com
    #[arg(long)]
    pub server: String,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub what: Option<SyncWhat>,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct LeaseArgs {
    #[command(subcommand)]
    pub what: Option<LeaseWhat>,
}

#[derive(Debug, Subcommand)]
pub enum LeaseWhat {
    /// Enter the code your administrator made for this laptop (crm-server device extend)
    Extend { code: String },
}

/// `crm lease [extend CODE]`.
pub fn lease(store: &mut Store, args: LeaseArgs, out: Out) -> Result<()> {
    let lease = match args.what {
        Some(LeaseWhat::Extend { code }) => store.lease_extend(&code)?,
        None => store.lease()?,
    };
    let day = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
            .map(|d| d.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    out.show(&lease, || {
        let line = match lease.state {
            crm_store::LeaseState::Free => t!("lease.free"),
            crm_store::LeaseState::Ok => t!(
                "lease.ok",
                warns = day(lease.warns_at),
                locks = day(lease.locks_at)
            ),
            crm_store::LeaseState::Warning => t!("lease.warning", locks = day(lease.locks_at)),
            crm_store::LeaseState::Locked => t!("lease.locked", since = day(lease.locks_at)),
        };
        println!("{line}");
    })
}

#[derive(Debug, Subcommand)]
pub enum SyncWhat {
    /// Server, user, pending changes, last sync, open conflicts, rejected changes
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCmd {
    /// Open conflicts, both values side by side
    List,
    /// Keep one value; the choice syncs like any edit
    Resolve {
        id: String,
        #[arg(long, value_parser = ["mine", "theirs"])]
        keep: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RejectedCmd {
    /// Changes the server refused, with the reason
    List,
    /// Queue a refused change again
    Retry { id: String },
    /// Drop a refused change and take the server's version back
    Discard {
        id: String,
        #[command(flatten)]
        connection: Connection,
    },
}

fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(t!("sync.password_prompt"))?)
    } else {
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password)?;
        Ok(password.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn login(store: &mut Store, args: LoginArgs, out: Out) -> Result<()> {
    let password = read_password()?;
    if password.is_empty() {
        bail!(t!("sync.no_password").to_string());
    }
    let user = crm_sync::login(
        store,
        &args.server,
        &args.email,
        &password,
        &args.connection.options(),
    )?;
    out.show(&json!({ "user": user, "server": args.server }), || {
        println!(
            "{}",
            t!("sync.logged_in", name = user.name, server = args.server)
        );
        println!("{}", t!("sync.login_next"));
    })
}

pub fn logout(store: &mut Store, out: Out) -> Result<()> {
    crm_sync::logout(store, &Options::default())?;
    let pending = store.outbox_len()?;
    out.show(&json!({ "logged_out": true, "pending": pending }), || {
        println!("{}", t!("sync.logged_out", pending = pending));
    })
}

pub fn sync(store: &mut Store, args: SyncArgs, out: Out) -> Result<()> {
    if let Some(SyncWhat::Status) = args.what {
        return status(store, out);
    }
    let interactive = !out.json && std::io::stderr().is_terminal();
    let cancel = AtomicBool::new(false);
    let summary = crm_sync::sync(
        store,
        &args.connection.options(),
        |p| {
            if interactive {
                match p {
                    Progress::Push { done, total } => {
                        eprint!("\r{}", t!("sync.pushing", done = done, total = total))
                    }
                    Progress::Pull { done } => eprint!("\r{}", t!("sync.pulling", done = done)),
                }
            }
        },
        &cancel,
    );
    if interactive {
        eprintln!();
    }
    let summary = summary?;
    out.show(&summary, || {
        if summary.restored_copy {
            println!("{}", t!("sync.restored_copy"));
        }
        println!(
            "{}",
            t!(
                "sync.done",
                pushed = summary.pushed,
                pulled = summary.pulled,
                merged = summary.merged,
                conflicts = summary.conflicts,
                rejected = summary.rejected
            )
        );
        if summary.removed > 0 {
            println!("{}", t!("sync.removed", count = summary.removed));
        }
        if summary.conflicts > 0 {
            println!("{}", t!("sync.see_conflicts"));
        }
        if summary.rejected > 0 {
            println!("{}", t!("sync.see_rejected"));
        }
        if summary.possible_duplicates > 0 {
            println!(
                "{}",
                t!("sync.see_duplicates", count = summary.possible_duplicates)
            );
        }
    })
}

fn status(store: &Store, out: Out) -> Result<()> {
    let config = store.sync_config()?;
    let pending = store.outbox_len()?;
    let conflicts = store.open_conflicts()?.len();
    let rejected = store.rejected()?.len();
    let me = store.find_user(&store.user_id().to_string()).ok();
    let doc = json!({
        "server": config.as_ref().map(|c| &c.server_url),
        "logged_in": config.as_ref().is_some_and(|c| c.token.is_some()),
        "user": me.as_ref().map(|u| json!({ "id": u.id, "name": u.name, "email": u.email })),
        "pending": pending,
        "last_sync_at": config.as_ref().and_then(|c| c.last_sync_at),
        "last_error": config.as_ref().and_then(|c| c.last_error.clone()),
        "open_conflicts": conflicts,
        "rejected": rejected,
    });
    out.show(&doc, || {
        let none = t!("none").to_string();
        match &config {
            Some(c) => {
                let state = if c.token.is_some() {
                    ""
                } else {
                    " (logged out)"
                };
                println!("{}: {}{state}", t!("sync.server"), c.server_url);
                println!(
                    "{}: {}",
                    t!("sync.user"),
                    me.as_ref()
                        .map_or(c.email.clone(), |u| format!("{} <{}>", u.name, c.email))
                );
                let last = c.last_sync_at.map_or(none.clone(), |t| {
                    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
                });
                println!("{}: {last}", t!("sync.last_sync"));
                if let Some(e) = &c.last_error {
                    println!("{}: {e}", t!("sync.last_error"));
                }
            }
            None => println!("{}", t!("sync.not_set_up")),
        }
        println!("{}: {pending}", t!("sync.pending"));
        println!("{}: {conflicts}", t!("sync.open_conflicts"));
        println!("{}: {rejected}", t!("sync.rejected"));
    })
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "∅".to_owned(),
        other => other.to_string(),
    }
}

pub fn conflicts(store: &mut Store, cmd: ConflictsCmd, out: Out) -> Result<()> {
    match cmd {
        ConflictsCmd::List => {
            let open = store.open_conflicts()?;
            out.show(&open, || {
                if open.is_empty() {
                    println!("{}", t!("sync.no_conflicts"));
                }
                for c in &open {
                    let name = c.record_name.clone().unwrap_or_else(|| c.entity.clone());
                    println!("{}  {name} · {}", c.id, c.field);
                    println!(
                        "    {}: {}  ({})",
                        t!("sync.mine"),
                        short(&c.mine),
                        c.mine_by.clone().unwrap_or_default()
                    );
                    println!(
                        "    {}: {}  ({})",
                        t!("sync.theirs"),
                        short(&c.theirs),
                        c.theirs_by.clone().unwrap_or_default()
                    );
                }
            })
        }
        ConflictsCmd::Resolve { id, keep } => {
            let id: Id = id.parse().map_err(|p| Invalid::new("id", p))?;
            let keep = if keep == "mine" {
                Keep::Mine
            } else {
                Keep::Theirs
            };
            store.resolve_conflict(id, keep)?;
            out.show(&json!({ "id": id, "resolved": true }), || {
                println!("{}", t!("sync.resolved"));
            })
        }
    }
}

pub fn rejected(store: &mut Store, cmd: RejectedCmd, out: Out) -> Result<()> {
    match cmd {
        RejectedCmd::List => {
            let list = store.rejected()?;
            out.show(&list, || {
                if list.is_empty() {
                    println!("{}", t!("none"));
                }
                for r in &list {
                    let fields: Vec<&str> = r.op.fields.keys().map(String::as_str).collect();
                    println!(
                        "{}  {} {} {}  [{}]",
                        r.op.op_id,
                        r.op.kind.as_str(),
                        r.op.entity,
                        r.op.record_id,
                        fields.join(", ")
                    );
                    println!("    {}", lang::rejected_reason(r));
                }
            })
        }
        RejectedCmd::Retry { id } => {
            let id: Id = id.parse().map_err(|p| Invalid::new("id", p))?;
            store.retry_rejected(id)?;
            out.show(&json!({ "id": id, "queued": true }), || {
                println!("{}", t!("sync.requeued"))
            })
        }
        RejectedCmd::Discard { id, connection } => {
            let id: Id = id.parse().map_err(|p| Invalid::new("id", p))?;
            crm_sync::discard_rejected(store, id, &connection.options())?;
            out.show(&json!({ "id": id, "discarded": true }), || {
                println!("{}", t!("sync.discarded"))
            })
        }
    }
}
