use std::fmt;
use std::fmt::Write as _;

use zeroize::{Zeroize, Zeroizing};

/// The local database's key: 32 random bytes, wiped from memory when dropped.
///
/// `Debug` does not show it. Hand it to SQLCipher with
/// [`to_sqlcipher_hex`](Key::to_sqlcipher_hex).
#[derive(Clone)]
pub struct Key([u8; Key::LEN]);

impl Key {
    /// The key's length in bytes (SQLCipher's raw key for AES-256).
    pub const LEN: usize = 32;

    /// A new key from the operating system's random source.
    pub(crate) fn random() -> Key {
        let mut bytes = [0u8; Key::LEN];
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        Key(bytes)
    }

    /// Takes the bytes; the caller wipes its own copy.
    pub(crate) fn from_bytes(bytes: [u8; Key::LEN]) -> Key {
        Key(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; Key::LEN] {
        &self.0
    }

    /// The key in SQLCipher's raw-key form, `x'` and 64 hex digits and `'`,
    /// to be given as `PRAGMA key = "x'…'"`: SQLCipher then uses the bytes
    /// as they are instead of deriving a key from a password (no PBKDF2 at
    /// every opening).
    pub fn to_sqlcipher_hex(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(3 + 2 * Key::LEN));
        text.push_str("x'");
        text.push_str(&self.to_hex());
        text.push('\'');
        text
    }

    /// Lowercase hex, as the keychain keeps it (text survives every store).
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        let mut hex = Zeroizing::new(String::with_capacity(2 * Key::LEN));
        for byte in self.0 {
            write!(hex, "{byte:02x}").expect("writing to a String");
        }
        hex
    }

    /// The key as a person writes it down and types it back (a recovery
    /// key): 64 hex digits in 16 groups of 4.
    pub fn to_recovery(&self) -> Zeroizing<String> {
        let hex = self.to_hex();
        let mut text = Zeroizing::new(String::with_capacity(80));
        for (i, pair) in hex.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                text.push('-');
            }
            text.push_str(std::str::from_utf8(pair).expect("hex digits"));
        }
        text
    }

    /// Reads a recovery key back, whatever its dashes, spaces and case;
    /// `None` if it is not 64 hex digits.
    pub fn from_recovery(text: &str) -> Option<Key> {
        let digits: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        Key::from_hex(&digits)
    }

    /// Reads [`to_hex`](Key::to_hex)'s form back; `None` if it is not 64 hex
    /// digits.
    pub(crate) fn from_hex(hex: &str) -> Option<Key> {
        let digits = hex.as_bytes();
        // Checked here: `from_str_radix` alone would take "+1" as a byte.
        if digits.len() != 2 * Key::LEN || !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let mut bytes = Zeroizing::new([0u8; Key::LEN]);
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Key(*bytes))
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlcipher_form_is_x_quote_64_lowercase_hex_digits_quote() {
        let mut bytes = [0u8; Key::LEN];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (i as u8) * 8 + 7;
        }
        let key = Key::from_bytes(bytes);
        assert_eq!(
            key.to_sqlcipher_hex().as_str(),
            "x'070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff'"
        );
    }

    #[test]
    fn hex_reads_back_and_refuses_what_is_not_a_key() {
        let key = Key::random();
        let back = Key::from_hex(&key.to_hex()).expect("its own hex");
        assert_eq!(back.as_bytes(), key.as_bytes());
        assert!(Key::from_hex("").is_none(), "empty");
        assert!(Key::from_hex(&"0".repeat(63)).is_none(), "one digit short");
        assert!(Key::from_hex(&"g".repeat(64)).is_none(), "not hex");
        assert!(
            Key::from_hex(&"é".repeat(32)).is_none(),
            "64 bytes, not digits"
        );
        assert!(
            Key::from_hex(&"+1".repeat(32)).is_none(),
            "from_str_radix takes a sign"
        );
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let key = Key::from_bytes([0xab; Key::LEN]);
        assert_eq!(format!("{key:?}"), "Key(..)");
    }

    #[test]
    fn random_keys_differ() {
        assert_ne!(Key::random().as_bytes(), Key::random().as_bytes());
    }
}
