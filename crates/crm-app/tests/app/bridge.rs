//! The HTTP bridge: the real router over a real database, called in-process.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use crm_app::bridge::{Bridge, random_token, router};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::Fixture;

async fn post(
    app: axum::Router,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn serve(fx: Fixture, token: &str) -> (axum::Router, tempfile::TempDir) {
    let Fixture { app, dir } = fx;
    (router(Bridge::new(Arc::new(app), token), None), dir)
}

#[tokio::test]
async fn every_call_needs_the_token() {
    let token = random_token();
    assert_eq!(token.len(), 32);
    assert_ne!(token, random_token(), "each start gets a new token");
    let (app, _dir) = serve(Fixture::ready(), &token);
    let (status, body) = post(app.clone(), "/api/status", None, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = post(app.clone(), "/api/status", Some("0123"), Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = post(app, "/api/status", Some(&token), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["name"], "Li Wei");
}

#[tokio::test]
async fn commands_answer_with_json_and_errors_with_their_code() {
    let (app, _dir) = serve(Fixture::ready(), "t");
    let (status, id) = post(
        app.clone(),
        "/api/create_account",
        Some("t"),
        json!({ "fields": { "name": "北京星辰科技有限公司" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = post(
        app.clone(),
        "/api/list_accounts",
        Some("t"),
        json!({ "query": "星辰" }),
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["id"], id);

    let (status, body) = post(
        app.clone(),
        "/api/create_account",
        Some("t"),
        json!({ "fields": { "name": "X", "website": "not a site" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["message_key"], "problem.website");
    assert_eq!(body["error"]["field"], "website");

    let (status, body) = post(app.clone(), "/api/drop_tables", Some("t"), Value::Null).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("unknown_command"))
    );
    let (status, _) = post(app, "/api/account_view", Some("t"), json!({ "id": 5 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn the_bridge_serves_every_command_the_app_has() {
    // Each name in COMMANDS reaches a command: none answers "unknown".
    let fx = Fixture::ready();
    for name in crm_app::COMMANDS {
        let result = crm_app::dispatch::call(&fx.app, name, Value::Null, &|_| {});
        if let Err(e) = result {
            assert_ne!(e.code, "unknown_command", "{name}");
        }
    }
}
