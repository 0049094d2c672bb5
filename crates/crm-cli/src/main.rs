//! `crm`: the local CRM from a terminal. A thin layer over `crm-store`: it
//! parses what the user typed into domain values, calls the store, and prints
//! the result for a person (or as one JSON document with `--json`).

mod args;
mod exchange;
mod lang;
mod print;
mod run;
mod sync;

use std::process::ExitCode;

use clap::Parser;

rust_i18n::i18n!("locales", fallback = "en");

fn main() -> ExitCode {
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
