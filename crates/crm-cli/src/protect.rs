//! Opening the encrypted database from the command line (the same door as
//! the app's, `crm_store::unlock`): its passphrase from `CRM_PASSPHRASE`,
//! the first line of standard input, or a prompt; where no keychain can be
//! reached for a new database, the user chooses one (asked twice).

use std::{io::IsTerminal, path::Path};

use anyhow::{Result, bail};
use crm_store::StoreError;
use crm_vault::VaultError;
use rust_i18n::t;
use zeroize::Zeroizing;

/// Make the database at `path` ready to open, encrypting a plain one.
pub fn unlock(path: &Path) -> Result<()> {
    let given = std::env::var_os(crm_vault::PASSPHRASE_VAR).is_some_and(|v| !v.is_empty());
    let first = if given || crm_store::needs_passphrase(path)? {
        Some(passphrase(false)?)
    } else {
        None
    };
    match crm_store::unlock(path, first.as_deref().map(String::as_str)) {
        Err(StoreError::Vault(VaultError::NoKeychain { .. })) if first.is_none() => {
            eprintln!("{}", t!("protect.no_keychain"));
            let chosen = passphrase(true)?;
            crm_store::unlock(path, Some(&chosen))?;
        }
        other => {
            other?;
        }
    }
    Ok(())
}

/// A passphrase from `CRM_PASSPHRASE`, standard input or a prompt (`new`:
/// chosen now, asked twice).
pub fn passphrase(new: bool) -> Result<Zeroizing<String>> {
    match crm_vault::passphrase_from_env_or_stdin() {
        Err(VaultError::NoPassphrase) if std::io::stdin().is_terminal() => {
            let prompt = if new {
                t!("protect.choose")
            } else {
                t!("protect.prompt")
            };
            let typed = Zeroizing::new(rpassword::prompt_password(prompt)?);
            if new {
                let again = Zeroizing::new(rpassword::prompt_password(t!("protect.again"))?);
                if again != typed {
                    bail!(t!("protect.mismatch").into_owned());
                }
            }
            Ok(typed)
        }
        other => Ok(other?),
    }
}
