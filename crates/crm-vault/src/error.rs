use std::io;
use std::path::PathBuf;

use crate::Mode;

/// Why a vault could not be made, read, unlocked or changed.
///
/// The app shows these by [`code`](VaultError::code) and the variant's fields;
/// the `Display` text is for logs only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The passphrase does not open this vault. Nothing was changed.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// A new passphrase was empty.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// A script gave no passphrase: `CRM_PASSPHRASE` unset or empty and
    /// standard input a terminal or empty.
    #[error("no passphrase: CRM_PASSPHRASE is unset and standard input gave none")]
    NoPassphrase,
    /// A script's passphrase could not be read: not UTF-8, or standard
    /// input failed.
    #[error("the passphrase from {from} cannot be read: {detail}")]
    UnreadablePassphrase {
        /// `CRM_PASSPHRASE` or `stdin`.
        from: &'static str,
        /// What is wrong, for logs.
        detail: String,
    },
    /// No keychain answers: no Secret Service on the session bus, no session
    /// bus, or the platform's store failed.
    #[error("no keychain can be reached: {detail}")]
    NoKeychain {
        /// What the platform said, for logs.
        detail: String,
    },
    /// The keychain answers but is locked, or the user refused access.
    #[error("the keychain is locked or refused access: {detail}")]
    KeychainLocked {
        /// What the platform said, for logs.
        detail: String,
    },
    /// The keychain has no entry where this vault keeps its key (the entry was
    /// deleted, or this is another user's keychain).
    #[error("the keychain has no entry {account} for this vault's key")]
    KeyMissing {
        /// The entry's account name (service `offline-crm`).
        account: String,
    },
    /// The keychain entry holds something that is not a key.
    #[error("the keychain entry {account} does not hold a key")]
    KeyCorrupt {
        /// The entry's account name (service `offline-crm`).
        account: String,
    },
    /// The keychain refused a request for another reason.
    #[error("keychain error: {detail}")]
    Keychain {
        /// What the platform said, for logs.
        detail: String,
    },
    /// The data directory already has a vault; making another would lose the
    /// key of the database it locks.
    #[error("{} already has a vault", dir.display())]
    VaultExists {
        /// The data directory.
        dir: PathBuf,
    },
    /// The vault's file cannot be read as a vault, or the key wrapped in it
    /// is damaged.
    #[error("the vault {} is damaged: {detail}", path.display())]
    VaultCorrupt {
        /// The vault's file.
        path: PathBuf,
        /// What is wrong, for logs.
        detail: String,
    },
    /// The vault was written by a newer version of the app.
    #[error("the vault {} has format {format}; this version reads up to {known}", path.display())]
    VaultTooNew {
        /// The vault's file.
        path: PathBuf,
        /// The format it declares.
        format: u32,
        /// The newest format this version reads.
        known: u32,
    },
    /// The request needs the key kept the other way (a keychain request on a
    /// passphrase vault, or the reverse).
    #[error("this vault keeps its key by {actual}, not by {expected}")]
    WrongMode {
        /// The way the request needs.
        expected: Mode,
        /// The way this vault keeps its key.
        actual: Mode,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

impl VaultError {
    /// A stable code for the app's messages: `wrong_passphrase`,
    /// `empty_passphrase`, `no_passphrase`, `unreadable_passphrase`,
    /// `no_keychain`, `keychain_locked`,
    /// `key_missing`, `key_corrupt`, `keychain`, `vault_exists`,
    /// `vault_corrupt`, `vault_too_new`, `wrong_mode`, `io`.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::WrongPassphrase => "wrong_passphrase",
            VaultError::EmptyPassphrase => "empty_passphrase",
            VaultError::NoPassphrase => "no_passphrase",
            VaultError::UnreadablePassphrase { .. } => "unreadable_passphrase",
            VaultError::NoKeychain { .. } => "no_keychain",
            VaultError::KeychainLocked { .. } => "keychain_locked",
            VaultError::KeyMissing { .. } => "key_missing",
            VaultError::KeyCorrupt { .. } => "key_corrupt",
            VaultError::Keychain { .. } => "keychain",
            VaultError::VaultExists { .. } => "vault_exists",
            VaultError::VaultCorrupt { .. } => "vault_corrupt",
            VaultError::VaultTooNew { .. } => "vault_too_new",
            VaultError::WrongMode { .. } => "wrong_mode",
            VaultError::Io { .. } => "io",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> VaultError {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }
}
