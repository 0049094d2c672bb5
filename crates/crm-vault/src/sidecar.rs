//! The vault's file beside the database: which way the key is kept and, for
//! a passphrase, what unlocks it. It holds no secret in the clear.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::VaultError;
use crate::passphrase::Lock;

/// The vault's file name in the data directory.
pub const FILE_NAME: &str = "vault.json";

/// The format this version writes and the newest it reads.
pub(crate) const FORMAT: u32 = 1;

/// Where a new file is written before it takes [`FILE_NAME`]'s place.
const TEMP_NAME: &str = "vault.json.tmp";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Sidecar {
    pub format: u32,
    /// 32 hex digits, random: names the vault's keychain entries, so two
    /// data directories never share one and a moved directory keeps its own.
    pub id: String,
    #[serde(flatten)]
    pub keeping: Keeping,
}

/// How the database key is kept; `mode` in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub(crate) enum Keeping {
    /// The key is in the OS keychain.
    Keychain,
    /// The key is in this file, encrypted under the passphrase.
    Passphrase(Lock),
}

/// A new vault's id: 16 random bytes in hex.
pub(crate) fn new_id() -> String {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).expect("the operating system's random source");
    id.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// The directory's vault, or `None` if it has no vault file.
pub(crate) fn read(dir: &Path) -> Result<Option<Sidecar>, VaultError> {
    let path = path(dir);
    let Some(value) = read_json(&path)? else {
        return Ok(None);
    };
    let corrupt = |detail: String| VaultError::VaultCorrupt {
        path: path.clone(),
        detail,
    };
    // The format first: a newer file may not parse as this version's shape,
    // and "update the app" is the useful answer then.
    let format = value
        .get("format")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("no format number".into()))?;
    if format > u64::from(FORMAT) {
        return Err(VaultError::VaultTooNew {
            path,
            format: u32::try_from(format).unwrap_or(u32::MAX),
            known: FORMAT,
        });
    }
    let sidecar: Sidecar = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
    if sidecar.format != FORMAT {
        return Err(corrupt(format!("format {}", sidecar.format)));
    }
    if sidecar.id.len() != 32 || !sidecar.id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(corrupt("the id is not 32 hex digits".into()));
    }
    Ok(Some(sidecar))
}

/// The id of a keychain vault, read from any format that has one: erasing
/// must reach the keychain entries even of a file this version cannot read
/// in full. `None` if there is no file, no id, or the key is not kept in the
/// keychain.
pub(crate) fn keychain_id(dir: &Path) -> Option<String> {
    let value = read_json(&path(dir)).ok()??;
    let keychain = value.get("mode").and_then(Value::as_str) == Some("keychain");
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    id.filter(|_| keychain)
}

fn read_json(path: &Path) -> Result<Option<Value>, VaultError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(VaultError::io(path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| VaultError::VaultCorrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        })
}

/// Replaces the vault's file as one step: the new content goes to a
/// temporary file, is flushed to the disk, and is renamed over the old one,
/// so a crash leaves either the old file or the new one, never a torn one.
pub(crate) fn write(dir: &Path, sidecar: &Sidecar) -> Result<(), VaultError> {
    let mut bytes = serde_json::to_vec_pretty(sidecar).expect("a vault serialises");
    bytes.push(b'\n');
    let temp = dir.join(TEMP_NAME);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(VaultError::io(&temp))?;
    file.write_all(&bytes).map_err(VaultError::io(&temp))?;
    file.sync_all().map_err(VaultError::io(&temp))?;
    drop(file);
    let path = path(dir);
    fs::rename(&temp, &path).map_err(VaultError::io(&path))?;
    sync_dir(dir)
}

/// Removes the vault's file; no file is not an error.
pub(crate) fn remove(dir: &Path) -> Result<(), VaultError> {
    let path = path(dir);
    match fs::remove_file(&path) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(VaultError::io(path)(e)),
    }
}

/// Makes a rename or removal in `dir` durable (POSIX keeps directory entries
/// in the directory's own data). Windows cannot open a directory as a file
/// and its rename is journalled by NTFS.
fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(VaultError::io(dir))?;
    }
    Ok(())
}
