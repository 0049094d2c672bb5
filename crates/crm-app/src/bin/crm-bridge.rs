//! `crm-bridge`: serve the desktop app's commands over loopback HTTP, so the
//! real UI runs in a real browser against the real core.
//!
//! `crm-bridge [--data-dir DIR] [--port N] [--ui ui/dist]` prints one line
//! `crm-bridge url=http://127.0.0.1:PORT/ token=TOKEN` once it listens.

use std::{io::Write, path::PathBuf, process::ExitCode, sync::Arc};

use crm_app::{App, bridge};

struct Options {
    data_dir: Option<PathBuf>,
    port: u16,
    ui: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        data_dir: None,
        port: 0,
        ui: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--data-dir" => o.data_dir = Some(value()?.into()),
            "--port" => o.port = value()?.parse().map_err(|_| "--port needs a number")?,
            "--ui" => o.ui = Some(value()?.into()),
            "-h" | "--help" => {
                return Err("usage: crm-bridge [--data-dir DIR] [--port N] [--ui DIR]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(dir) = o.data_dir.or_else(crm_app::default_data_dir) else {
        eprintln!("crm-bridge: no data directory; give one with --data-dir");
        return ExitCode::FAILURE;
    };
    let app = match App::open(&dir) {
        Ok(app) => Arc::new(app),
        Err(e) => {
            eprintln!("crm-bridge: cannot open {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    // Loopback only: the bridge is for this machine's browser and tests.
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", o.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("crm-bridge: cannot listen on 127.0.0.1:{}: {e}", o.port);
            return ExitCode::FAILURE;
        }
    };
    let token = bridge::random_token();
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(o.port);
    println!("crm-bridge url=http://127.0.0.1:{port}/ token={token}");
    let _ = std::io::stdout().flush();
    let router = bridge::router(bridge::Bridge::new(app, token), o.ui);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("crm-bridge: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
