//! `crm`: the local CRM from a terminal. A thin layer over `crm-store`: it
//! parses what the user typed into domain values, calls the store, and prints
//! the result for a person (or as one JSON document with `--json`).

mod args;
mod exchange;
mod lang;
mod print;
mod protect;
mod run;
mod sales;
mod service;
mod sync;

use std::process::ExitCode;

use clap::Parser;

rust_i18n::i18n!("locales", fallback = "en");

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = args::Cli::parse();
    lang::choose(cli.lang.as_deref());
    let json = cli.json;
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let message = lang::error_message(&err);
            if json {
                let code = lang::error_code(&err);
                eprintln!(
                    "{}",
                    serde_json::json!({ "error": { "code": code, "message": message } })
                );
            } else {
                eprintln!("{}: {message}", rust_i18n::t!("error"));
            }
            match err.downcast_ref::<crm_sync::SyncError>() {
                Some(crm_sync::SyncError::Unreachable { .. }) => {
                    ExitCode::from(sync::EXIT_UNREACHABLE)
                }
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// `crm search 科技 | head`: when the reader goes away, printing fails with
/// a broken pipe and Rust's `println!` panics. End quietly instead, with the
/// status a shell gives a program stopped by SIGPIPE (128 + 13), as other
/// Unix tools do. Every write of the store is committed before its output is
/// printed, so nothing is lost by stopping here.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") || message.contains("os error 32") {
            std::process::exit(141);
        }
        default(info);
    }));
}
