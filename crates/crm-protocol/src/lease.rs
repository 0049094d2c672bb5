//! How long a laptop may stay away from the team's server, and the codes an
//! administrator reads out to let a laptop that cannot reach the server go
//! on working.
//!
//! The server's policy says how many days a laptop may go without a
//! successful sync (`offline_days`), then how many more it is warned before
//! it locks (`grace_days`). A laptop that cannot sync (a long trip with no
//! network) is extended by an administrator with a short code made for that
//! device and a day (`crm-server device extend`): an HMAC-SHA256 under a key
//! the server gave the laptop at login, so the laptop checks it offline and
//! nobody makes one without the server.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crm_domain::Id;

/// The team's policy, sent at login and with every pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeasePolicy {
    /// Days a laptop may go without a successful sync before it warns; 0:
    /// no limit.
    pub offline_days: u32,
    /// Days of warning after that before it locks.
    pub grace_days: u32,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy {
            offline_days: 30,
            grace_days: 7,
        }
    }
}

/// Bytes of the HMAC kept in a code: 48 bits, a guess in 2^48 for one day
/// of one device, typed by a person who cannot try faster than the app lets
/// them.
const TAG_BYTES: usize = 6;

fn mac_for(key: &[u8], device: Id, until_day: u16) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"crm-lease-extension\0");
    mac.update(device.0.as_bytes());
    mac.update(&until_day.to_be_bytes());
    mac
}

fn tag(key: &[u8], device: Id, until_day: u16) -> [u8; TAG_BYTES] {
    let full = mac_for(key, device, until_day).finalize().into_bytes();
    let mut out = [0; TAG_BYTES];
    out.copy_from_slice(&full[..TAG_BYTES]);
    out
}

/// The code that lets `device` work offline until the end of `until_day`
/// (days since 1970-01-01, UTC), under the device's lease key: 13 letters
/// and digits in groups (`ABCD-EFGH-IJKLM`), without the look-alikes of
/// plain base32 (Crockford's alphabet).
pub fn extension_code(key: &[u8], device: Id, until_day: u16) -> String {
    let mut bytes = Vec::with_capacity(2 + TAG_BYTES);
    bytes.extend_from_slice(&until_day.to_be_bytes());
    bytes.extend_from_slice(&tag(key, device, until_day));
    let text = crockford().encode(&bytes);
    format!("{}-{}-{}", &text[..4], &text[4..8], &text[8..])
}

/// The day a code extends `device` to, if it was made for it under `key`;
/// `None` for anything else (mistyped, another device's, forged). Case,
/// spaces and dashes do not matter; `O` reads as zero and `I`/`L` as one.
pub fn check_code(key: &[u8], device: Id, code: &str) -> Option<u16> {
    let cleaned: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    let bytes = crockford().decode(cleaned.as_bytes()).ok()?;
    if bytes.len() != 2 + TAG_BYTES {
        return None;
    }
    let until_day = u16::from_be_bytes([bytes[0], bytes[1]]);
    // Compared in constant time by the HMAC crate's own check.
    mac_for(key, device, until_day)
        .verify_truncated_left(&bytes[2..])
        .ok()?;
    Some(until_day)
}

fn crockford() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.encoding().expect("a valid base32 alphabet")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_opens_its_own_device_until_its_day_and_nothing_else() {
        let key = [7u8; 32];
        let device = Id::new();
        let code = extension_code(&key, device, 20_700);
        assert_eq!(code.len(), 15, "{code}");
        assert_eq!(check_code(&key, device, &code), Some(20_700));
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(check_code(&key, device, &typed), Some(20_700), "as typed");
        assert_eq!(check_code(&key, Id::new(), &code), None, "another device");
        assert_eq!(check_code(&[8u8; 32], device, &code), None, "another key");
        // A later day with the old tag: forged.
        let mut forged = crockford()
            .decode(code.replace('-', "").as_bytes())
            .unwrap();
        forged[1] = forged[1].wrapping_add(1);
        let forged = crockford().encode(&forged);
        assert_eq!(check_code(&key, device, &forged), None, "a day moved");
        assert_eq!(check_code(&key, device, "not a code"), None);
        assert_eq!(check_code(&key, device, ""), None);
    }
}
