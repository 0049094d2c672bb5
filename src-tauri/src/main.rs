//! The desktop shell: one window over the built UI, and the app's commands,
//! each one line into `crm-app`. Window size and position are remembered
//! (window-state plugin); a second start focuses the running app
//! (single-instance plugin, and a lock file in the data directory).
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::{path::PathBuf, sync::Arc};

use tauri::Manager;

/// Whether a D-Bus session bus is reachable: the single-instance plugin needs
/// one on Linux and panics without it (CI, Xvfb).
fn has_session_bus() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|d| PathBuf::from(d).join("bus").exists())
}

/// WebKitGTK settings for a window that shows one local page. No GPU
/// compositing: under Xvfb (Mesa's software GL) it cost the web process about
/// 100 MB and slowed the first paint, and lists and forms do not need it. No
/// page cache (the app never leaves its page) and the smallest resource cache
/// (every file comes from the binary).
#[cfg(target_os = "linux")]
fn tune_webview(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    window.with_webview(|webview| {
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    })
}

fn main() {
    let Some(dir) = crm_app::default_data_dir() else {
        eprintln!("offline-crm: no data directory on this system; set CRM_DATA_DIR");
        std::process::exit(1);
    };
    let app = match crm_app::App::open(&dir) {
        Ok(app) => Arc::new(app),
        Err(e) => {
            eprintln!(
                "offline-crm: cannot open the database in {}: {e}",
                dir.display()
            );
            std::process::exit(1);
        }
    };
    let mut builder = tauri::Builder::default();
    if has_session_bus() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _, _| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }));
    }
    builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(app)
        .setup(move |tauri_app| {
            // Also without a session bus, only one process writes this
            // directory's database.
            match crm_app::lock_instance(&dir) {
                Ok(lock) => {
                    tauri_app.manage(lock);
                }
                Err(_) => {
                    eprintln!("offline-crm: already running for {}", dir.display());
                    std::process::exit(0);
                }
            }
            #[cfg(target_os = "linux")]
            if let Some(window) = tauri_app.get_webview_window("main") {
                tune_webview(&window)?;
            }
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("offline-crm: {e}");
            std::process::exit(1);
        });
}
