//! The app's commands for the webview: one handler serves every command of
//! `crm_app::COMMANDS` (the table the HTTP bridge serves too), each run on a
//! blocking thread so the window never waits for the database. The shell
//! declares no command of its own: a command added to the core's table is
//! served here as it is.

use std::sync::Arc;

use crm_app::App;
use serde_json::Value;
use tauri::{
    Emitter, Manager, Runtime,
    ipc::{Invoke, InvokeBody},
};

/// The handler for every command in `crm_app::COMMANDS`: its arguments are
/// the `args` of the call, its progress goes out as `progress` events, and
/// its error is the core's `AppError` (code, message key, parameters).
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    |invoke: Invoke<R>| {
        let command = invoke.message.command().to_owned();
        if !crm_app::COMMANDS.contains(&command.as_str()) {
            return false; // Tauri answers that no such command exists
        }
        let args = match invoke.message.payload() {
            InvokeBody::Json(body) => body.get("args").cloned().unwrap_or(Value::Null),
            InvokeBody::Raw(_) => Value::Null,
        };
        let webview = invoke.message.webview();
        let app: Arc<App> = webview.state::<Arc<App>>().inner().clone();
        let handle = webview.app_handle().clone();
        let resolver = invoke.resolver;
        tauri::async_runtime::spawn_blocking(move || {
            let progress = |p: crm_app::Progress| drop(handle.emit("progress", p));
            match crm_app::dispatch::call(&app, &command, args, &progress) {
                Ok(value) => resolver.resolve(value),
                Err(error) => resolver.reject(error),
            }
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use tauri::{
        ipc::{CallbackFn, InvokeBody},
        test::{INVOKE_KEY, get_ipc_response, mock_builder},
        webview::InvokeRequest,
    };

    fn invoke(
        webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
        cmd: &str,
        body: Value,
    ) -> Result<Value, Value> {
        get_ipc_response(
            webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                // The window's own page: the dev server's without the
                // custom-protocol feature, tauri://localhost with it (as CI
                // and the release build run). Another origin is refused.
                url: webview.url().expect("the window has a URL"),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("JSON"))
    }

    /// Every command of crm-app is registered under its name, takes its
    /// arguments as `args`, and answers errors as the UI expects them.
    #[test]
    fn the_shell_serves_every_core_command_through_ipc() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let core = Arc::new(
            crm_app::App::open_with(dir.path(), Some(crm_app::TEST_PASSPHRASE))
                .expect("an empty directory opens"),
        );
        let app = mock_builder()
            .manage(core)
            .invoke_handler(super::handler())
            .build(tauri::generate_context!())
            .expect("the app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("a window");

        let status = invoke(&webview, "status", json!({})).expect("status answers");
        assert_eq!(status["ready"], false);
        let created = invoke(
            &webview,
            "create_database",
            json!({ "args": { "name": "Li Wei", "currency": "CNY" } }),
        )
        .expect("the database is created");
        assert_eq!(created["user"]["name"], "Li Wei");
        let err = invoke(&webview, "sync_now", json!({})).expect_err("not signed in yet");
        assert_eq!(err["message_key"], "error.not_signed_in");

        for name in crm_app::COMMANDS {
            if let Err(e) = invoke(&webview, name, json!({ "args": {} })) {
                // A refusal of the (empty) arguments is fine; an unknown
                // command comes back as a plain string instead of an AppError.
                assert!(
                    e.get("code").is_some() || !e.to_string().contains("not found"),
                    "{name}: {e}"
                );
            }
        }
    }
}
