//! The loopback HTTP bridge: the same commands as the Tauri shell, as
//! `POST /api/{command}` with a JSON body, for running the real UI in a real
//! browser against the real core (end-to-end tests, debugging). It listens on
//! 127.0.0.1 only and every call must carry the random bearer token printed at
//! start. Progress of long commands streams as server-sent events from
//! `GET /api/events?token=...` (an `EventSource` cannot send headers).

use std::{convert::Infallible, path::PathBuf, sync::Arc};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::{App, AppError, Progress, dispatch};

/// What the bridge serves.
#[derive(Clone)]
pub struct Bridge {
    app: Arc<App>,
    token: Arc<str>,
    events: broadcast::Sender<Progress>,
}

impl Bridge {
    /// A bridge over `app` that accepts `token`.
    pub fn new(app: Arc<App>, token: impl Into<Arc<str>>) -> Self {
        Bridge {
            app,
            token: token.into(),
            events: broadcast::channel(64).0,
        }
    }

    fn authorized(&self, given: Option<&str>) -> bool {
        // Compare every byte so the time taken says nothing about the token.
        given.is_some_and(|g| {
            g.len() == self.token.len()
                && g.bytes()
                    .zip(self.token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// A random token: 32 hex digits from the operating system's generator.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn status_of(e: &AppError) -> StatusCode {
    match e.code.as_str() {
        "invalid" => StatusCode::UNPROCESSABLE_ENTITY,
        "not_found" | "no_match" | "unknown_command" => StatusCode::NOT_FOUND,
        "bad_request" => StatusCode::BAD_REQUEST,
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "busy" => StatusCode::SERVICE_UNAVAILABLE,
        "internal" | "io" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    }
}

fn error(e: AppError) -> Response {
    (status_of(&e), Json(json!({ "error": e }))).into_response()
}

async fn command(
    State(bridge): State<Bridge>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !bridge.authorized(token) {
        return error(AppError::new("unauthorized"));
    }
    let input: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return error(AppError::bad_request(e)),
        }
    };
    let app = bridge.app.clone();
    let events = bridge.events.clone();
    // SQLite work blocks: keep it off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        dispatch::call(&app, &name, input, &|p| {
            let _ = events.send(p);
        })
    })
    .await;
    match result {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(e)) => error(e),
        Err(panic) => {
            eprintln!("crm-bridge: a command panicked: {panic}");
            error(AppError::new("internal"))
        }
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn events(
    State(bridge): State<Bridge>,
    Query(q): Query<TokenQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Response> {
    if !bridge.authorized(q.token.as_deref()) {
        return Err(error(AppError::new("unauthorized")));
    }
    let stream = BroadcastStream::new(bridge.events.subscribe()).filter_map(|p| async move {
        let p = p.ok()?;
        Some(Ok(Event::default()
            .event("progress")
            .json_data(p)
            .unwrap_or_default()))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The bridge's routes; `ui` is a built UI (`ui/dist`) to serve at `/`.
pub fn router(bridge: Bridge, ui: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/api/events", get(events))
        .route("/api/{command}", post(command))
        .with_state(bridge);
    match ui {
        Some(dir) => api.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => api,
    }
}
