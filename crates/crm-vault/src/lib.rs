//! The laptop's secrets: the key of the local (SQLCipher) database, and the
//! device's sync token.
//!
//! A data directory's *vault* is a small file beside the database,
//! [`vault.json`](FILE_NAME), saying how the database key is kept:
//! - [`Mode::Keychain`]: a random 32-byte key in the OS keychain (service
//!   `offline-crm`, an account named after the vault's random id, so two data
//!   directories never share an entry). The device token is kept beside it
//!   ([`Vault::set_secret`]).
//! - [`Mode::Passphrase`], where no keychain can be reached
//!   ([`check_keychain`]): the random key is in the file, encrypted under a
//!   key derived from the user's passphrase with Argon2id; a wrong
//!   passphrase is refused from the file alone, before the database is
//!   touched. The device token then lives in the encrypted database.
//!
//! The key is random in both modes, so changing the passphrase rewrites the
//! vault's file, never the database. The file is replaced atomically
//! (temporary file, flush, rename) and holds nothing secret in the clear.
//!
//! Errors carry a stable [`code`](VaultError::code) and parameters; the app
//! words them for the user.

mod error;
mod key;
mod keychain;
mod passphrase;
mod sidecar;

use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub use error::VaultError;
pub use key::Key;
pub use keychain::{SERVICE, check_keychain};
pub use passphrase::{PASSPHRASE_VAR, passphrase_from_env_or_stdin};
pub use sidecar::FILE_NAME;

use passphrase::{Lock, Refusal};
use sidecar::{Keeping, Sidecar};

/// How a vault keeps the database key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// In the OS keychain.
    Keychain,
    /// In the vault's file, behind a passphrase.
    Passphrase,
}

impl Mode {
    /// `keychain` or `passphrase`, as in the vault's file.
    pub fn code(self) -> &'static str {
        match self {
            Mode::Keychain => "keychain",
            Mode::Passphrase => "passphrase",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A secret kept in the keychain beside a keychain vault's database key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secret {
    /// The token the sync server gave this device.
    DeviceToken,
}

impl Secret {
    /// Every secret: [`Vault::erase`] deletes each of them. A new variant
    /// goes here too.
    pub const ALL: [Secret; 1] = [Secret::DeviceToken];

    /// Its part of the keychain account, `vault-<id>/<name>`.
    fn name(self) -> &'static str {
        match self {
            Secret::DeviceToken => "device-token",
        }
    }
}

/// The keychain entry of the database key, `vault-<id>/database-key`.
const DATABASE_KEY: &str = "database-key";

/// A data directory's vault, as read from its file.
#[derive(Debug)]
pub struct Vault {
    dir: PathBuf,
    sidecar: Sidecar,
}

impl Vault {
    /// The vault of `dir`, or `None` if the directory has none yet (a new
    /// data directory, or a database from before encryption).
    ///
    /// [`VaultError::VaultCorrupt`] if the file is not a vault,
    /// [`VaultError::VaultTooNew`] if a newer app wrote it.
    pub fn open(dir: &Path) -> Result<Option<Vault>, VaultError> {
        Ok(sidecar::read(dir)?.map(|sidecar| Vault {
            dir: dir.to_owned(),
            sidecar,
        }))
    }

    /// Makes `dir`'s vault with a new random key kept in the OS keychain,
    /// and returns it with the key. The key is read back from the keychain
    /// before the vault's file is written, so a keychain that does not keep
    /// what it is given fails here, not at the next start.
    ///
    /// [`VaultError::VaultExists`] if `dir` has a vault (in any state);
    /// a keychain error if no keychain takes the key.
    pub fn create_keychain(dir: &Path) -> Result<(Vault, Key), VaultError> {
        Self::keep_in_keychain(dir, Key::random())
    }

    /// [`Vault::create_keychain`] for a key there already is (recovered
    /// from its recovery key: the keychain that held it was lost).
    pub fn keep_in_keychain(dir: &Path, key: Key) -> Result<(Vault, Key), VaultError> {
        refuse_existing(dir)?;
        let sidecar = Sidecar {
            format: sidecar::FORMAT,
            id: sidecar::new_id(),
            keeping: Keeping::Keychain,
        };
        let account = keychain::account(&sidecar.id, DATABASE_KEY);
        keychain::store(&account, &key.to_hex())?;
        let kept = keychain::load(&account).and_then(|back| match back {
            Some(hex) if hex.as_str() == key.to_hex().as_str() => Ok(()),
            _ => Err(VaultError::Keychain {
                detail: "the keychain did not give the key back".into(),
            }),
        });
        if let Err(e) = kept.and_then(|()| sidecar::write(dir, &sidecar)) {
            // Nothing is locked with this key yet: leave no stray entry.
            let _ = keychain::delete(&account);
            return Err(e);
        }
        Ok((
            Vault {
                dir: dir.to_owned(),
                sidecar,
            },
            key,
        ))
    }

    /// Makes `dir`'s vault with a new random key locked under `passphrase`,
    /// and returns it with the key. Takes a moment (Argon2id).
    ///
    /// [`VaultError::VaultExists`] if `dir` has a vault (in any state);
    /// [`VaultError::EmptyPassphrase`].
    pub fn create_passphrase(dir: &Path, passphrase: &str) -> Result<(Vault, Key), VaultError> {
        Self::keep_behind_passphrase(dir, passphrase, Key::random())
    }

    /// [`Vault::create_passphrase`] for a key there already is (recovered
    /// from its recovery key).
    pub fn keep_behind_passphrase(
        dir: &Path,
        passphrase: &str,
        key: Key,
    ) -> Result<(Vault, Key), VaultError> {
        refuse_existing(dir)?;
        let id = sidecar::new_id();
        let sidecar = Sidecar {
            format: sidecar::FORMAT,
            keeping: Keeping::Passphrase(Lock::seal(&key, passphrase, &id)?),
            id,
        };
        sidecar::write(dir, &sidecar)?;
        Ok((
            Vault {
                dir: dir.to_owned(),
                sidecar,
            },
            key,
        ))
    }

    /// How this vault keeps the database key.
    pub fn mode(&self) -> Mode {
        match self.sidecar.keeping {
            Keeping::Keychain => Mode::Keychain,
            Keeping::Passphrase(_) => Mode::Passphrase,
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database key, from the keychain.
    ///
    /// [`VaultError::KeyMissing`] if the keychain answers but has no entry
    /// for this vault; [`VaultError::WrongMode`] for a passphrase vault.
    pub fn unlock_keychain(&self) -> Result<Key, VaultError> {
        self.expect_mode(Mode::Keychain)?;
        let account = self.account(DATABASE_KEY);
        let hex = keychain::load(&account)?.ok_or_else(|| VaultError::KeyMissing {
            account: account.clone(),
        })?;
        Key::from_hex(&hex).ok_or(VaultError::KeyCorrupt { account })
    }

    /// The database key, unlocked with `passphrase`. Takes a moment
    /// (Argon2id).
    ///
    /// [`VaultError::WrongPassphrase`] if it is not this vault's passphrase
    /// (nothing is written); [`VaultError::VaultCorrupt`] if the passphrase
    /// is right but the key in the file is damaged;
    /// [`VaultError::WrongMode`] for a keychain vault.
    pub fn unlock_passphrase(&self, passphrase: &str) -> Result<Key, VaultError> {
        let lock = self.lock()?;
        lock.open(passphrase, &self.sidecar.id)
            .map_err(|refusal| match refusal {
                Refusal::WrongPassphrase => VaultError::WrongPassphrase,
                Refusal::Damaged(detail) => VaultError::VaultCorrupt {
                    path: sidecar::path(&self.dir),
                    detail,
                },
            })
    }

    /// Locks the same database key under `new` instead of `old`: the vault's
    /// file is rewritten (atomically), the database is not touched.
    ///
    /// [`VaultError::WrongPassphrase`] if `old` is not this vault's passphrase
    /// and [`VaultError::EmptyPassphrase`] if `new` is empty; in both cases
    /// nothing is written.
    pub fn change_passphrase(&mut self, old: &str, new: &str) -> Result<(), VaultError> {
        let key = self.unlock_passphrase(old)?;
        let mut changed = self.sidecar.clone();
        changed.keeping = Keeping::Passphrase(Lock::seal(&key, new, &changed.id)?);
        sidecar::write(&self.dir, &changed)?;
        self.sidecar = changed;
        Ok(())
    }

    /// Keeps `value` as `secret` in the keychain, replacing any earlier one.
    ///
    /// [`VaultError::WrongMode`] for a passphrase vault: its secrets belong
    /// in the encrypted database.
    pub fn set_secret(&self, secret: Secret, value: &str) -> Result<(), VaultError> {
        self.expect_mode(Mode::Keychain)?;
        keychain::store(&self.account(secret.name()), value)
    }

    /// The `secret` kept in the keychain, or `None` if none is.
    pub fn secret(&self, secret: Secret) -> Result<Option<Zeroizing<String>>, VaultError> {
        self.expect_mode(Mode::Keychain)?;
        keychain::load(&self.account(secret.name()))
    }

    /// Deletes `secret` from the keychain; none kept is not an error.
    pub fn delete_secret(&self, secret: Secret) -> Result<(), VaultError> {
        self.expect_mode(Mode::Keychain)?;
        keychain::delete(&self.account(secret.name()))
    }

    /// Erases `dir`'s vault for a remote wipe: the keychain entries (the
    /// database key and every [`Secret`]) and the vault's file, so the
    /// database cannot be opened any more, whatever the passphrase.
    ///
    /// Works on a file this version cannot read: a damaged file is removed,
    /// a newer one has its keychain entries removed too. If the keychain
    /// refuses, the file is kept, so that a later call finds the entries
    /// again, and the error is returned. No vault is not an error.
    pub fn erase(dir: &Path) -> Result<(), VaultError> {
        if let Some(id) = sidecar::keychain_id(dir) {
            for secret in Secret::ALL {
                keychain::delete(&keychain::account(&id, secret.name()))?;
            }
            keychain::delete(&keychain::account(&id, DATABASE_KEY))?;
        }
        sidecar::remove(dir)
    }

    fn account(&self, item: &str) -> String {
        keychain::account(&self.sidecar.id, item)
    }

    fn lock(&self) -> Result<&Lock, VaultError> {
        match &self.sidecar.keeping {
            Keeping::Passphrase(lock) => Ok(lock),
            Keeping::Keychain => Err(VaultError::WrongMode {
                expected: Mode::Passphrase,
                actual: Mode::Keychain,
            }),
        }
    }

    fn expect_mode(&self, expected: Mode) -> Result<(), VaultError> {
        let actual = self.mode();
        if actual == expected {
            Ok(())
        } else {
            Err(VaultError::WrongMode { expected, actual })
        }
    }
}

/// A vault file in any state, even one this version cannot read, belongs to
/// a database that may be locked with its key.
fn refuse_existing(dir: &Path) -> Result<(), VaultError> {
    match sidecar::read(dir) {
        Ok(None) => Ok(()),
        Ok(Some(_)) | Err(VaultError::VaultCorrupt { .. } | VaultError::VaultTooNew { .. }) => {
            Err(VaultError::VaultExists {
                dir: dir.to_owned(),
            })
        }
        Err(e) => Err(e),
    }
}
