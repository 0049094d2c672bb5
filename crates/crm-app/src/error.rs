//! Errors as the UI receives them: a stable code, a translation key and its
//! parameters. The UI turns them into a sentence in the user's language; no
//! English text, path or database detail is meant to be shown as is.

use std::fmt;

use crm_domain::{Invalid, Problem};
use crm_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An error for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppError {
    /// Stable machine-readable code (`invalid`, `not_found`, ...).
    pub code: String,
    /// The translation key of the message (`problem.email`, `error.busy`, ...).
    pub message_key: String,
    /// Values the message refers to.
    pub params: Map<String, Value>,
    /// For refused values: the field, as named in the UI's `field.*` keys.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
}

impl AppError {
    /// An error with `code` whose message key is `error.<code>`.
    pub fn new(code: &str) -> Self {
        AppError {
            code: code.to_owned(),
            message_key: format!("error.{code}"),
            params: Map::new(),
            field: None,
        }
    }

    /// Add a message parameter.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    /// A refused value of `field`.
    pub fn invalid(field: &str, problem: &Problem) -> Self {
        AppError {
            code: "invalid".into(),
            message_key: format!("problem.{}", problem.code()),
            params: problem.params(),
            field: Some(field.to_owned()),
        }
    }

    /// Arguments that do not have the expected shape (a UI bug, not a user's).
    pub fn bad_request(detail: impl fmt::Display) -> Self {
        eprintln!("crm-app: bad request: {detail}");
        AppError::new("bad_request")
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code, self.message_key)?;
        if let Some(field) = &self.field {
            write!(f, " field {field}")?;
        }
        if !self.params.is_empty() {
            write!(f, " {}", Value::Object(self.params.clone()))?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::invalid(&e.field, &e.problem)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => i.into(),
            StoreError::NotFound { entity, .. } => {
                AppError::new("not_found").with("entity", entity.name())
            }
            StoreError::NoMatch { given, .. } => AppError::new("no_match").with("given", given),
            StoreError::Rule(rule) => rule
                .params()
                .into_iter()
                .fold(AppError::new(rule.code()), |e, (k, v)| e.with(k, v)),
            StoreError::Forbidden { entity, roles } => AppError::new("forbidden")
                .with("entity", entity.name())
                .with("roles", roles),
            StoreError::Missing(_) => AppError::new("no_database"),
            StoreError::NotCrmDatabase(path) => {
                AppError::new("not_crm_database").with("path", path.display().to_string())
            }
            StoreError::TooNew { path, found, known } => AppError::new("database_too_new")
                .with("path", path.display().to_string())
                .with("found", found)
                .with("known", known),
            StoreError::DemoData(_) => AppError::new("demo_data"),
            StoreError::DemoOnSynced => AppError::new("demo_on_synced"),
            StoreError::Cancelled => AppError::new("cancelled"),
            StoreError::DiskFull => AppError::new("disk_full"),
            StoreError::Busy => AppError::new("busy"),
            StoreError::Damaged(detail) => {
                eprintln!("crm-app: a damaged record: {detail}");
                AppError::new("damaged")
            }
            // The store's own sentence is English; the UI shows a translated
            // general refusal, and the commands check the common cases first
            // so they get messages of their own.
            StoreError::Refused(reason) => {
                eprintln!("crm-app: refused: {reason}");
                AppError::new("refused")
            }
            StoreError::Locked(_) => AppError::new("locked"),
            StoreError::WrongKey(_) => AppError::new("wrong_key"),
            StoreError::BackupLocked(_) => AppError::new("backup_locked"),
            StoreError::PassphraseNeeded => AppError::new("passphrase_needed"),
            StoreError::LeaseExpired { since, locked_at } => AppError::new("lease_expired")
                .with("since", since)
                .with("locked_at", locked_at),
            StoreError::BadExtensionCode => AppError::new("bad_extension_code"),
            StoreError::BadRecoveryKey => AppError::new("bad_recovery_key"),
            StoreError::VaultMissing(_) => AppError::new("vault_missing"),
            StoreError::Vault(v) => {
                eprintln!("crm-app: vault: {v}");
                AppError::new(v.code())
            }
            other => {
                // Technical and rare: logged for a bug report, not shown raw.
                eprintln!("crm-app: internal error: {other}");
                AppError::new("internal")
            }
        }
    }
}

/// Result with [`AppError`].
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::EntityKind;

    #[test]
    fn refused_values_name_the_field_and_carry_the_problem_parameters() {
        let e: AppError = StoreError::Invalid(Invalid::new(
            "amount",
            Problem::Amount {
                currency: "CNY".into(),
                decimals: 2,
            },
        ))
        .into();
        assert_eq!(e.code, "invalid");
        assert_eq!(e.message_key, "problem.amount");
        assert_eq!(e.field.as_deref(), Some("amount"));
        assert_eq!(e.params["currency"], "CNY");
    }

    #[test]
    fn store_errors_become_keys_without_english_or_paths() {
        let e: AppError = StoreError::NotFound {
            entity: EntityKind::Opportunity,
            id: crm_domain::Id::new(),
        }
        .into();
        assert_eq!(
            (e.code.as_str(), e.message_key.as_str()),
            ("not_found", "error.not_found")
        );
        assert_eq!(e.params["entity"], "opportunity");
        let e: AppError = StoreError::Refused("lead X is already converted".into()).into();
        assert_eq!(e.message_key, "error.refused");
        assert!(e.params.is_empty(), "the English sentence stays out");
    }
}
