//! The user's preferences, kept as JSON beside the database.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{App, AppError, Result};

pub(crate) const FILE: &str = "settings.json";

/// What the Settings screen sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `en`, `zh` or `es`; the system language when absent.
    pub language: Option<String>,
    /// `light`, `dark` or `system`.
    pub theme: Option<String>,
    /// The team server last signed in to (the sign-in form starts from it).
    pub server_url: Option<String>,
    /// The login used there.
    pub login: Option<String>,
    /// Whether plain HTTP to the team server was allowed at sign-in (a
    /// trusted office network); sync keeps to that choice.
    pub insecure_server: bool,
    /// Named views of the lists (filter, sort and columns), this laptop's
    /// own: they do not sync.
    pub views: Vec<ListView>,
    /// Lock the window after this many minutes without use (the passphrase,
    /// or with the key in the keychain a click, unlocks it); none: never.
    pub idle_lock_minutes: Option<u32>,
}

/// A list as the user arranged it and named it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export)]
pub struct ListView {
    /// Which list (`accounts`, `contacts`...).
    pub list: String,
    /// The user's name for it.
    pub name: String,
    /// The list's filter and sort, as the screen keeps them.
    #[ts(type = "Record<string, unknown>")]
    pub query: serde_json::Value,
    /// The columns shown, in order (field names of the kind's description).
    pub columns: Vec<String>,
}

impl Settings {
    /// The settings saved in `dir`, or the defaults.
    pub fn load(dir: &Path) -> Settings {
        std::fs::read_to_string(dir.join(FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Save into `dir`, replacing the file atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let check = |field: &str, v: &Option<String>, allowed: &[&str]| match v.as_deref() {
            Some(v) if !allowed.contains(&v) => Err(AppError::invalid(
                field,
                &crm_domain::Problem::OneOf {
                    allowed: allowed.join(", "),
                },
            )),
            _ => Ok(()),
        };
        check("language", &self.language, &["en", "zh", "es"])?;
        check("theme", &self.theme, &["light", "dark", "system"])?;
        for view in &self.views {
            if view.name.trim().is_empty() {
                return Err(AppError::invalid("name", &crm_domain::Problem::Empty));
            }
        }
        let io = |e: std::io::Error| {
            eprintln!("crm-app: cannot save settings: {e}");
            AppError::new("io")
        };
        crm_store::create_private_dir(dir).map_err(io)?;
        let tmp = dir.join(format!("{FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(AppError::bad_request)?;
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, dir.join(FILE)).map_err(io)
    }
}

impl App {
    pub(crate) fn settings(&self) -> Result<Settings> {
        Ok(Settings::load(self.dir()))
    }
}
