//! HTTP routes under `/api/v1/`. `app(state)` builds the router apart from
//! `main`, so tests serve it on a real port.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    BoxError, Json, Router,
    body::{Body, Bytes, HttpBody},
    extract::{
        ConnectInfo, DefaultBodyLimit, FromRequestParts, Query, Request, State,
        rejection::BytesRejection,
    },
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{CONNECTION, RETRY_AFTER},
        request::Parts,
    },
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use axum_server::{Handle, tls_rustls::RustlsConfig};
use crm_domain::change::spoken_schema;
use crm_protocol::{
    ErrorBody, ErrorDetail, FetchRequest, FetchResponse, LoginRequest, LoginResponse,
    MAX_PULL_LIMIT, MAX_PUSH_OPS, MeResponse, Open, PROTOCOL_HEADER, PROTOCOL_VERSION, PullQuery,
    PushRequest, PushResponse, RenewRequest, RenewResponse, SCHEMA_HEADER, codes,
};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower_http::{
    compression::CompressionLayer, decompression::RequestDecompressionLayer, trace::TraceLayer,
};

use crate::{
    Database,
    auth::{self, LoginError},
    backend::{Backend, DeviceRow, StorageError, UserRow},
    intake::{self, Accepted, Buckets, CaseRequest, IntakeError, LeadRequest, MAX_INTAKE_BODY},
    sync,
    throttle::{self, Guesses, Hashing},
};

/// The header an intake request names its key in.
pub const INTAKE_KEY_HEADER: &str = "x-crm-intake-key";

/// The largest request body accepted (a push of 1,000 ops is about 1 MB).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The largest login body accepted: its three strings at their longest
/// (`crm_protocol::MAX_*_CHARS`), escaped, fit many times over.
pub const MAX_LOGIN_BODY: usize = 16 * 1024;

/// How much one connection and the logins may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's line and headers must arrive within this, counted from
    /// when the server starts reading them (a new connection, or the end of
    /// the previous answer on a kept-alive one): a client that sends them
    /// byte by byte, or stays silent, is disconnected.
    pub header_timeout: Duration,
    /// A request's body must arrive whole within this.
    pub body_timeout: Duration,
    /// Password hashes computed at once (each takes a core and 19 MiB).
    pub hashing_slots: usize,
    /// Logins waiting for a hashing slot; beyond them a login is answered
    /// `busy` (503) at once.
    pub hashing_queue: usize,
    /// Failed logins one client address may make, across accounts, within
    /// the window before it is slowed down.
    pub failures_per_client: i64,
    /// Client addresses whose failures are remembered (in memory).
    pub clients_tracked: usize,
    /// Requests per second one intake key may send, sustained (twice as
    /// many in a burst).
    pub intake_per_second: u32,
    /// How long a laptop may stay away (told to laptops at login and with
    /// every pull).
    pub lease: crm_protocol::lease::LeasePolicy,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Limits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(120),
            hashing_slots: cores,
            hashing_queue: 16 * cores,
            failures_per_client: 20,
            clients_tracked: 10_000,
            intake_per_second: 20,
            lease: crm_protocol::lease::LeasePolicy::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Arc<Database>,
    /// The current time in UTC milliseconds (replaced in tests).
    pub now: fn() -> i64,
    /// The limits it serves under.
    pub limits: Limits,
    /// The password hashes being computed.
    pub hashing: Arc<Hashing>,
    /// Failed logins per client address.
    pub guesses: Arc<Guesses>,
    /// Intake requests per key.
    pub intake: Arc<Buckets>,
}

impl AppState {
    /// State over `db` with the real clock and the default limits.
    pub fn new(db: Database) -> Self {
        Self::with_limits(db, Limits::default())
    }

    /// State over `db` with the real clock and `limits`.
    pub fn with_limits(db: Database, limits: Limits) -> Self {
        AppState {
            db: Arc::new(db),
            now: || chrono::Utc::now().timestamp_millis(),
            limits,
            hashing: Arc::new(Hashing::new(limits.hashing_slots, limits.hashing_queue)),
            guesses: Arc::new(Guesses::new(
                limits.clients_tracked,
                limits.failures_per_client,
            )),
            intake: Arc::new(Buckets::new(
                limits.intake_per_second,
                limits.intake_per_second.saturating_mul(2),
            )),
        }
    }
}

/// An error answer: status, stable code, its parameters, human message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    params: BTreeMap<String, Value>,
    retry_after_s: Option<i64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            params: BTreeMap::new(),
            retry_after_s: None,
        }
    }

    fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    /// A refusal to wait: `Retry-After` and the `retry_after_s` parameter.
    fn retry_after(mut self, seconds: i64) -> Self {
        self.retry_after_s = Some(seconds);
        self.with("retry_after_s", seconds)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                params: self.params,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // What is left of the request is not read: the connection ends.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, codes::BAD_REQUEST, message)
            }
            other => {
                // Details stay in the server log; the client gets a plain sentence.
                tracing::error!(error = %other, "storage failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::INTERNAL,
                    "the server could not complete the request; nothing was lost, try again",
                )
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "the server failed",
        )
    })?
}

/// A JSON body parsed with our own error answers (size, syntax, time).
fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::TOO_LARGE,
                "the request is larger than the server takes; send smaller batches",
            )
        } else if caused_by::<BodyTimedOut>(&rejection) {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                codes::TIMEOUT,
                "the request did not arrive in time; try again",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                rejection.body_text(),
            )
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("the request body is not valid: {e}"),
        )
    })
}

/// Whether `E` is somewhere in the chain of causes of `error`.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<E>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A request body that did not arrive whole within [`Limits::body_timeout`].
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

/// Give every request body a deadline: past it, reading the body fails
/// (answered 408 and the connection closed), so a client that sends its
/// body a byte at a time cannot hold a connection and a task for ever.
async fn body_deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let deadline = tokio::time::Instant::now() + state.limits.body_timeout;
    let request = request.map(|body| {
        let chunks =
            futures_util::stream::unfold(Some(body.into_data_stream()), move |chunks| async move {
                let mut chunks = chunks?;
                match tokio::time::timeout_at(deadline, chunks.next()).await {
                    Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(chunks))),
                    Ok(Some(Err(e))) => Some((Err(BoxError::from(e)), None)),
                    Ok(None) => None,
                    Err(_) => Some((Err(BoxError::from(BodyTimedOut)), None)),
                }
            });
        Body::from_stream(chunks)
    });
    next.run(request).await
}

/// Every `/api/v1` request must say which protocol it speaks.
async fn require_protocol(headers: HeaderMap, request: Request, next: Next) -> Response {
    let version = headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    match version {
        Some(PROTOCOL_VERSION) => next.run(request).await,
        Some(other) if other > PROTOCOL_VERSION => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::PROTOCOL_VERSION,
            format!("the app speaks sync protocol {other}, this server only {PROTOCOL_VERSION}; update the server"),
        )
        .into_response(),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::PROTOCOL_VERSION,
            format!("sync protocol {PROTOCOL_VERSION} is required (header {PROTOCOL_HEADER}); update the app"),
        )
        .into_response(),
    }
}

/// The authenticated user and device of a request.
pub struct Caller {
    /// The user.
    pub user: UserRow,
    /// Their device.
    pub device: DeviceRow,
    /// The synced-schema version the laptop speaks (its `x-crm-schema`
    /// header; the first release sent none).
    pub schema: u32,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let schema = spoken_schema().min(crm_protocol::schema_of(
            parts
                .headers
                .get(SCHEMA_HEADER)
                .and_then(|v| v.to_str().ok()),
        ));
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    codes::UNAUTHORIZED,
                    "log in first (crm login)",
                )
            })?
            .to_owned();
        let db = state.db.clone();
        let now = (state.now)();
        blocking(move || {
            let hash = auth::token_hash(&token);
            let found = db.read(|tx| {
                let Some(device) = tx.device_by_token(&hash)? else {
                    return Ok(None);
                };
                let user = tx.user(device.user_id)?;
                Ok(user.map(|u| (u, device)))
            })?;
            let Some((user, device)) = found else {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    codes::UNAUTHORIZED,
                    "the login is not valid any more; log in again (crm login)",
                ));
            };
            if device.wipe_requested_at.is_some() {
                if device.wipe_sent_at.is_none() {
                    let mut told = device.clone();
                    told.wipe_sent_at = Some(now);
                    db.write(|tx| tx.update_device(&told))?;
                }
                tracing::warn!(device = %device.id, user = %user.email, "a laptop marked lost was told to erase its data");
                return Err(ApiError::new(
                    StatusCode::GONE,
                    codes::DEVICE_WIPED,
                    auth::WIPED_MESSAGE,
                ));
            }
            if device.revoked_at.is_some() {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    codes::DEVICE_REVOKED,
                    "this laptop was signed out by an administrator; your unsynced changes are kept, log in again to send them",
                ));
            }
            if !user.active {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    codes::USER_DISABLED,
                    "this account has been disabled; your unsynced changes are kept on the laptop",
                ));
            }
            Ok(Caller {
                user,
                device,
                schema,
            })
        })
        .await
    }
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let request: LoginRequest = parse(body)?;
    // Before anything is counted, stored or hashed.
    auth::check_lengths(&request.email, &request.password, &request.device_name)
        .map_err(login_error)?;
    let now = (state.now)();
    // The peer address: no setting says a proxy is in front, so no
    // forwarded header is trusted (any client could write one).
    let client = throttle::client_of(peer.ip());
    let reservation = state.guesses.reserve(client, now).map_err(|wait_ms| {
        login_error(LoginError::RateLimited {
            retry_after_ms: wait_ms,
        })
    })?;
    let slot = state.hashing.enter().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::BUSY,
            "the server is answering many logins at once; try again in a moment",
        )
        .retry_after(BUSY_RETRY_AFTER_S)
    })?;
    let device_id = request.device_id;
    let db = Arc::clone(&state.db);
    let result = blocking(move || {
        let _slot = slot;
        let client = throttle::client_name(client);
        Ok(auth::login(
            db.as_ref(),
            auth::Attempt {
                email: &request.email,
                password: &request.password,
                device_id,
                device_name: &request.device_name,
                client: &client,
                now_ms: now,
            },
        ))
    })
    .await?;
    let (user, registered) = match result {
        Ok(done) => done,
        Err(e) => {
            if matches!(e, LoginError::BadLogin) {
                reservation.keep();
            }
            return Err(login_error(e));
        }
    };
    tracing::info!(user = %user.email, device = %device_id, series = registered.series, "login");
    Ok(Json(LoginResponse {
        token: registered.token,
        user: user_view(&user),
        series: Some(registered.series),
        lease: Some(state.limits.lease),
        lease_key: registered.lease_key,
    }))
}

/// How long a login turned away as `busy` is told to wait.
const BUSY_RETRY_AFTER_S: i64 = 2;

fn login_error(e: LoginError) -> ApiError {
    let message = e.to_string();
    match e {
        LoginError::BadLogin => ApiError::new(StatusCode::UNAUTHORIZED, codes::BAD_LOGIN, message),
        LoginError::RateLimited { retry_after_ms } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, codes::RATE_LIMITED, message)
                .retry_after(auth::retry_after_s(retry_after_ms))
        }
        LoginError::TooLong { field, max } => {
            ApiError::new(StatusCode::BAD_REQUEST, codes::TOO_LONG, message)
                .with("field", field)
                .with("max", max)
        }
        LoginError::Wiped => ApiError::new(StatusCode::GONE, codes::DEVICE_WIPED, message),
        LoginError::Storage(s) => s.into(),
    }
}

/// The directory entry of a user (no secrets).
pub fn user_view(user: &UserRow) -> crm_domain::User {
    crm_domain::User {
        id: user.id,
        name: user.name.clone(),
        email: Some(user.email.clone()),
        role: user.role.clone(),
        team: user.team.clone(),
        active: user.active,
    }
}

async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    let now = (state.now)();
    blocking(move || {
        auth::logout(state.db.as_ref(), &caller.device, now)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// A laptop restored from a copy of its data folder goes on as a new device
/// (it was told `seq_reused`): same user, fresh sequence, its own token.
async fn renew(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RenewResponse>, ApiError> {
    let request: RenewRequest = parse(body)?;
    let now = (state.now)();
    let (old, new) = (caller.device.id, request.device_id);
    let renewed = blocking(move || {
        Ok(auth::renew_device(
            state.db.as_ref(),
            &caller.device,
            new,
            now,
        )?)
    })
    .await?;
    tracing::info!(%old, %new, series = renewed.series, "device renewed after a restore");
    Ok(Json(RenewResponse {
        token: renewed.token,
        series: Some(renewed.series),
        lease_key: renewed.lease_key,
    }))
}

async fn me(State(state): State<AppState>, caller: Caller) -> Json<MeResponse> {
    Json(MeResponse {
        user: user_view(&caller.user),
        device_id: caller.device.id,
        server_time_ms: (state.now)(),
        schema_version: spoken_schema(),
    })
}

async fn push(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let request: PushRequest = parse(body)?;
    if request.ops.len() > MAX_PUSH_OPS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!("at most {MAX_PUSH_OPS} changes per push"),
        ));
    }
    // An op of a newer version gets its own verdict (it waits on the
    // laptop); one too old for this server stops the push, queue kept.
    if request
        .ops
        .iter()
        .filter_map(Open::known)
        .any(|op| op.schema_version < sync::MIN_SCHEMA_VERSION)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::UPGRADE_REQUIRED,
            "this version of the app is too old for the server; update the app. Your changes are kept and will sync after the update",
        ));
    }
    let ops = request
        .ops
        .into_iter()
        .map(sync::Pushed::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message))?;
    let request = ops;
    let now = (state.now)();
    let ops = request.len();
    let user = caller.user.email.clone();
    let verdicts = blocking(move || {
        Ok(state.db.write(|tx| {
            sync::push(
                tx,
                &caller.user,
                caller.device.id,
                caller.schema,
                &request,
                now,
            )
        })?)
    })
    .await?;
    tracing::info!(%user, ops, "push");
    Ok(Json(PushResponse {
        verdicts,
        server_time_ms: now,
    }))
}

async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<crm_protocol::PullResponse>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, e.body_text()))?;
    let limit = query.limit.clamp(1, MAX_PULL_LIMIT);
    pull_fault();
    let viewer = sync::viewer_of(&caller.user);
    let lease = state.limits.lease;
    blocking(move || {
        let mut page = state
            .db
            .read(|tx| sync::pull(tx, &viewer, caller.schema, query.cursor, limit))?;
        page.lease = Some(lease);
        Ok(Json(page))
    })
    .await
}

/// `CRM_SERVER_FAULT=pull:N`: serve N pulls, then die on the next one, as a
/// server that crashes in the middle of a laptop's pull (crash tests only).
fn pull_fault() {
    use std::sync::atomic::{AtomicI64, Ordering};
    static SERVED: AtomicI64 = AtomicI64::new(0);
    let Some(limit) = std::env::var("CRM_SERVER_FAULT")
        .ok()
        .and_then(|v| v.strip_prefix("pull:").and_then(|n| n.parse::<i64>().ok()))
    else {
        return;
    };
    if SERVED.fetch_add(1, Ordering::SeqCst) >= limit {
        eprintln!("fault injected: dying in the middle of a pull");
        std::process::abort();
    }
}

async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<FetchResponse>, ApiError> {
    let request: FetchRequest = parse(body)?;
    let viewer = sync::viewer_of(&caller.user);
    blocking(move || {
        let records = state
            .db
            .read(|tx| sync::fetch(tx, &viewer, caller.schema, &request.ids))?;
        Ok(Json(FetchResponse { records }))
    })
    .await
}

/// Every answer says which synced-schema version the server speaks, so a
/// laptop holds back what this server could not understand.
async fn say_schema(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(SCHEMA_HEADER, HeaderValue::from(spoken_schema()));
    response
}

fn intake_error(e: IntakeError) -> ApiError {
    let message = e.to_string();
    match e {
        IntakeError::Invalid(invalid) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID, message)
                .with("field", invalid.field)
                .with("problem", invalid.problem.code())
        }
        IntakeError::NoAssignee { team } => {
            ApiError::new(StatusCode::CONFLICT, codes::NO_ASSIGNEE, message).with("team", team)
        }
        IntakeError::WrongKind { kind } => {
            ApiError::new(StatusCode::FORBIDDEN, codes::INTAKE_KEY, message).with("kind", kind)
        }
        IntakeError::Storage(e) => e.into(),
    }
}

/// Check an intake request's key and its rate, then accept it in one
/// write transaction.
async fn intake<T: DeserializeOwned + Send + 'static>(
    state: AppState,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    accept: fn(
        &mut dyn crate::backend::Tx,
        &crate::backend::IntakeKey,
        &T,
        i64,
    ) -> Result<Accepted, IntakeError>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let secret = headers
        .get(INTAKE_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::INTAKE_KEY,
                format!("send the form's key in the {INTAKE_KEY_HEADER} header"),
            )
        })?;
    let request: T = parse(body)?;
    let db = Arc::clone(&state.db);
    let now = (state.now)();
    let limits = Arc::clone(&state.intake);
    blocking(move || {
        let key = db.read(|tx| intake::key_of(tx, &secret))?.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::INTAKE_KEY,
                "the intake key is not valid (revoked, or never made)",
            )
        })?;
        limits.take(key.id, now).map_err(|wait_ms| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::RATE_LIMITED,
                "too many requests with this key; slow down",
            )
            .retry_after((wait_ms + 999) / 1000)
        })?;
        let accepted = db
            .write(|tx| Ok(accept(tx, &key, &request, now)))?
            .map_err(intake_error)?;
        Ok((StatusCode::CREATED, Json(accepted)))
    })
    .await
}

async fn intake_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    intake::<CaseRequest>(state, headers, body, intake::accept_case).await
}

async fn intake_lead(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    intake::<LeadRequest>(state, headers, body, intake::accept_lead).await
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, codes::BAD_REQUEST, "no such route")
}

/// The router, apart from `main` so tests serve it directly. Logins need
/// the peer's address: serve it with `ConnectInfo<SocketAddr>`, as
/// [`serve`] does.
pub fn app(state: AppState) -> Router {
    let v1 = Router::new()
        .route(
            "/login",
            post(login).layer(DefaultBodyLimit::max(MAX_LOGIN_BODY)),
        )
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route(
            "/device/renew",
            post(renew).layer(DefaultBodyLimit::max(MAX_LOGIN_BODY)),
        )
        .route("/push", post(push))
        .route("/pull", get(pull))
        .route("/fetch", post(fetch))
        .layer(middleware::from_fn(require_protocol))
        .layer(middleware::map_response(say_schema));
    // Web forms and mail gateways speak plain JSON, not the sync protocol.
    let intake = Router::new()
        .route("/case", post(intake_case))
        .route("/lead", post(intake_lead))
        .layer(DefaultBodyLimit::max(MAX_INTAKE_BODY));
    Router::new()
        .nest("/api/v1/intake", intake)
        .nest("/api/v1", v1)
        .route("/health", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestDecompressionLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), body_deadline))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve [`app`] on `listener` (HTTPS when `tls` is given) until `handle`
/// shuts it down, under `state.limits`: request headers must arrive within
/// the header timeout (the first request's counted from the connection, or
/// the end of the TLS handshake: hyper's own header timeout starts only once
/// the protocol is known, which a silent client never lets happen), bodies
/// within the body timeout. Handlers see the
/// peer's address (`ConnectInfo<SocketAddr>`).
pub async fn serve(
    listener: std::net::TcpListener,
    state: AppState,
    tls: Option<RustlsConfig>,
    handle: Handle<SocketAddr>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let header_timeout = state.limits.header_timeout;
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            let mut server = axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .first_request_timeout(header_timeout);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(service).await
        }
        None => {
            let mut server = axum_server::from_tcp(listener)?
                .handle(handle)
                .first_request_timeout(header_timeout);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(service).await
        }
    }
}
