//! Opening the encrypted database from the command line (the same door as
//! the app's, `crm_store::unlock`): its passphrase from `CRM_PASSPHRASE`,
//! the first line of standard input, or a prompt; where no keychain can be
//! reached for a new database, the user chooses one (asked twice).

use std::{io::IsTerminal, path::Path};

use anyhow::{Result, bail};
use clap::Subcommand;
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

#[derive(Debug, Subcommand)]
pub enum VaultCmd {
    /// Show the recovery key: write it down and keep it apart from the laptop
    Key,
    /// Open the database with its recovery key after its vault file or its
    /// keychain entry was lost (a new passphrase is asked where there is no keychain)
    Recover { key: String },
    /// Change the passphrase (the old one, then the new one twice)
    Passphrase,
}

/// `crm vault …`. `recover` runs before the database is unlocked (it is
/// how it gets unlocked); the others after.
pub fn vault(path: &Path, cmd: VaultCmd, json: bool) -> Result<()> {
    match cmd {
        VaultCmd::Key => {
            let key = crm_store::recovery_key(path)?;
            if json {
                println!("{}", serde_json::json!({ "recovery_key": key.as_str() }));
            } else {
                println!("{}", t!("vault_cmd.key_title"));
                println!("{}", key.as_str());
            }
        }
        VaultCmd::Recover { key } => {
            let mode = match crm_vault::check_keychain() {
                Ok(()) if std::env::var_os(crm_vault::PASSPHRASE_VAR).is_none() => {
                    crm_store::recover(path, &key, None)?
                }
                _ => {
                    let chosen = passphrase(true)?;
                    crm_store::recover(path, &key, Some(&chosen))?
                }
            };
            let how = match mode {
                crm_store::Protection::Keychain => t!("vault_cmd.by_keychain"),
                crm_store::Protection::Passphrase => t!("vault_cmd.by_passphrase"),
            };
            println!("{}", t!("vault_cmd.recovered", how = how));
        }
        VaultCmd::Passphrase => {
            let old = passphrase(false)?;
            let new = Zeroizing::new(rpassword::prompt_password(t!("vault_cmd.new_prompt"))?);
            let again = Zeroizing::new(rpassword::prompt_password(t!("protect.again"))?);
            if again != new {
                bail!(t!("protect.mismatch").into_owned());
            }
            crm_store::change_passphrase(path, &old, &new)?;
            println!("{}", t!("vault_cmd.changed"));
        }
    }
    Ok(())
}
