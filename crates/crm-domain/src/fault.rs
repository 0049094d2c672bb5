//! Fault injection for crash tests: `CRM_FAULT=<point>` makes the process
//! abort at that named point, as a power cut or a kill would stop it. Unset
//! (always, outside tests) it costs one cached lookup.

use std::sync::OnceLock;

/// Abort the process here if `CRM_FAULT` names this point.
pub fn point(name: &str) {
    static FAULT: OnceLock<Option<String>> = OnceLock::new();
    let wanted = FAULT.get_or_init(|| std::env::var("CRM_FAULT").ok().filter(|v| !v.is_empty()));
    if wanted.as_deref() == Some(name) {
        eprintln!("fault injected at {name}: aborting");
        std::process::abort();
    }
}
