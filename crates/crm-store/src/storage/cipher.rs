//! Opening the database file with its key.
//!
//! The database is encrypted with SQLCipher (AES-256, a random raw key kept
//! by `crm-vault`). Every connection this crate opens on a database file,
//! the writer's, the readers', the maintenance thread's and the backups',
//! comes through [`open`], which gives SQLCipher the key registered for that
//! file before anything is read. Keys are registered once per process by
//! [`crate::unlock`] (the one door the command line and the app share); a
//! file with no key registered is opened as plain SQLite, as databases made
//! before encryption (and the library's own tests) are.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use crm_vault::{Key, Mode};
use rusqlite::{Connection, OpenFlags};

/// A registered key and how it is kept.
#[derive(Clone)]
pub(crate) struct Unlocked {
    pub key: Arc<Key>,
    pub mode: Mode,
}

fn registry() -> &'static Mutex<BTreeMap<PathBuf, Unlocked>> {
    static KEYS: std::sync::OnceLock<Mutex<BTreeMap<PathBuf, Unlocked>>> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// The name a file's key is registered under: its directory, absolute
/// (the file may not exist yet). A vault keeps one key per data directory,
/// so every database the app makes there (a new one begun for a sign-in, a
/// demo set aside) is encrypted with it.
fn name_of(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    path.parent().map_or(path.clone(), Path::to_path_buf)
}

/// Open the databases in the directory of `path` with this key from now on
/// (this process).
pub(crate) fn register(path: &Path, key: Key, mode: Mode) {
    registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(
            name_of(path),
            Unlocked {
                key: Arc::new(key),
                mode,
            },
        );
}

/// Forget the key of `path` (the database was erased).
pub(crate) fn forget(path: &Path) {
    registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&name_of(path));
}

/// The key registered for `path`, if any.
pub(crate) fn unlocked(path: &Path) -> Option<Unlocked> {
    registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&name_of(path))
        .cloned()
}

/// SQLCipher's page cache per connection, in KiB (negative: KiB, as
/// `cache_size` takes it). Decrypting a page costs more than reading it, so
/// an encrypted database keeps more pages decrypted in memory: with
/// SQLite's default 2 MiB, random reads over a large book were 4-5 times
/// slower than plain.
const ENCRYPTED_CACHE_KIB: i64 = 32 * 1024;

/// The page cache while a first sync loads the whole book (KiB): the load
/// and the search index built after it read back pages just written, each
/// decrypted again once it leaves a small cache (a first sync of 550,000
/// records took 1.4 times as long encrypted with 32 MiB, 1.25 with this).
const BULK_CACHE_KIB: i64 = 128 * 1024;

/// Give `conn` the bulk-load cache (`on`), or its usual one back.
pub(crate) fn bulk_cache(conn: &Connection, path: &Path, on: bool) -> rusqlite::Result<()> {
    let kib = match (on, unlocked(path).is_some()) {
        (true, _) => BULK_CACHE_KIB,
        (false, true) => ENCRYPTED_CACHE_KIB,
        // SQLite's default.
        (false, false) => 2_000,
    };
    conn.pragma_update(None, "cache_size", -kib)
}

/// Open `path` with `flags`, keyed with the key registered for it.
pub(crate) fn open(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    open_keyed(path, flags, unlocked(path).as_ref().map(|u| u.key.as_ref()))
}

/// Open `path` with the key registered for `as_of` (a backup made of it).
pub(crate) fn open_as(path: &Path, as_of: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    open_keyed(
        path,
        flags,
        unlocked(as_of).as_ref().map(|u| u.key.as_ref()),
    )
}

/// The key a backup made on this laptop is encrypted with: its database's
/// (the one this process unlocked; a process opens one database).
pub(crate) fn backup_key() -> Option<Arc<Key>> {
    registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .next()
        .map(|u| Arc::clone(&u.key))
}

/// Open `path` with `key` (none: plain).
pub(crate) fn open_keyed(
    path: &Path,
    flags: OpenFlags,
    key: Option<&Key>,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    // A wrong key is an answer the caller words for the user; SQLCipher's
    // own log lines on stderr would only confuse them.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    if let Some(key) = key {
        apply_key(&conn, key)?;
    }
    Ok(conn)
}

/// Key a fresh connection: first of all, before any page is read.
pub(crate) fn apply_key(conn: &Connection, key: &Key) -> rusqlite::Result<()> {
    // Hex digits only: nothing in it needs quoting.
    let hex = key.to_sqlcipher_hex();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", hex.as_str()))?;
    conn.pragma_update(None, "cache_size", -ENCRYPTED_CACHE_KIB)?;
    Ok(())
}

/// The first bytes of every plain SQLite file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is a plain (unencrypted) SQLite database. An
/// empty or missing file is not.
pub(crate) fn is_plain(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => match f.read_exact(&mut header) {
            Ok(()) => Ok(&header == PLAIN_HEADER),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(e),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
