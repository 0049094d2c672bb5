//! The database key behind a passphrase.
//!
//! The key itself is random, like a keychain vault's; the passphrase only
//! locks it, so changing the passphrase rewrites the vault's file and never
//! the database. From the passphrase (in Unicode NFC, so "é" typed either
//! way is the same passphrase) Argon2id derives a master secret; keyed
//! BLAKE2b of two constants turns it into
//! - a *verifier*, kept in the file: a wrong passphrase is told apart
//!   without opening the database, and without trying the key;
//! - a *wrapping key*: XChaCha20-Poly1305 encrypts the database key under
//!   it, with the vault's id as associated data. A right verifier with a
//!   wrapped key that fails its tag means the file was damaged.

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal as _};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use blake2::Blake2bMac;
use blake2::digest::Mac;
use blake2::digest::consts::U32;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

use crate::{Key, VaultError};

/// The environment variable a script gives the passphrase in.
pub const PASSPHRASE_VAR: &str = "CRM_PASSPHRASE";

/// New vaults: 64 MiB and three passes (RFC 9106's second choice, on one
/// lane), a fraction of a second once at start on a laptop.
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;
const PARALLELISM: u32 = 1;
const SALT_LEN: usize = 16;

/// What a vault file may ask for, at most: a damaged or hostile file must not
/// make the app allocate gigabytes or spin for minutes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 16;

const VERIFIER_LABEL: &[u8] = b"offline-crm vault v1: passphrase verifier";
const WRAPPING_LABEL: &[u8] = b"offline-crm vault v1: key wrapping";
const ASSOCIATED_DATA: &[u8] = b"offline-crm vault v1: database key of vault ";

type Blake2bMac256 = Blake2bMac<U32>;

/// A passphrase vault's lock, as kept in the vault's file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Lock {
    argon2id: Argon2id,
    /// Base64 of the 32-byte keyed hash of [`VERIFIER_LABEL`].
    verifier: String,
    wrapped_key: WrappedKey,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Argon2id {
    /// 19 (0x13), the only version written.
    version: u32,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    /// Base64.
    salt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WrappedKey {
    /// `xchacha20poly1305`, the only one written.
    cipher: String,
    /// Base64 of 24 bytes.
    nonce: String,
    /// Base64 of the 32-byte key and the 16-byte tag.
    ciphertext: String,
}

/// Why a lock did not open.
#[derive(Debug)]
pub(crate) enum Refusal {
    WrongPassphrase,
    /// The file's lock is damaged; what is wrong.
    Damaged(String),
}

impl Lock {
    /// Locks `key` under `passphrase`, with a new salt and nonce.
    pub fn seal(key: &Key, passphrase: &str, vault_id: &str) -> Result<Lock, VaultError> {
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let salt = random::<SALT_LEN>();
        let argon2id = Argon2id {
            version: Version::V0x13 as u32,
            memory_kib: MEMORY_KIB,
            iterations: ITERATIONS,
            parallelism: PARALLELISM,
            salt: BASE64.encode(salt),
        };
        let master = derive(passphrase, &argon2id, &salt).expect("the built-in Argon2 parameters");
        let nonce = random::<24>();
        let ciphertext = cipher(&master)
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &associated_data(vault_id),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts 32 bytes");
        Ok(Lock {
            argon2id,
            verifier: BASE64.encode(keyed(&master, VERIFIER_LABEL).as_slice()),
            wrapped_key: WrappedKey {
                cipher: "xchacha20poly1305".into(),
                nonce: BASE64.encode(nonce),
                ciphertext: BASE64.encode(ciphertext),
            },
        })
    }

    /// The key, if `passphrase` is this lock's.
    pub fn open(&self, passphrase: &str, vault_id: &str) -> Result<Key, Refusal> {
        let salt = decode("argon2id.salt", &self.argon2id.salt)?;
        let verifier = decode("verifier", &self.verifier)?;
        let nonce = decode("wrapped_key.nonce", &self.wrapped_key.nonce)?;
        let ciphertext = decode("wrapped_key.ciphertext", &self.wrapped_key.ciphertext)?;
        if self.wrapped_key.cipher != "xchacha20poly1305" {
            return Err(Refusal::Damaged(format!(
                "unknown cipher {:?}",
                self.wrapped_key.cipher
            )));
        }
        if nonce.len() != 24 {
            return Err(Refusal::Damaged("the nonce is not 24 bytes".into()));
        }
        let master = derive(passphrase, &self.argon2id, &salt).map_err(Refusal::Damaged)?;

        let mut check = mac(&master);
        check.update(VERIFIER_LABEL);
        // Constant time: the comparison tells nothing of how close a guess was.
        if check.verify_slice(&verifier).is_err() {
            return Err(Refusal::WrongPassphrase);
        }

        let plain = Zeroizing::new(
            cipher(&master)
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ciphertext,
                        aad: &associated_data(vault_id),
                    },
                )
                .map_err(|_| {
                    Refusal::Damaged("the wrapped key fails its authentication tag".into())
                })?,
        );
        let bytes: [u8; Key::LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Refusal::Damaged("the wrapped key is not 32 bytes".into()))?;
        Ok(Key::from_bytes(bytes))
    }
}

/// Argon2id's 32-byte output for the passphrase in NFC, or why the file's
/// parameters are refused.
fn derive(
    passphrase: &str,
    argon2id: &Argon2id,
    salt: &[u8],
) -> Result<Zeroizing<[u8; 32]>, String> {
    if argon2id.version != Version::V0x13 as u32 {
        return Err(format!("unknown Argon2 version {}", argon2id.version));
    }
    if argon2id.memory_kib > MAX_MEMORY_KIB
        || argon2id.iterations > MAX_ITERATIONS
        || argon2id.parallelism > MAX_PARALLELISM
    {
        return Err(format!(
            "Argon2 parameters beyond this version's limits: {} KiB, {} passes, {} lanes",
            argon2id.memory_kib, argon2id.iterations, argon2id.parallelism
        ));
    }
    let params = Params::new(
        argon2id.memory_kib,
        argon2id.iterations,
        argon2id.parallelism,
        Some(32),
    )
    .map_err(|e| format!("Argon2 parameters: {e}"))?;
    let normalized = Zeroizing::new(passphrase.nfc().collect::<String>());
    let mut master = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(normalized.as_bytes(), salt, master.as_mut_slice())
        .map_err(|e| format!("Argon2: {e}"))?;
    Ok(master)
}

/// BLAKE2b-256 keyed with the master secret, of a constant.
fn keyed(master: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = mac(master);
    mac.update(label);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

fn mac(master: &[u8; 32]) -> Blake2bMac256 {
    <Blake2bMac256 as Mac>::new_from_slice(master).expect("a 32-byte key")
}

fn cipher(master: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(keyed(master, WRAPPING_LABEL).as_slice())
        .expect("a 32-byte key")
}

/// Binds a wrapped key to its vault: a lock copied into another vault's file
/// does not open there.
fn associated_data(vault_id: &str) -> Vec<u8> {
    [ASSOCIATED_DATA, vault_id.as_bytes()].concat()
}

fn decode(field: &str, text: &str) -> Result<Vec<u8>, Refusal> {
    BASE64
        .decode(text)
        .map_err(|e| Refusal::Damaged(format!("{field}: {e}")))
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes
}

/// The passphrase for a script: the `CRM_PASSPHRASE` environment variable if
/// it is set and not empty, else the first line of standard input when
/// standard input is not a terminal (a pipe or a file; the line's end, `\n`
/// or `\r\n`, is not part of the passphrase).
///
/// [`VaultError::NoPassphrase`] when neither gives one: standard input is a
/// terminal (the caller may then prompt, without echo) or is empty.
/// [`VaultError::UnreadablePassphrase`] when the variable or the line is not
/// UTF-8, or standard input cannot be read.
///
/// The variable stays in this process's environment, and so in its
/// children's; standard input leaves no such trace.
pub fn passphrase_from_env_or_stdin() -> Result<Zeroizing<String>, VaultError> {
    let stdin = io::stdin();
    let is_terminal = stdin.is_terminal();
    read_passphrase(std::env::var_os(PASSPHRASE_VAR), stdin.lock(), is_terminal)
}

/// No passphrase is longer than this; a script that pipes in a whole file by
/// mistake gets a refusal, not the file in memory.
const MAX_LINE: u64 = 64 * 1024;

fn read_passphrase(
    var: Option<OsString>,
    input: impl BufRead,
    input_is_terminal: bool,
) -> Result<Zeroizing<String>, VaultError> {
    if let Some(var) = var.filter(|v| !v.is_empty()) {
        return var.into_string().map(Zeroizing::new).map_err(|_| {
            VaultError::UnreadablePassphrase {
                from: PASSPHRASE_VAR,
                detail: "not UTF-8".into(),
            }
        });
    }
    if input_is_terminal {
        return Err(VaultError::NoPassphrase);
    }
    let unreadable = |detail: String| VaultError::UnreadablePassphrase {
        from: "stdin",
        detail,
    };
    // Room for a long passphrase up front, so the line is not copied into
    // a bigger buffer, leaving the old one unwiped.
    let mut line = Zeroizing::new(String::with_capacity(1024));
    input
        .take(MAX_LINE)
        .read_line(&mut line)
        .map_err(|e| unreadable(e.to_string()))?;
    if !line.ends_with('\n') && line.len() as u64 == MAX_LINE {
        return Err(unreadable(format!(
            "no line end in the first {MAX_LINE} bytes"
        )));
    }
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    if line.is_empty() {
        return Err(VaultError::NoPassphrase);
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(var: Option<&str>, input: &[u8], terminal: bool) -> Result<String, String> {
        read_passphrase(var.map(OsString::from), input, terminal)
            .map(|p| p.to_string())
            .map_err(|e| e.code().to_string())
    }

    #[test]
    fn the_variable_wins_over_standard_input() {
        assert_eq!(
            read(Some("from env"), b"from stdin\n", false),
            Ok("from env".into())
        );
        assert_eq!(read(Some("from env"), b"", true), Ok("from env".into()));
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        assert_eq!(
            read(Some(""), b"from stdin\n", false),
            Ok("from stdin".into())
        );
    }

    #[test]
    fn standard_input_gives_its_first_line_without_the_line_end() {
        assert_eq!(
            read(None, b"one two \n second\n", false),
            Ok("one two ".into())
        );
        assert_eq!(read(None, b"windows\r\n", false), Ok("windows".into()));
        assert_eq!(read(None, b"no line end", false), Ok("no line end".into()));
        assert_eq!(
            read(None, "pässwörd\n".as_bytes(), false),
            Ok("pässwörd".into())
        );
    }

    #[test]
    fn a_terminal_or_nothing_gives_no_passphrase() {
        assert_eq!(
            read(None, b"typed ahead\n", true),
            Err("no_passphrase".into())
        );
        assert_eq!(read(None, b"", false), Err("no_passphrase".into()));
        assert_eq!(read(None, b"\n", false), Err("no_passphrase".into()));
    }

    #[test]
    fn what_is_not_utf8_or_not_a_line_is_refused() {
        assert_eq!(
            read(None, b"\xff\xfe\n", false),
            Err("unreadable_passphrase".into())
        );
        let huge = vec![b'a'; MAX_LINE as usize + 10];
        assert_eq!(
            read(None, &huge, false),
            Err("unreadable_passphrase".into())
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt as _;
            let var = OsString::from_vec(b"\xff".to_vec());
            let err = read_passphrase(Some(var), &b""[..], true).unwrap_err();
            assert_eq!(err.code(), "unreadable_passphrase");
        }
    }
}
