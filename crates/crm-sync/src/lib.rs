//! The laptop side of sync: log in, push the outbox in idempotent batches,
//! pull the team's changes page by page, and report progress. The desktop app
//! and the `crm` command both call this; it holds no SQL (the store does).

use std::{
    cell::{Cell, RefCell},
    collections::BTreeMap,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use crm_domain::{EntityKind, Id, User, change::spoken_schema};
use crm_protocol::{
    ErrorBody, FetchRequest, FetchResponse, LoginRequest, LoginResponse, Open, PROTOCOL_HEADER,
    PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, RenewRequest, RenewResponse,
    SCHEMA_HEADER, codes, schema_of,
};
use crm_store::{Store, StoreError};
use serde::{Serialize, de::DeserializeOwned};

/// Ops per push request.
pub const PUSH_BATCH: usize = 500;
/// Changes per pull page.
pub const PULL_PAGE: u32 = 5_000;
/// The largest answer read from a server. A current server's pull pages
/// stop at a few megabytes (`crm_protocol::PULL_PAGE_BYTES`); this leaves
/// room for a record from before records were limited.
pub const MAX_ANSWER_BYTES: u64 = 512 * 1024 * 1024;
/// How long one request may take, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a sync (or login) did not complete. Nothing queued is ever lost.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No network, or the server is down.
    #[error("server unreachable; {pending} changes are safe and queued ({detail})")]
    Unreachable {
        /// Changes waiting in the outbox.
        pending: i64,
        /// What the network layer said.
        detail: String,
    },
    /// The server answered, but with a certificate this computer does not
    /// trust (a company's own authority not given, expired, another name).
    #[error(
        "the server's certificate is not trusted ({detail}); give the company's certificate authority (PEM file). {pending} changes are safe and queued"
    )]
    UntrustedCertificate {
        /// Changes waiting in the outbox.
        pending: i64,
        /// What the TLS layer said.
        detail: String,
    },
    /// The server answered with an error.
    #[error("{message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Stable code (see `crm_protocol::codes`).
        code: String,
        /// The server's explanation.
        message: String,
        /// What the code needs to be said in the user's terms (a field, a
        /// limit, seconds to wait).
        params: BTreeMap<String, serde_json::Value>,
    },
    /// Not logged in yet (or logged out).
    #[error("not logged in: run `crm login --server URL --email EMAIL` first")]
    NotLoggedIn,
    /// Plain HTTP to a machine other than this one.
    #[error(
        "refusing to send a password or data over plain HTTP to {0}; use https:// (or --insecure on a trusted network)"
    )]
    Insecure(String),
    /// The URL does not parse.
    #[error("{0} is not a server address (expected https://host[:port])")]
    BadUrl(String),
    /// The server answered, but with more than this laptop reads at once
    /// (a page of very large records from a server that does not page by
    /// size), even after asking for smaller pages.
    #[error(
        "the server's answer is larger than {limit_mb} MB, more than this laptop takes at once; ask your administrator to update the server. {pending} changes are safe and queued"
    )]
    AnswerTooLarge {
        /// Changes waiting in the outbox.
        pending: i64,
        /// The most this laptop reads, in megabytes.
        limit_mb: u64,
    },
    /// The server was reached but its answer did not arrive in time (a slow
    /// link and a large page), even after asking for smaller pages.
    #[error(
        "the server's answer did not arrive within {seconds} seconds (a slow connection?); try again later. {pending} changes are safe and queued"
    )]
    TimedOut {
        /// Changes waiting in the outbox.
        pending: i64,
        /// How long a request may take.
        seconds: u64,
    },
    /// Cancelled by the user.
    #[error("sync cancelled; {pending} changes are safe and queued")]
    Cancelled {
        /// Changes waiting in the outbox.
        pending: i64,
    },
    /// The server sent something that is not the protocol.
    #[error("the server's answer could not be read ({0}); is the address right?")]
    Protocol(String),
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A stable code for user interfaces.
    pub fn code(&self) -> &str {
        match self {
            SyncError::Unreachable { .. } => "unreachable",
            SyncError::UntrustedCertificate { .. } => "untrusted_certificate",
            SyncError::AnswerTooLarge { .. } => "answer_too_large",
            SyncError::TimedOut { .. } => "timed_out",
            SyncError::Server { code, .. } => code,
            SyncError::NotLoggedIn => "not_logged_in",
            SyncError::Insecure(_) => "insecure",
            SyncError::BadUrl(_) => "bad_url",
            SyncError::Cancelled { .. } => "cancelled",
            SyncError::Protocol(_) => "protocol",
            SyncError::Store(e) => e.code(),
        }
    }
}

/// Where a sync is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Progress {
    /// Pushing: ops sent so far of those queued when the sync began.
    Push {
        /// Sent.
        done: usize,
        /// Queued.
        total: usize,
    },
    /// Pulling: changes applied so far.
    Pull {
        /// Applied.
        done: usize,
    },
}

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Local changes the server accepted as sent.
    pub pushed: usize,
    /// Of those, replays of changes it had already applied (an earlier
    /// sync's answer was lost); nothing was applied twice.
    pub replayed: usize,
    /// Changes from the team applied here.
    pub pulled: usize,
    /// Records that left this laptop (reassigned away).
    pub removed: usize,
    /// Local changes merged field by field with newer edits.
    pub merged: usize,
    /// Conflicts to resolve (new ones, from both directions).
    pub conflicts: usize,
    /// Local changes the server refused (see `crm sync status`).
    pub rejected: usize,
    /// Changes still queued.
    pub pending: i64,
    /// Pairs of records that look like the same customer or person.
    pub possible_duplicates: usize,
    /// Local changes held back because the server's version does not know
    /// them yet (they go by themselves once it is updated).
    pub held: usize,
    /// Pulled records this laptop could not read (kinds it does not know, or
    /// damaged values): left out, the rest applied.
    pub unreadable: usize,
    /// This laptop's data folder had been copied back (an OS backup, a disk
    /// image) and had reused change numbers: it went on as a new device
    /// and sent its queued changes again; nothing was lost. Told once, in
    /// the sync that found it.
    pub restored_copy: bool,
}

/// Options of a sync or login.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Allow plain HTTP to other machines.
    pub insecure: bool,
    /// A PEM file of extra trusted certificate authorities (a company CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// The largest answer to read, in bytes ([`MAX_ANSWER_BYTES`] if not given).
    pub max_answer_bytes: Option<u64>,
    /// How long one request may take ([`REQUEST_TIMEOUT`] if not given).
    pub timeout: Option<Duration>,
}

/// Check a server address: https anywhere, http only to this machine unless
/// `insecure`. Returns it without a trailing slash.
pub fn check_url(url: &str, insecure: bool) -> Result<String, SyncError> {
    let url = url.trim().trim_end_matches('/');
    let bad = || SyncError::BadUrl(url.to_owned());
    let parsed = url::Url::parse(url).map_err(|_| bad())?;
    // The host judged is the one the client will connect to: the URL parser
    // reads `http://[::1]@host` as user `[::1]` at `host`, as the HTTP
    // client does. A server address never carries a user or password.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad());
    }
    let loopback = match parsed.host().ok_or_else(bad)? {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    let host = parsed.host_str().unwrap_or_default().to_owned();
    match parsed.scheme() {
        "https" => Ok(url.to_owned()),
        "http" if loopback || insecure => Ok(url.to_owned()),
        "http" => Err(SyncError::Insecure(host)),
        _ => Err(bad()),
    }
}

/// An HTTP client for one server.
pub struct Client {
    base: String,
    agent: ureq::Agent,
    token: RefCell<Option<String>>,
    pending: i64,
    max_answer_bytes: u64,
    timeout: Duration,
    /// The synced-schema version the server said it speaks in its last
    /// answer (none yet: `None`; an answer without the header: the first).
    server_schema: Cell<Option<u32>>,
}

fn agent(options: &Options) -> Result<ureq::Agent, SyncError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(path) = &options.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SyncError::Protocol(format!("{}: {e}", path.display())))?;
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(options.timeout.unwrap_or(REQUEST_TIMEOUT)))
        .tls_config(tls.build())
        .build()
        .into())
}

impl Client {
    /// A client for `base` (checked with [`check_url`]).
    pub fn new(
        base: &str,
        token: Option<String>,
        options: &Options,
        pending: i64,
    ) -> Result<Self, SyncError> {
        Ok(Client {
            base: check_url(base, options.insecure)?,
            agent: agent(options)?,
            token: RefCell::new(token),
            pending,
            max_answer_bytes: options.max_answer_bytes.unwrap_or(MAX_ANSWER_BYTES),
            timeout: options.timeout.unwrap_or(REQUEST_TIMEOUT),
            server_schema: Cell::new(None),
        })
    }

    /// The synced-schema version the server spoke in its last answer.
    pub fn server_schema(&self) -> Option<u32> {
        self.server_schema.get()
    }

    fn unreachable(&self, e: ureq::Error) -> SyncError {
        let pending = self.pending;
        // The handshake runs inside the first read or write, so rustls's
        // verdict usually arrives wrapped in an I/O error.
        let tls = match &e {
            ureq::Error::Rustls(tls) => Some(tls),
            ureq::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref()),
            _ => None,
        };
        if let Some(rustls::Error::InvalidCertificate(why)) = tls {
            return SyncError::UntrustedCertificate {
                pending,
                detail: why.to_string(),
            };
        }
        // The server was reached: what went wrong is the size or the time
        // of its answer, which "unreachable" would hide.
        let timed_out = match &e {
            ureq::Error::Timeout(t) => !matches!(
                t,
                ureq::Timeout::Connect | ureq::Timeout::Resolve | ureq::Timeout::SendRequest
            ),
            ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
            _ => false,
        };
        if let ureq::Error::BodyExceedsLimit(_) = e {
            return SyncError::AnswerTooLarge {
                pending,
                limit_mb: self.max_answer_bytes.div_ceil(1024 * 1024),
            };
        }
        if timed_out {
            return SyncError::TimedOut {
                pending,
                seconds: self.timeout.as_secs(),
            };
        }
        SyncError::Unreachable {
            pending,
            detail: e.to_string(),
        }
    }

    fn answer<T: DeserializeOwned>(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, SyncError> {
        let mut response = response.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        if status != 404 && status < 500 {
            self.server_schema.set(Some(schema_of(
                response
                    .headers()
                    .get(SCHEMA_HEADER)
                    .and_then(|v| v.to_str().ok()),
            )));
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(self.max_answer_bytes)
            .read_to_string()
            .map_err(|e| self.unreachable(e))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| SyncError::Protocol(e.to_string()));
        }
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => Err(SyncError::Server {
                status,
                code: body.error.code,
                message: body.error.message,
                params: body.error.params,
            }),
            // A proxy or a dying server: not our protocol, so treat it as down.
            Err(_) if status >= 500 => Err(SyncError::Unreachable {
                pending: self.pending,
                detail: format!("HTTP {status}"),
            }),
            Err(_) => Err(SyncError::Protocol(format!("HTTP {status}"))),
        }
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        let mut request = self
            .agent
            .post(format!("{}/api/v1/{path}", self.base))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(SCHEMA_HEADER, spoken_schema().to_string());
        if let Some(token) = self.token.borrow().as_ref() {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.answer(request.send_json(body))
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, SyncError> {
        let mut request = self
            .agent
            .get(format!("{}/api/v1/{path}", self.base))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(SCHEMA_HEADER, spoken_schema().to_string());
        if let Some(token) = self.token.borrow().as_ref() {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.answer(request.call())
    }
}

fn client_for(store: &Store, options: &Options) -> Result<Client, SyncError> {
    let config = store.sync_config()?.ok_or(SyncError::NotLoggedIn)?;
    let token = store.device_token()?.ok_or(SyncError::NotLoggedIn)?;
    Client::new(
        &config.server_url,
        Some(token.to_string()),
        options,
        store.outbox_len()?,
    )
}

/// Log in to `server` and make this laptop a device of that user. Records made
/// here before the first login become the user's.
pub fn login(
    store: &mut Store,
    server: &str,
    email: &str,
    password: &str,
    options: &Options,
) -> Result<User, SyncError> {
    // Before the password leaves: invented customers never reach a team.
    store.refuse_demo_data()?;
    let client = Client::new(server, None, options, store.outbox_len()?)?;
    let device_name = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "laptop".to_owned());
    let answer: LoginResponse = client.post(
        "login",
        &LoginRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            device_id: store.device_id(),
            device_name,
        },
    )?;
    store.record_login(
        &client.base,
        email.trim(),
        &answer.token,
        &answer.user,
        answer.series,
    )?;
    store.set_lease(answer.lease, answer.lease_key.as_deref())?;
    if let Some(version) = client.server_schema() {
        store.set_server_schema(version)?;
    }
    Ok(answer.user)
}

/// Sign this laptop out: the server forgets the token; data and queued
/// changes stay here.
pub fn logout(store: &mut Store, options: &Options) -> Result<(), SyncError> {
    if let Ok(client) = client_for(store, options) {
        // Offline is fine: the token is forgotten here either way.
        let _: Result<serde_json::Value, _> = client.post("logout", &serde_json::json!({}));
    }
    store.record_logout()?;
    Ok(())
}

/// Push everything queued, then pull until up to date. `cancel` is checked
/// between batches and pages; progress is reported after each.
pub fn sync(
    store: &mut Store,
    options: &Options,
    mut progress: impl FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Summary, SyncError> {
    // One sync at a time per database (the app and `crm sync` at once): the
    // second waits for the first, then finds little left to do.
    let lock_path = store.path().with_extension("sync-lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| SyncError::Store(StoreError::Io(e)))?;
    lock.lock()
        .map_err(|e| SyncError::Store(StoreError::Io(e)))?;
    let result = sync_inner(store, options, &mut progress, cancel);
    drop(lock);
    let error = result.as_ref().err().map(ToString::to_string);
    store.record_sync_result(error.as_deref())?;
    result
}

fn sync_inner(
    store: &mut Store,
    options: &Options,
    progress: &mut impl FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Summary, SyncError> {
    let client = client_for(store, options)?;
    let mut summary = Summary::default();
    // Changes held for a server update that the server now understands go
    // first; then push, pull, and push again what the pull's answer showed
    // the server (updated meanwhile) now understands.
    let mut server_schema = store.server_schema()?;
    store.release_held(server_schema)?;
    push(
        store,
        &client,
        &mut summary,
        &mut server_schema,
        progress,
        cancel,
    )?;
    let arrived = pull(
        store,
        &client,
        &mut summary,
        &mut server_schema,
        progress,
        cancel,
    )?;
    if store.release_held(server_schema)? > 0 {
        push(
            store,
            &client,
            &mut summary,
            &mut server_schema,
            progress,
            cancel,
        )?;
    }
    summary.held = store.held_count()?;
    summary.pending = store.outbox_len()?;
    // Two reps may have created the same customer offline: point out the
    // pairs the records that arrived take part in. A big arrival (a first
    // sync of a whole book) is the team's data as it stands: the check
    // waits for `crm duplicates`.
    if arrived.len() <= PULL_PAGE as usize {
        summary.possible_duplicates = store.duplicates_among(&arrived)?.len();
    }
    Ok(summary)
}

fn cancelled(store: &Store) -> Result<SyncError, SyncError> {
    Ok(SyncError::Cancelled {
        pending: store.outbox_len()?,
    })
}

/// Note the version the server spoke in its last answer.
fn heard(store: &mut Store, client: &Client, server_schema: &mut u32) -> Result<(), SyncError> {
    if let Some(version) = client.server_schema()
        && version != *server_schema
    {
        store.set_server_schema(version)?;
        *server_schema = version;
    }
    Ok(())
}

/// Push the outbox in batches. Each batch is settled as soon as its verdicts
/// arrive; a batch whose answer is lost is sent again and the server answers
/// "duplicate". What the server's version could not understand is held back
/// first, so an older server (which refuses a whole push naming a kind it
/// does not know) still takes everything else.
fn push(
    store: &mut Store,
    client: &Client,
    summary: &mut Summary,
    server_schema: &mut u32,
    progress: &mut impl FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<(), SyncError> {
    let total = usize::try_from(store.outbox_len()?).unwrap_or(usize::MAX);
    let mut sent = 0;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(cancelled(store)?);
        }
        store.hold_for_server(*server_schema)?;
        let ops = store.outbox(PUSH_BATCH)?;
        if ops.is_empty() {
            break;
        }
        let ops = ops.into_iter().map(Open::Known).collect();
        let answer: PushResponse = client.post("push", &PushRequest { ops })?;
        crm_domain::fault::point("push_answered");
        heard(store, client, server_schema)?;
        if answer.verdicts.is_empty() {
            return Err(SyncError::Protocol("the server gave no verdict".into()));
        }
        let settled = store.settle(&answer.verdicts)?;
        if answer
            .verdicts
            .iter()
            .any(|v| v.code.as_deref() == Some(codes::SEQ_REUSED))
        {
            // Once is all it takes: as a new device nothing was spent.
            if summary.restored_copy {
                return Err(SyncError::Protocol(
                    "the server refused the new device's change numbers".into(),
                ));
            }
            renew(store, client)?;
            summary.restored_copy = true;
        }
        if answer
            .verdicts
            .iter()
            .any(|v| v.code.as_deref() == Some(codes::CLOCK_AHEAD))
        {
            store.reset_clock(answer.server_time_ms)?;
        }
        summary.pushed += settled.applied + settled.replayed;
        summary.replayed += settled.replayed;
        summary.merged += settled.merged;
        // Conflicts are counted when their records arrive in the pull, once,
        // whichever laptop's edit lost.
        summary.rejected += settled.rejected;
        sent += answer.verdicts.len();
        progress(Progress::Push { done: sent, total });
    }
    Ok(())
}

/// Go on as a new device (the server found this laptop's change numbers
/// spent: its data folder was copied back): the server registers a new id
/// with a fresh sequence, and the queued changes are renumbered for it.
fn renew(store: &mut Store, client: &Client) -> Result<(), SyncError> {
    let device_id = Id::new();
    let answer: RenewResponse = client.post("device/renew", &RenewRequest { device_id })?;
    store.renew_device(device_id, &answer.token, answer.series)?;
    store.set_lease(None, answer.lease_key.as_deref())?;
    *client.token.borrow_mut() = Some(answer.token);
    Ok(())
}

/// Pull until up to date, page by page. A laptop or server updated since
/// this copy was pulled starts again from the beginning (keeping
/// everything) to take the kinds and fields it skipped.
fn pull(
    store: &mut Store,
    client: &Client,
    summary: &mut Summary,
    server_schema: &mut u32,
    progress: &mut impl FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Vec<(EntityKind, Id)>, SyncError> {
    store.prepare_pull(spoken_schema().min(*server_schema))?;
    let mut arrived = Vec::new();
    let mut page_size = PULL_PAGE;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(cancelled(store)?);
        }
        let cursor = store.sync_config()?.map_or(0, |c| c.cursor);
        let page: PullResponse = match client
            .get(&format!("pull?cursor={cursor}&limit={page_size}"))
        {
            Ok(page) => page,
            // A server that does not page by size (or a slow link) may
            // send more than this laptop takes: ask for fewer changes.
            Err(SyncError::AnswerTooLarge { .. } | SyncError::TimedOut { .. }) if page_size > 1 => {
                page_size = (page_size / 10).max(1);
                continue;
            }
            Err(e) => return Err(e),
        };
        heard(store, client, server_schema)?;
        store.set_lease(page.lease, None)?;
        if page.resync {
            store.reset_for_resync()?;
            continue;
        }
        let total = page.changes.len();
        let known: Vec<_> = page
            .changes
            .into_iter()
            .filter_map(Open::into_known)
            .collect();
        summary.unreadable += total - known.len();
        let applied = store.apply_pull(&known, page.cursor, page.more)?;
        summary.pulled += applied.upserts;
        summary.removed += applied.removals;
        summary.conflicts += applied.conflicts;
        summary.unreadable += applied.damaged;
        arrived.extend(applied.arrived);
        progress(Progress::Pull {
            done: summary.pulled,
        });
        if !page.more {
            break;
        }
    }
    Ok(arrived)
}

/// Drop a rejected change and put the server's version of its record back
/// (when the server is reachable; otherwise the next change to the record
/// brings it).
pub fn discard_rejected(store: &mut Store, op_id: Id, options: &Options) -> Result<(), SyncError> {
    let record = store.discard_rejected(op_id)?;
    if let Ok(client) = client_for(store, options)
        && let Ok(answer) =
            client.post::<_, FetchResponse>("fetch", &FetchRequest { ids: vec![record] })
    {
        store.apply_fetched(&answer.records)?;
    }
    Ok(())
}

/// Whether an error means "try again later" rather than "fix something".
pub fn is_transient(e: &SyncError) -> bool {
    matches!(
        e,
        SyncError::Unreachable { .. } | SyncError::Cancelled { .. } | SyncError::TimedOut { .. }
    ) || matches!(e, SyncError::Server { code, .. }
        if [codes::INTERNAL, codes::RATE_LIMITED, codes::BUSY, codes::TIMEOUT].contains(&code.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine_unless_told() {
        assert!(check_url("http://127.0.0.1:8640", false).is_ok());
        assert!(check_url("http://localhost:8640/", false).is_ok());
        assert!(check_url("http://[::1]:8640", false).is_ok());
        assert!(check_url("https://crm.example.com", false).is_ok());
        assert!(matches!(
            check_url("http://crm.example.com", false),
            Err(SyncError::Insecure(_))
        ));
        assert!(check_url("http://crm.example.com", true).is_ok());
        assert!(matches!(
            check_url("crm.example.com", false),
            Err(SyncError::BadUrl(_))
        ));
        assert!(matches!(
            check_url("ftp://crm.example.com", false),
            Err(SyncError::BadUrl(_))
        ));
        assert_eq!(
            check_url("https://crm.example.com/", false).unwrap(),
            "https://crm.example.com"
        );
    }

    /// A server that answers every request with a status line, headers
    /// promising `length` bytes of body, and then `body` (all of it, or a
    /// stall).
    fn fake_server(length: usize, body: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let body = body.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                    std::thread::sleep(Duration::from_secs(5));
                });
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn an_answer_too_large_or_too_slow_says_so_instead_of_unreachable() {
        let options = Options {
            max_answer_bytes: Some(1024),
            timeout: Some(Duration::from_millis(500)),
            ..Options::default()
        };
        let big = fake_server(4096, vec![b' '; 4096]);
        let client = Client::new(&big, Some("t".into()), &options, 3).unwrap();
        let err = client.get::<PullResponse>("pull?cursor=0").unwrap_err();
        assert!(
            matches!(
                err,
                SyncError::AnswerTooLarge {
                    pending: 3,
                    limit_mb: 1
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.code(), "answer_too_large");
        assert!(!is_transient(&err), "waiting does not make it smaller");

        let stalled = fake_server(4096, b"{".to_vec());
        let client = Client::new(&stalled, Some("t".into()), &options, 3).unwrap();
        let err = client.get::<PullResponse>("pull?cursor=0").unwrap_err();
        assert!(
            matches!(err, SyncError::TimedOut { pending: 3, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), "timed_out");
        assert!(is_transient(&err));

        // Nobody listening is still "unreachable".
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let client = Client::new(&closed, None, &options, 3).unwrap();
        let err = client.get::<PullResponse>("pull?cursor=0").unwrap_err();
        assert_eq!(err.code(), "unreachable", "{err:?}");
    }

    #[test]
    fn the_host_judged_is_the_one_connected_to() {
        // Userinfo that looks like a loopback address must not let a
        // password travel in clear to another machine.
        for url in [
            "http://[::1]@crm.example.com",
            "http://localhost@crm.example.com:8640",
            "http://127.0.0.1:x@crm.example.com",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
        }
        assert!(matches!(
            check_url("http://localhost.crm.example.com", false),
            Err(SyncError::Insecure(_))
        ));
        assert!(matches!(
            check_url("http://127.0.0.1.example.com", false),
            Err(SyncError::Insecure(_))
        ));
        assert!(check_url("http://127.0.0.2:8640", false).is_ok());
    }
}
