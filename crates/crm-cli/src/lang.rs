//! The user's language: English, Chinese or Spanish, for every message.

use crm_domain::{EntityKind, Invalid, Problem};
use crm_store::StoreError;
use rust_i18n::t;

/// The system locale as `LANG`-style text (`zh_CN.UTF-8` -> `zh_CN`).
pub fn system_locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
        .map(|v| v.split('.').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// Pick the message language: `--lang`, else the system locale, else English.
pub fn choose(given: Option<&str>) {
    let wanted = given
        .map(str::to_owned)
        .unwrap_or_else(system_locale)
        .to_lowercase();
    let locale = if wanted.starts_with("zh") {
        "zh-CN"
    } else if wanted.starts_with("es") {
        "es"
    } else {
        "en"
    };
    rust_i18n::set_locale(locale);
}

/// The translated name of a kind of record.
pub fn entity(kind: EntityKind) -> String {
    tr(&format!("entity.{}", kind.name()))
}

/// The translation of a key made at run time.
pub fn tr(key: &str) -> String {
    t!(key).into_owned()
}

/// The translated name of a pipeline stage (unknown stages as they are).
pub fn stage(key: &str) -> String {
    let key = format!("stage.{key}");
    let text = tr(&key);
    if text == key {
        key[6..].to_owned()
    } else {
        text
    }
}

/// The translated name of a kind of history entry.
pub fn interaction_kind(kind: &str) -> String {
    let key = format!("kind.{kind}");
    let text = tr(&key);
    if text == key { kind.to_owned() } else { text }
}

fn problem(p: &Problem) -> String {
    let key = format!("problem.{}", p.code());
    let key = key.as_str();
    match p {
        Problem::TooLong { max } => t!(key, max = max),
        Problem::TooLarge { max_bytes } => t!(key, max_kib = max_bytes.div_ceil(1024)),
        Problem::Amount { currency, decimals } => t!(key, currency = currency, decimals = decimals),
        Problem::OneOf { allowed } => t!(key, allowed = allowed),
        Problem::Range { min, max } => t!(key, min = min, max = max),
        Problem::Decimal { places } => t!(key, places = places),
        Problem::HolidayAndWorkday { date } => t!(key, date = date),
        Problem::Duration { max_days } => t!(key, max_days = max_days),
        _ => t!(key),
    }
    .into_owned()
}

fn invalid(e: &Invalid) -> String {
    t!("invalid", field = e.field, problem = problem(&e.problem)).into_owned()
}

fn sync_error(e: &crm_sync::SyncError) -> String {
    use crm_sync::SyncError as E;
    match e {
        E::Unreachable { pending, .. } => {
            t!("sync.err.unreachable", pending = pending).into_owned()
        }
        E::UntrustedCertificate { pending, .. } => {
            t!("sync.err.untrusted_certificate", pending = pending).into_owned()
        }
        E::AnswerTooLarge { pending, limit_mb } => t!(
            "sync.err.answer_too_large",
            pending = pending,
            limit_mb = limit_mb
        )
        .into_owned(),
        E::TimedOut { pending, seconds } => {
            t!("sync.err.timed_out", pending = pending, seconds = seconds).into_owned()
        }
        E::Cancelled { pending } => t!("sync.err.cancelled", pending = pending).into_owned(),
        E::NotLoggedIn => t!("sync.err.not_logged_in").into_owned(),
        E::Insecure(host) => t!("sync.err.insecure", host = host).into_owned(),
        E::BadUrl(url) => t!("sync.err.bad_url", url = url).into_owned(),
        E::Server {
            code,
            message,
            params,
            ..
        } => {
            let param = |name: &str| {
                params
                    .get(name)
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .unwrap_or_default()
            };
            match code.as_str() {
                "rate_limited" | "busy" => {
                    let seconds = params
                        .get("retry_after_s")
                        .and_then(serde_json::Value::as_u64)
                        .unwrap_or(60);
                    return t!(&format!("sync.err.{code}"), seconds = seconds).into_owned();
                }
                "too_long" => {
                    return t!(
                        "sync.err.too_long",
                        field = param("field"),
                        max = param("max")
                    )
                    .into_owned();
                }
                _ => {}
            }
            let key = format!("sync.err.{code}");
            let text = tr(&key);
            if text == key { message.clone() } else { text }
        }
        E::Store(_) | E::Protocol(_) => e.to_string(),
    }
}

/// Why the server refused a change, in the user's language where the code
/// has a translation (its parameters filled in), else the server's sentence.
pub fn rejected_reason(r: &crm_store::RejectedOp) -> String {
    let key = format!("sync.reason.{}", r.code);
    let mut text = tr(&key);
    if text == key {
        return r.message.clone();
    }
    let limit_kib = r
        .params
        .get("limit")
        .and_then(serde_json::Value::as_u64)
        .map(|b| b.div_ceil(1024).to_string());
    let params = r
        .params
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .chain(limit_kib.map(|k| ("limit_kib".to_owned(), k)));
    for (name, value) in params {
        text = text.replace(&format!("%{{{name}}}"), &value);
    }
    text
}

/// A stable code for `--json` errors.
pub fn error_code(err: &anyhow::Error) -> String {
    if let Some(e) = err.downcast_ref::<crm_sync::SyncError>() {
        return e.code().to_owned();
    }
    error_code_static(err).to_owned()
}

/// The keychain's and the passphrase's troubles, by their code.
fn vault_error(e: &crm_vault::VaultError) -> String {
    let key = format!("err.vault.{}", e.code());
    let text = tr(&key);
    if text == key { e.to_string() } else { text }
}

fn error_code_static(err: &anyhow::Error) -> &'static str {
    if let Some(e) = err.downcast_ref::<crm_vault::VaultError>() {
        e.code()
    } else if let Some(e) = err.downcast_ref::<StoreError>() {
        e.code()
    } else if err.downcast_ref::<Invalid>().is_some() {
        "invalid"
    } else {
        "error"
    }
}

/// The message for an error, in the user's language.
pub fn error_message(err: &anyhow::Error) -> String {
    if let Some(e) = err.downcast_ref::<Invalid>() {
        return invalid(e);
    }
    if let Some(e) = err.downcast_ref::<crm_sync::SyncError>() {
        return sync_error(e);
    }
    if let Some(e) = err.downcast_ref::<crm_vault::VaultError>() {
        return vault_error(e);
    }
    let Some(e) = err.downcast_ref::<StoreError>() else {
        return err.to_string();
    };
    match e {
        StoreError::Invalid(i) => invalid(i),
        StoreError::NotFound { entity: kind, id } => {
            t!("err.not_found", what = entity(*kind), id = id).into_owned()
        }
        StoreError::NoMatch { what, given } => {
            t!("err.no_match", what = what, given = given).into_owned()
        }
        StoreError::Rule(rule) => {
            let code = rule.code();
            let mut text = tr(&format!("rule.{code}"));
            // Whose statuses a rule names: a quote's, an order's or a lead's.
            let statuses = if code.starts_with("quote") {
                "quote_status"
            } else if code.starts_with("order") {
                "order_status"
            } else if code.starts_with("case") {
                "case_status"
            } else {
                "lead_status"
            };
            for (name, value) in rule.params() {
                let shown = match name {
                    "entity" | "other" => value.parse::<EntityKind>().map(entity).unwrap_or(value),
                    "status" | "needed" | "from" | "to" => tr(&format!("{statuses}.{value}")),
                    _ => value,
                };
                text = text.replace(&format!("%{{{name}}}"), &shown);
            }
            text
        }
        StoreError::Forbidden {
            entity: kind,
            roles,
        } if roles.is_empty() => t!("err.forbidden_server", what = entity(*kind)).into_owned(),
        StoreError::Forbidden {
            entity: kind,
            roles,
        } => t!("err.forbidden", what = entity(*kind), roles = roles).into_owned(),
        StoreError::Missing(path) => t!("err.no_database", path = path.display()).into_owned(),
        StoreError::NotCrmDatabase(path) => {
            t!("err.not_crm_database", path = path.display()).into_owned()
        }
        StoreError::TooNew { path, found, known } => t!(
            "err.too_new",
            path = path.display(),
            found = found,
            known = known
        )
        .into_owned(),
        StoreError::DemoData(path) => t!("err.demo_data", path = path.display()).into_owned(),
        StoreError::DemoOnSynced => t!("err.demo_on_synced").into_owned(),
        StoreError::DiskFull => t!("err.disk_full").into_owned(),
        StoreError::Busy => t!("err.busy").into_owned(),
        StoreError::Damaged(_) => t!("err.damaged").into_owned(),
        StoreError::VaultMissing(path) => {
            t!("err.vault_missing", path = path.display()).into_owned()
        }
        StoreError::BadRecoveryKey => t!("err.bad_recovery_key").into_owned(),
        StoreError::Locked(path) => t!("err.locked", path = path.display()).into_owned(),
        StoreError::WrongKey(path) => t!("err.wrong_key", path = path.display()).into_owned(),
        StoreError::BackupLocked(path) => {
            t!("err.backup_locked", path = path.display()).into_owned()
        }
        StoreError::PassphraseNeeded => t!("err.passphrase_needed").into_owned(),
        StoreError::LeaseExpired { since, locked_at } => {
            let day = |ms: &i64| {
                chrono::DateTime::<chrono::Utc>::from_timestamp_millis(*ms)
                    .map(|d| {
                        d.with_timezone(&chrono::Local)
                            .format("%Y-%m-%d")
                            .to_string()
                    })
                    .unwrap_or_default()
            };
            t!(
                "err.lease_expired",
                since = day(since),
                locked = day(locked_at)
            )
            .into_owned()
        }
        StoreError::BadExtensionCode => t!("err.bad_extension_code").into_owned(),
        StoreError::Vault(v) => vault_error(v),
        // Refusals carry their own sentence; the rest are technical and rare.
        other => other.to_string(),
    }
}
