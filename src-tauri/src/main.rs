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

/// Start again with `WEBKIT_DISABLE_COMPOSITING_MODE=1` unless it is set.
/// Without GPU compositing the web process takes about 100 MB less (measured
/// under Xvfb, where GL is Mesa's software renderer) and paints the first
/// screen sooner; lists and forms do not need it. WebKitGTK reads the
/// variable when the view is created: switching the view's
/// hardware-acceleration policy afterwards (through `with_webview`) left it
/// deaf to the mouse, and setting a variable in a running process is not
/// thread-safe, hence the new start before anything else runs (about 110 ms;
/// the menu entry sets the variable and is spared it). Set the variable to 0
/// to keep compositing.
#[cfg(target_os = "linux")]
fn without_gpu_compositing() {
    use std::os::unix::process::CommandExt;
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let error = std::process::Command::new(exe)
        .arg0(args.next().unwrap_or_default())
        .args(args)
        .env(VAR, "1")
        .exec();
    // Only reached when the new start failed: run as is.
    eprintln!("offline-crm: cannot restart without GPU compositing: {error}");
}

fn main() {
    #[cfg(target_os = "linux")]
    without_gpu_compositing();
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
                    Ok(())
                }
                Err(_) => {
                    eprintln!("offline-crm: already running for {}", dir.display());
                    std::process::exit(0);
                }
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("offline-crm: {e}");
            std::process::exit(1);
        });
}
