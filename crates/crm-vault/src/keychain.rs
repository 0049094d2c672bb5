//! The OS keychain through the `keyring` crate: Keychain on macOS,
//! Credential Manager on Windows, a Secret Service (GNOME Keyring, KWallet,
//! KeePassXC) over the D-Bus session bus on Linux.
//!
//! Every entry is a text password under service [`SERVICE`] and an account
//! named after the vault's id (see [`account`]). Each call connects anew; a
//! call may block while the platform asks the user to unlock the keychain,
//! so an async caller runs it on a blocking thread.

use keyring::Entry;
use zeroize::Zeroizing;

use crate::VaultError;

/// The keychain service of every entry of this app.
pub const SERVICE: &str = "offline-crm";

/// The account of a vault's entry: `vault-<id>/<item>`.
pub(crate) fn account(vault_id: &str, item: &str) -> String {
    format!("vault-{vault_id}/{item}")
}

/// Writes (or replaces) the entry.
pub(crate) fn store(account: &str, value: &str) -> Result<(), VaultError> {
    entry(account)?.set_password(value).map_err(refusal)
}

/// The entry's text, or `None` if there is no such entry.
pub(crate) fn load(account: &str) -> Result<Option<Zeroizing<String>>, VaultError> {
    match entry(account)?.get_password() {
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(keyring::Error::BadEncoding(mut bytes)) => {
            zeroize::Zeroize::zeroize(&mut bytes);
            Err(VaultError::KeyCorrupt {
                account: account.to_owned(),
            })
        }
        Err(e) => Err(refusal(e)),
    }
}

/// Deletes the entry; no entry is not an error.
pub(crate) fn delete(account: &str) -> Result<(), VaultError> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(refusal(e)),
    }
}

fn entry(account: &str) -> Result<Entry, VaultError> {
    Entry::new(SERVICE, account).map_err(refusal)
}

/// The app's view of a keychain failure. The platform's text goes to the
/// logs through `detail`; the kind decides what the user is asked to do
/// (unlock the keychain, or choose a passphrase).
fn refusal(error: keyring::Error) -> VaultError {
    match error {
        // Secret Service: no session bus, nobody owning org.freedesktop.secrets,
        // a broken connection; on macOS and Windows an OS call that failed.
        keyring::Error::PlatformFailure(e) => VaultError::NoKeychain {
            detail: e.to_string(),
        },
        // A locked collection the user did not unlock at the prompt, no
        // default collection, or access refused.
        keyring::Error::NoStorageAccess(e) => VaultError::KeychainLocked {
            detail: e.to_string(),
        },
        other => VaultError::Keychain {
            detail: other.to_string(),
        },
    }
}

/// Whether a keychain can keep this app's secrets now: writes, reads back
/// and deletes an entry of its own (`probe-<random>`), as creating a vault
/// would. `Ok` means the keychain way will work; otherwise the error says
/// why ([`VaultError::NoKeychain`], [`VaultError::KeychainLocked`], ...) and
/// the app offers a passphrase instead.
///
/// On Linux with a locked keyring this may show the desktop's unlock
/// prompt and wait for the user.
pub fn check_keychain() -> Result<(), VaultError> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).expect("the operating system's random source");
    let account: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let account = format!("probe-{account}");
    let value = "offline-crm keychain probe";
    store(&account, value)?;
    let read = load(&account);
    delete(&account)?;
    match read? {
        Some(back) if back.as_str() == value => Ok(()),
        Some(_) => Err(VaultError::Keychain {
            detail: "the keychain gave back another value than it was given".into(),
        }),
        None => Err(VaultError::Keychain {
            detail: "the keychain did not keep an entry".into(),
        }),
    }
}
