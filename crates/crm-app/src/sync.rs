//! The Sync screen's commands: sign in to the team server, sync with progress
//! (and cancel), and the two lists a person has to act on after a sync —
//! conflicts, shown side by side, and changes the server refused.
//!
//! Network work runs on its own database handle, so the app's writer stays
//! free: the user keeps editing while a sync runs, and `crm-sync`'s file lock
//! keeps a second sync (the `crm` command) waiting for this one.

use std::{
    collections::HashMap,
    path::Path,
    sync::atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Utc};
use crm_domain::{EntityKind, Id, schema::FieldType};
use crm_protocol::codes;
use crm_store::{ConflictView, Keep, NewUser, Store};
use crm_sync::{Options, Summary, SyncError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{App, AppError, Progress, Result};

/// One local change waiting to be synced.
#[derive(Debug, Clone, Serialize)]
pub struct PendingChange {
    /// Position in this device's sequence.
    pub seq: i64,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    pub record_id: Id,
    /// insert, update, delete, restore.
    pub kind: String,
    /// Changed fields.
    pub fields: Vec<String>,
    /// When, as the hybrid logical clock's wall time.
    pub at: DateTime<Utc>,
}

/// The Sync screen.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Local changes not yet sent (listed by [`App::sync_changes`]).
    pub pending: i64,
    /// The team server, once this laptop has signed in to one.
    pub server: Option<String>,
    /// The login on that server.
    pub email: Option<String>,
    /// Whether this laptop holds a valid sign-in (a logout clears it).
    pub signed_in: bool,
    /// When the last sync completed.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Why the last sync did not complete, if it did not.
    pub last_error: Option<AppError>,
    /// Decisions waiting on conflicts: the fields one edit changed together
    /// (a moved deal's stage and probability) count once, as the screen
    /// shows them.
    pub conflicts: usize,
    /// Changes the server refused, waiting for retry or discard.
    pub rejected: usize,
    /// Whether a sync is running now.
    pub running: bool,
    /// Whether this database holds demo data: signing in then sets it aside
    /// and starts a database of the user's own (see [`SignIn::set_demo_aside`]).
    pub demo: bool,
}

/// Sign-in arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct SignIn {
    /// The server's address (`https://crm.example.com`).
    pub server: String,
    /// The login.
    pub email: String,
    /// The password; used once, never stored.
    pub password: String,
    /// Allow plain HTTP to another machine (a trusted office network).
    #[serde(default)]
    pub insecure: bool,
    /// The company's certificate authority (PEM text), when the server's
    /// certificate is signed by it; kept beside the database for every sync.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// The user agreed that demo data here is set aside (kept in a file of
    /// its own) and a database of their own starts for the team's records.
    #[serde(default)]
    pub set_demo_aside: bool,
    /// The currency for a first sign-in on a laptop with no database yet
    /// (ISO 4217; the user's default for new deals). Ignored otherwise.
    #[serde(default)]
    pub currency: Option<String>,
}

/// The database a sign-in from a demo database goes to until it succeeds.
const FRESH_DATABASE: &str = "crm-new.db";

/// Remove a database that is closed, with its write-ahead log and index.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        drop(std::fs::remove_file(name));
    }
}

/// Where the company CA given at sign-in is kept, in the data directory.
pub(crate) const CA_FILE: &str = "server-ca.pem";

/// What "Sync now" did, and where things stand after it.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    /// Counts of what moved.
    pub summary: Summary,
    /// The screen after the sync.
    pub status: SyncStatus,
}

/// A conflict's value, typed so the UI can show it in the user's language
/// (money with its currency, a stage or status by its translated name, a
/// person by name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shown {
    /// No value.
    Empty,
    /// Plain text.
    Text {
        /// The text.
        value: String,
    },
    /// A whole number.
    Number {
        /// The number.
        value: i64,
    },
    /// An amount.
    Money {
        /// Minor units.
        minor: i64,
        /// ISO 4217 code.
        currency: String,
    },
    /// One of a fixed set; the UI's translations of `group.key` name it.
    Choice {
        /// The translation group (`stage`, `lifecycle`, `lead_status`, ...).
        group: String,
        /// The stored key.
        key: String,
    },
    /// Yes or no.
    Bool {
        /// The value.
        value: bool,
    },
    /// A member of the team.
    Person {
        /// Name, or the id when the directory does not know them.
        name: String,
    },
    /// Another record (an account), by name.
    Record {
        /// Name, when the record is on this laptop.
        name: Option<String>,
    },
    /// The record was deleted.
    Deleted,
    /// The record was edited (delete against edit): which fields.
    Edits {
        /// Field names.
        fields: Vec<String>,
    },
}

/// An open conflict, both values side by side.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    /// The conflict.
    pub id: Id,
    /// The kind of record.
    pub entity: String,
    /// The record.
    pub record_id: Option<Id>,
    /// Its name or subject, if it is on this laptop.
    pub record_name: Option<String>,
    /// Conflicts with the same key are decided together (see `decision_key`).
    pub decision: String,
    /// The field (`*` for a deletion against an edit).
    pub field: String,
    /// The value before both edits.
    pub base: Shown,
    /// The value that was not applied (this laptop's, or a teammate's).
    pub mine: Shown,
    /// The value the server kept.
    pub theirs: Shown,
    /// Who made the edit that was not applied.
    pub mine_by: Option<String>,
    /// Who made the edit that was kept.
    pub theirs_by: Option<String>,
    /// When the conflict arose.
    pub created_at: DateTime<Utc>,
}

/// A local change the server refused.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedRow {
    /// The change.
    pub op_id: Id,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    pub record_id: Id,
    /// Its name, if it is on this laptop.
    pub record_name: Option<String>,
    /// insert, update, delete, restore.
    pub kind: String,
    /// The fields it changed.
    pub fields: Vec<String>,
    /// Why, as a stable code the UI translates (`out_of_scope`, ...).
    pub reason: String,
    /// What the translation needs: the server's parameters (`field`,
    /// `limit` in bytes) and `limit_kib`, the limit as people read it.
    pub params: serde_json::Map<String, Value>,
    /// When.
    pub rejected_at: DateTime<Utc>,
}

/// Which value settles a conflict.
#[derive(Debug, Clone, Deserialize)]
pub struct ResolveConflict {
    /// The conflict.
    pub id: Id,
    /// `mine` or `theirs`.
    pub keep: Keep,
}

/// A rejected change.
#[derive(Debug, Clone, Deserialize)]
pub struct RejectedId {
    /// The change.
    pub op_id: Id,
}

/// Sync state the app keeps between commands.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    running: AtomicBool,
    cancel: AtomicBool,
    last_error: std::sync::Mutex<Option<AppError>>,
}

/// Clears "running" however the sync ends.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A sync failure in the user's terms: a translation key and what it needs.
/// Nothing here is English; the detail that helps a bug report goes to stderr.
fn sync_error(e: SyncError) -> AppError {
    match e {
        SyncError::Unreachable { pending, detail } => {
            eprintln!("crm-app: server unreachable: {detail}");
            AppError::new("server_unreachable").with("count", pending)
        }
        SyncError::UntrustedCertificate { pending, detail } => {
            eprintln!("crm-app: untrusted certificate: {detail}");
            AppError::new("untrusted_certificate").with("count", pending)
        }
        SyncError::AnswerTooLarge { pending, limit_mb } => AppError::new("answer_too_large")
            .with("count", pending)
            .with("limit_mb", limit_mb),
        SyncError::TimedOut { pending, seconds } => AppError::new("sync_timed_out")
            .with("count", pending)
            .with("seconds", seconds),
        SyncError::Cancelled { pending } => AppError::new("sync_cancelled").with("count", pending),
        SyncError::NotLoggedIn => AppError::new("not_signed_in"),
        SyncError::Insecure(host) => AppError::new("insecure_server").with("host", host),
        SyncError::BadUrl(url) => AppError::new("bad_server_url").with("given", url),
        SyncError::Protocol(detail) => {
            eprintln!("crm-app: not the sync protocol: {detail}");
            AppError::new("not_a_crm_server")
        }
        SyncError::Server {
            code,
            message,
            params,
            ..
        } => {
            eprintln!("crm-app: the server refused: {code}: {message}");
            let seconds = params
                .get("retry_after_s")
                .and_then(Value::as_u64)
                .unwrap_or(60);
            let key = match code.as_str() {
                codes::BAD_LOGIN => "bad_login",
                codes::RATE_LIMITED => {
                    return AppError::new("rate_limited").with("seconds", seconds);
                }
                codes::BUSY => return AppError::new("server_busy").with("seconds", seconds),
                codes::TIMEOUT => "server_timeout",
                codes::TOO_LONG => {
                    let field = params
                        .get("field")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let max = params
                        .get("max")
                        .and_then(Value::as_u64)
                        .unwrap_or_default();
                    return AppError::new("too_long_for_server")
                        .with("field", field)
                        .with("max", max);
                }
                codes::UNAUTHORIZED | codes::DEVICE_REVOKED => "signed_out",
                codes::USER_DISABLED => "user_disabled",
                codes::UPGRADE_REQUIRED | codes::PROTOCOL_VERSION => "upgrade_required",
                codes::SERVER_TOO_OLD => "server_too_old",
                codes::INTERNAL => "server_error",
                _ => "server_refused",
            };
            AppError::new(key)
        }
        SyncError::Store(e) => e.into(),
    }
}

/// A refusal's parameters for its translation: as the server gave them, and
/// a byte limit in KiB as well.
fn reason_params(
    params: std::collections::BTreeMap<String, Value>,
) -> serde_json::Map<String, Value> {
    let kib = params
        .get("limit")
        .and_then(Value::as_u64)
        .map(|b| b.div_ceil(1024));
    let mut out: serde_json::Map<_, _> = params.into_iter().collect();
    if let Some(kib) = kib {
        out.insert("limit_kib".into(), kib.into());
    }
    out
}

/// The translation group of a choice field's values.
fn choice_group(entity: EntityKind, field: &str) -> String {
    match (entity, field) {
        (EntityKind::Lead, "status") => "lead_status".into(),
        (_, "lifecycle") => "lifecycle".into(),
        (_, "kind") => "kind".into(),
        (_, other) => other.into(),
    }
}

impl App {
    /// A handle of its own for network work; see the module comment.
    fn sync_handle(&self) -> Result<Store> {
        let path = Store::path_in(self.dir());
        if !path.exists() {
            return Err(AppError::new("no_database"));
        }
        Ok(Store::open(&path)?)
    }

    fn sync_options(&self) -> Result<Options> {
        let ca = self.dir().join(CA_FILE);
        Ok(Options {
            insecure: self.settings()?.insecure_server,
            ca_file: ca.exists().then_some(ca),
            ..Options::default()
        })
    }

    /// The oldest 50 changes waiting to be sent, for the Sync screen.
    pub fn sync_changes(&self) -> Result<Vec<PendingChange>> {
        self.read(|s| {
            Ok(s.outbox(50)?
                .into_iter()
                .map(|op| PendingChange {
                    seq: op.device_seq,
                    entity: op.entity,
                    record_id: op.record_id,
                    kind: op.kind.as_str().to_owned(),
                    fields: op.fields.keys().cloned().collect(),
                    at: DateTime::from_timestamp_millis(
                        i64::try_from(op.hlc.wall_ms).unwrap_or(i64::MAX),
                    )
                    .unwrap_or_default(),
                })
                .collect())
        })
    }

    /// Where the laptop stands: what waits, where it goes, how the last sync
    /// went. Counts only: the sidebar asks on every screen change.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let remembered = crate::lock(&self.sync.last_error).clone();
        self.read(|s| {
            let config = s.sync_config()?;
            // The database remembers that the last sync failed (perhaps in an
            // earlier run, or from `crm sync`), in English; this run
            // remembers why, translatable.
            let pending = s.outbox_len()?;
            let last_error = match &config {
                Some(c) if c.last_error.is_some() => {
                    let mut e = remembered.unwrap_or_else(|| AppError::new("last_sync_failed"));
                    // "Your N changes are safe" counts what waits now, not
                    // what waited when that sync failed.
                    if e.params.contains_key("count") {
                        e = e.with("count", pending);
                    }
                    Some(e)
                }
                _ => None,
            };
            Ok(SyncStatus {
                pending,
                server: config.as_ref().map(|c| c.server_url.clone()),
                email: config.as_ref().map(|c| c.email.clone()),
                signed_in: config.as_ref().is_some_and(|c| c.token.is_some()),
                last_sync_at: config.as_ref().and_then(|c| c.last_sync_at),
                last_error,
                conflicts: decisions(&s.open_conflicts_unnamed()?),
                rejected: s.rejected_count()?,
                running: self.sync.running.load(Ordering::SeqCst),
                demo: s.holds_demo_data()?,
            })
        })
    }

    /// Sign this laptop in to a team server. Records made here before the
    /// first sign-in become the user's; the next sync sends them.
    pub fn sync_login(&self, args: SignIn) -> Result<SyncStatus> {
        // A rep joining a team signs in before any database exists: one is
        // made for the sign-in, takes the server's identity when the server
        // accepts, and is removed again when it does not.
        let first = crate::lock(&self.problem).is_none() && !Store::path_in(self.dir()).exists();
        let current = if first {
            self.first_database(&args)?
        } else {
            self.sync_handle()?
        };
        // Demo data never meets a team server: with the user's consent, the
        // sign-in goes to a new database, which replaces this one only once
        // the server has accepted the login.
        let (mut store, demo) = if current.holds_demo_data()? {
            if !args.set_demo_aside {
                return Err(AppError::new("demo_data"));
            }
            (self.fresh_database(&current)?, Some(current))
        } else {
            (current, None)
        };
        let io = |e: std::io::Error| {
            eprintln!("crm-app: cannot keep the certificate: {e}");
            AppError::new("io")
        };
        // A new certificate is tried first and kept only if sign-in works.
        let given = args
            .ca_pem
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let trial = self.dir().join(format!("{CA_FILE}.new"));
        let options = match given {
            Some(pem) => {
                if !pem.contains("-----BEGIN CERTIFICATE-----") {
                    return Err(AppError::new("bad_certificate_file"));
                }
                std::fs::write(&trial, pem).map_err(io)?;
                Options {
                    insecure: args.insecure,
                    ca_file: Some(trial.clone()),
                    ..Options::default()
                }
            }
            None => Options {
                insecure: args.insecure,
                ..self.sync_options()?
            },
        };
        let signed_in = crm_sync::login(
            &mut store,
            &args.server,
            &args.email,
            &args.password,
            &options,
        );
        if given.is_some() {
            match signed_in {
                Ok(_) => std::fs::rename(&trial, self.dir().join(CA_FILE)).map_err(io)?,
                Err(_) => drop(std::fs::remove_file(&trial)),
            }
        }
        if let Some(demo) = demo {
            let fresh = store.path().to_owned();
            drop(store);
            if let Err(e) = signed_in {
                remove_database(&fresh);
                return Err(sync_error(e));
            }
            let kept = self.set_demo_aside(demo, &fresh);
            remove_database(&fresh);
            kept?;
            store = self.sync_handle()?;
        }
        if first && let Err(e) = signed_in {
            let made = store.path().to_owned();
            drop(store);
            remove_database(&made);
            return Err(sync_error(e));
        }
        signed_in.map_err(sync_error)?;
        let mut settings = self.settings()?;
        settings.insecure_server = args.insecure;
        settings.server_url = Some(args.server.trim().to_owned());
        settings.login = Some(args.email.trim().to_owned());
        settings.save(self.dir())?;
        *crate::lock(&self.sync.last_error) = None;
        // The user may have changed (the local profile adopted the server's
        // identity): reopen both connections so every query sees it.
        self.install(store)?;
        self.sync_status()
    }

    /// The database of a first sign-in: a placeholder profile (the login)
    /// that the server's identity replaces once it accepts.
    fn first_database(&self, args: &SignIn) -> Result<Store> {
        let code = args.currency.as_deref().unwrap_or("USD");
        let currency = crate::commands::currency(code)?;
        let email = args.email.trim();
        if email.is_empty() {
            return Err(AppError::invalid("email", &crm_domain::Problem::Empty));
        }
        Ok(Store::create(
            &Store::path_in(self.dir()),
            &NewUser {
                name: email.to_owned(),
                email: None,
                team: None,
                currency: currency.code().to_owned(),
            },
        )?)
    }

    /// A new database beside the current one (`crm-new.db`), for the same
    /// person and currency, to sign in from instead of a demo database.
    fn fresh_database(&self, current: &Store) -> Result<Store> {
        let path = self.dir().join(FRESH_DATABASE);
        // What a sign-in cut short (the app killed) may have left.
        remove_database(&path);
        let name = current
            .user(current.user_id())?
            .map_or_else(|| "Me".to_owned(), |u| u.name);
        Ok(Store::create(
            &path,
            &NewUser {
                name,
                email: None,
                team: None,
                currency: current.default_currency().to_owned(),
            },
        )?)
    }

    /// Keep the demo database as `crm-demo-<when>.db` beside it and give
    /// the database file the signed-in contents of `fresh`. Contents are
    /// copied, not files renamed: a `crm` command with the file open sees
    /// the old database or the new, and never loses its write-ahead log.
    fn set_demo_aside(&self, demo: Store, fresh: &Path) -> Result<()> {
        let stamp = Utc::now().format("%Y%m%d-%H%M%S");
        let kept = self.dir().join(format!("crm-demo-{stamp}.db"));
        demo.replace_with(fresh, &kept)?;
        eprintln!("crm-app: demo data kept in {}", kept.display());
        Ok(())
    }

    /// Sign out: the server forgets this laptop's token; data and queued
    /// changes stay here.
    pub fn sync_logout(&self) -> Result<SyncStatus> {
        let mut store = self.sync_handle()?;
        crm_sync::logout(&mut store, &self.sync_options()?).map_err(sync_error)?;
        self.sync_status()
    }

    /// Push local changes, then pull the team's, reporting progress. A sync
    /// that cannot finish keeps every queued change and says why.
    pub fn sync_now(&self, progress: &dyn Fn(Progress)) -> Result<SyncReport> {
        let state = &self.sync;
        if state.running.swap(true, Ordering::SeqCst) {
            return Err(AppError::new("sync_running"));
        }
        let running = Running(&state.running);
        state.cancel.store(false, Ordering::SeqCst);
        let mut store = self.sync_handle()?;
        let result = crm_sync::sync(
            &mut store,
            &self.sync_options()?,
            |p| {
                progress(match p {
                    crm_sync::Progress::Push { done, total } => Progress {
                        task: "sync_push",
                        done: done as u64,
                        total: total as u64,
                    },
                    crm_sync::Progress::Pull { done } => Progress {
                        task: "sync_pull",
                        done: done as u64,
                        total: 0,
                    },
                })
            },
            &state.cancel,
        )
        .map_err(|e| {
            let wiped = e.code() == codes::DEVICE_WIPED;
            let error = sync_error(e);
            if wiped { None } else { Some(error) }
        });
        let result = match result {
            Ok(summary) => Ok(summary),
            Err(Some(error)) => Err(error),
            // Marked lost: the sync handle goes first, then everything.
            Err(None) => {
                drop(store);
                return Err(self.wipe());
            }
        };
        *crate::lock(&state.last_error) = result.as_ref().err().cloned();
        let summary = result?;
        drop(running);
        Ok(SyncReport {
            summary,
            status: self.sync_status()?,
        })
    }

    /// Ask a running sync to stop after its current batch; what it already
    /// applied stays, what is queued stays queued.
    pub fn sync_cancel(&self) -> Result<()> {
        self.sync.cancel.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Open conflicts, newest first, values typed for display.
    pub fn list_conflicts(&self) -> Result<Vec<ConflictRow>> {
        self.read(|s| {
            let users: HashMap<String, String> = s
                .users()?
                .into_iter()
                .map(|u| (u.id.to_string(), u.name))
                .collect();
            s.open_conflicts()?
                .into_iter()
                .map(|c| conflict_row(s, &users, c))
                .collect()
        })
    }

    /// Settle a conflict by keeping one value; the decision syncs to everyone
    /// involved.
    pub fn resolve_conflict(&self, args: ResolveConflict) -> Result<()> {
        self.write(|s| Ok(s.resolve_conflict(args.id, args.keep)?))
    }

    /// Changes the server refused, newest first.
    pub fn list_rejected(&self) -> Result<Vec<RejectedRow>> {
        self.read(|s| {
            s.rejected()?
                .into_iter()
                .map(|r| {
                    Ok(RejectedRow {
                        op_id: r.op.op_id,
                        entity: r.op.entity,
                        record_id: r.op.record_id,
                        record_name: s.record_name(r.op.entity.name(), Some(r.op.record_id))?,
                        kind: r.op.kind.as_str().to_owned(),
                        fields: r.op.fields.keys().cloned().collect(),
                        reason: r.code,
                        params: reason_params(r.params),
                        rejected_at: r.rejected_at,
                    })
                })
                .collect()
        })
    }

    /// Queue a refused change again with the record's current values (after
    /// the reason went away, e.g. the account was given back).
    pub fn retry_rejected(&self, args: RejectedId) -> Result<SyncStatus> {
        self.write(|s| Ok(s.retry_rejected(args.op_id)?))?;
        self.sync_status()
    }

    /// Drop a refused change and put the server's version of the record back.
    pub fn discard_rejected(&self, args: RejectedId) -> Result<SyncStatus> {
        let mut store = self.sync_handle()?;
        crm_sync::discard_rejected(&mut store, args.op_id, &self.sync_options()?)
            .map_err(sync_error)?;
        self.sync_status()
    }
}

/// Conflicts with the same key are one decision: one record, one edit, the
/// same two people (a moved deal's stage and probability together).
fn decision_key(c: &ConflictView) -> String {
    match c.record_id {
        Some(record) => format!(
            "{record}|{}|{}|{}",
            c.created_at.timestamp_millis(),
            c.mine_by.as_deref().unwrap_or_default(),
            c.theirs_by.as_deref().unwrap_or_default()
        ),
        None => c.id.to_string(),
    }
}

/// Open conflicts counted as decisions (as the screen groups them).
fn decisions(open: &[ConflictView]) -> usize {
    open.iter()
        .map(decision_key)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

fn conflict_row(
    s: &Store,
    users: &HashMap<String, String>,
    c: ConflictView,
) -> Result<ConflictRow> {
    let entity = c.entity.parse::<EntityKind>().ok();
    // An amount is shown in its record's currency (any kind with one).
    let currency = entity
        .zip(c.record_id)
        .filter(|(kind, _)| kind.field("currency").is_some())
        .and_then(|(kind, id)| s.record(kind, id).ok())
        .and_then(|r| {
            r.fields
                .get("currency")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| s.default_currency().to_owned());
    let show = |v: &Value| -> Result<Shown> {
        Ok(match (v, entity) {
            (Value::Null, _) => Shown::Empty,
            (Value::String(d), _) if c.field == "*" && d == "deleted" => Shown::Deleted,
            (Value::Object(fields), _) if c.field == "*" => Shown::Edits {
                fields: fields.keys().cloned().collect(),
            },
            (v, Some(entity)) => shown(s, users, entity, &c.field, v, &currency)?,
            (v, None) => Shown::Text { value: text_of(v) },
        })
    };
    Ok(ConflictRow {
        decision: decision_key(&c),
        base: show(&c.base)?,
        mine: show(&c.mine)?,
        theirs: show(&c.theirs)?,
        id: c.id,
        entity: c.entity,
        record_id: c.record_id,
        record_name: c.record_name,
        field: c.field,
        mine_by: c.mine_by,
        theirs_by: c.theirs_by,
        created_at: c.created_at,
    })
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One field's value, typed by the field's definition.
fn shown(
    s: &Store,
    users: &HashMap<String, String>,
    entity: EntityKind,
    field: &str,
    v: &Value,
    currency: &str,
) -> Result<Shown> {
    let Some(def) = entity.field(field) else {
        return Ok(Shown::Text { value: text_of(v) });
    };
    Ok(match (def.ty, v) {
        (FieldType::Amount, Value::Number(n)) if n.as_i64().is_some() => Shown::Money {
            minor: n.as_i64().unwrap_or_default(),
            currency: currency.to_owned(),
        },
        (FieldType::Int { .. }, Value::Number(n)) if n.as_i64().is_some() => Shown::Number {
            value: n.as_i64().unwrap_or_default(),
        },
        (FieldType::Stage, Value::String(key)) => Shown::Choice {
            group: "stage".into(),
            key: key.clone(),
        },
        (FieldType::Choice(_), Value::String(key)) => Shown::Choice {
            group: choice_group(entity, field),
            key: key.clone(),
        },
        (FieldType::Bool, Value::Bool(b)) => Shown::Bool { value: *b },
        (FieldType::Bool, Value::Number(n)) => Shown::Bool {
            value: n.as_i64() != Some(0),
        },
        (FieldType::Ref(EntityKind::User), Value::String(id)) => Shown::Person {
            name: users.get(id).cloned().unwrap_or_else(|| id.clone()),
        },
        (FieldType::Ref(kind), Value::String(id)) => Shown::Record {
            name: match id.parse() {
                Ok(uuid) => s.record_name(kind.name(), Some(Id(uuid)))?,
                Err(_) => None,
            },
        },
        (_, v) => Shown::Text { value: text_of(v) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_failures_become_translation_keys_with_the_count_that_is_safe() {
        let e = sync_error(SyncError::Unreachable {
            pending: 3,
            detail: "connection refused (os error 111)".into(),
        });
        assert_eq!(e.message_key, "error.server_unreachable");
        assert_eq!(e.params["count"], 3, "the user is told how much is queued");
        assert!(
            !e.to_string().contains("os error"),
            "the network detail stays out"
        );
        let e = sync_error(SyncError::Server {
            status: 401,
            code: codes::BAD_LOGIN.into(),
            message: "wrong email or password".into(),
            params: Default::default(),
        });
        assert_eq!(e.message_key, "error.bad_login");
        let e = sync_error(SyncError::Server {
            status: 401,
            code: codes::DEVICE_REVOKED.into(),
            message: "revoked".into(),
            params: Default::default(),
        });
        assert_eq!(e.message_key, "error.signed_out");
        let e = sync_error(SyncError::Server {
            status: 418,
            code: "something_new".into(),
            message: "teapot".into(),
            params: Default::default(),
        });
        assert_eq!(
            e.message_key, "error.server_refused",
            "unknown codes get a general sentence, not the English message"
        );
        let e = sync_error(SyncError::Server {
            status: 503,
            code: codes::BUSY.into(),
            message: "busy".into(),
            params: [("retry_after_s".to_owned(), serde_json::json!(7))].into(),
        });
        assert_eq!(
            (e.message_key.as_str(), &e.params["seconds"]),
            ("error.server_busy", &serde_json::json!(7)),
            "a login storm says how long to wait"
        );
        let e = sync_error(SyncError::Server {
            status: 400,
            code: codes::TOO_LONG.into(),
            message: "too long".into(),
            params: [
                ("field".to_owned(), serde_json::json!("email")),
                ("max".to_owned(), serde_json::json!(254)),
            ]
            .into(),
        });
        assert_eq!(e.message_key, "error.too_long_for_server");
        assert_eq!(e.params["max"], 254);
    }

    #[test]
    fn the_fields_one_edit_changed_together_are_one_decision() {
        let at = Utc::now();
        let deal = Id::new();
        let conflict = |field: &str, record: Option<Id>, created_at| ConflictView {
            id: Id::new(),
            entity: "opportunity".into(),
            record_id: record,
            record_name: None,
            field: field.into(),
            base: Value::Null,
            mine: Value::Null,
            theirs: Value::Null,
            mine_by: Some("Li".into()),
            theirs_by: Some("Boss".into()),
            created_at,
        };
        let open = [
            conflict("stage", Some(deal), at),
            conflict("probability", Some(deal), at),
            conflict("amount", Some(deal), at + chrono::Duration::minutes(5)),
            conflict("stage", None, at),
        ];
        assert_eq!(decisions(&open), 3);
        assert_eq!(decisions(&[]), 0);
    }
}
