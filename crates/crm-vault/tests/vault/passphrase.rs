//! The passphrase way: no keychain involved, so these run everywhere.

use std::time::{Duration, Instant};

use crm_vault::{Key, Mode, Secret, Vault};
use serde_json::json;

use crate::{data_dir, read_vault_file, vault_file, vault_json, write_vault_json};

const PASSPHRASE: &str = "correct horse battery staple";

fn open(dir: &std::path::Path) -> Vault {
    Vault::open(dir)
        .expect("the vault reads")
        .expect("the directory has a vault")
}

fn code(result: Result<impl std::fmt::Debug, crm_vault::VaultError>) -> &'static str {
    result.expect_err("an error").code()
}

#[test]
fn a_new_directory_has_no_vault() {
    let dir = data_dir();
    assert!(Vault::open(dir.path()).unwrap().is_none());
}

#[test]
fn the_passphrase_unlocks_the_same_key_after_the_vault_is_reopened() {
    let dir = data_dir();
    let (vault, key) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    assert_eq!(vault.mode(), Mode::Passphrase);
    drop(vault);

    let vault = open(dir.path());
    assert_eq!(
        vault.mode(),
        Mode::Passphrase,
        "the mode is read from the file"
    );
    let unlocked = vault.unlock_passphrase(PASSPHRASE).unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());

    // The file holds the key only encrypted: neither its hex nor its bytes.
    let file = read_vault_file(dir.path());
    let hex = &key.to_sqlcipher_hex()[2..66];
    assert!(!String::from_utf8_lossy(&file).contains(hex));
    assert!(!file.windows(Key::LEN).any(|w| w == key.as_bytes()));
}

#[test]
fn the_key_has_sqlciphers_raw_key_form() {
    let dir = data_dir();
    let (_, key) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let form = key.to_sqlcipher_hex();
    assert_eq!(form.len(), 67, "x' + 64 digits + '");
    assert!(form.starts_with("x'") && form.ends_with('\''));
    let digits = &form[2..66];
    assert!(
        digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let bytes: Vec<u8> = (0..Key::LEN)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes, key.as_bytes());
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = data_dir();
    let (_, key) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let before = read_vault_file(dir.path());
    let vault = open(dir.path());

    for wrong in [
        "Correct horse battery staple",
        "correct horse battery staple ",
        "correct horse battery stapl",
        "",
    ] {
        assert_eq!(
            code(vault.unlock_passphrase(wrong)),
            "wrong_passphrase",
            "{wrong:?}"
        );
    }
    assert_eq!(read_vault_file(dir.path()), before, "the file is untouched");
    assert!(!dir.path().join("vault.json.tmp").exists());
    let unlocked = vault.unlock_passphrase(PASSPHRASE).unwrap();
    assert_eq!(
        unlocked.as_bytes(),
        key.as_bytes(),
        "the right one still works"
    );
}

#[test]
fn the_passphrase_is_the_same_however_its_accents_were_typed() {
    let dir = data_dir();
    // "é" as one code point, then as "e" and a combining acute accent.
    let (_, key) = Vault::create_passphrase(dir.path(), "caf\u{e9} cr\u{e8}me").unwrap();
    let unlocked = open(dir.path())
        .unlock_passphrase("cafe\u{301} cre\u{300}me")
        .unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());
}

#[test]
fn changing_the_passphrase_keeps_the_key() {
    let dir = data_dir();
    let (mut vault, key) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let before = read_vault_file(dir.path());

    vault
        .change_passphrase(PASSPHRASE, "a new passphrase")
        .unwrap();
    assert_ne!(read_vault_file(dir.path()), before);
    assert!(!dir.path().join("vault.json.tmp").exists());

    let reopened = open(dir.path());
    assert_eq!(
        code(reopened.unlock_passphrase(PASSPHRASE)),
        "wrong_passphrase"
    );
    let unlocked = reopened.unlock_passphrase("a new passphrase").unwrap();
    assert_eq!(
        unlocked.as_bytes(),
        key.as_bytes(),
        "the database key is the same, so the database needs no rekeying"
    );
    // The vault in memory follows the file.
    let unlocked = vault.unlock_passphrase("a new passphrase").unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());
}

#[test]
fn a_refused_change_of_passphrase_changes_nothing() {
    let dir = data_dir();
    let (mut vault, key) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let before = read_vault_file(dir.path());

    assert_eq!(
        code(vault.change_passphrase("not it", "a new passphrase")),
        "wrong_passphrase"
    );
    assert_eq!(
        code(vault.change_passphrase(PASSPHRASE, "")),
        "empty_passphrase"
    );
    assert_eq!(read_vault_file(dir.path()), before);
    let unlocked = open(dir.path()).unlock_passphrase(PASSPHRASE).unwrap();
    assert_eq!(unlocked.as_bytes(), key.as_bytes());
}

#[test]
fn an_empty_passphrase_makes_no_vault() {
    let dir = data_dir();
    assert_eq!(
        code(Vault::create_passphrase(dir.path(), "")),
        "empty_passphrase"
    );
    assert!(!vault_file(dir.path()).exists());
}

#[test]
fn each_vault_has_its_own_key_even_under_the_same_passphrase() {
    let (a, b) = (data_dir(), data_dir());
    let (_, key_a) = Vault::create_passphrase(a.path(), PASSPHRASE).unwrap();
    let (_, key_b) = Vault::create_passphrase(b.path(), PASSPHRASE).unwrap();
    assert_ne!(key_a.as_bytes(), key_b.as_bytes());
    assert_ne!(vault_json(a.path())["id"], vault_json(b.path())["id"]);
}

#[test]
fn a_directory_with_a_vault_gets_no_second_one() {
    let dir = data_dir();
    Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let before = read_vault_file(dir.path());
    assert_eq!(
        code(Vault::create_passphrase(dir.path(), "other")),
        "vault_exists"
    );
    assert_eq!(read_vault_file(dir.path()), before);

    // Not even over a file it cannot read: that file may hold the only key
    // of a database.
    std::fs::write(vault_file(dir.path()), b"{ damaged").unwrap();
    assert_eq!(
        code(Vault::create_passphrase(dir.path(), "other")),
        "vault_exists"
    );
    assert_eq!(std::fs::read(vault_file(dir.path())).unwrap(), b"{ damaged");
}

/// One change to a good vault file.
type Damage = fn(&mut serde_json::Value);

#[test]
fn a_file_that_is_not_a_vault_is_vault_corrupt() {
    let dir = data_dir();
    Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let good = vault_json(dir.path());

    let damaged: [(&str, Damage); 10] = [
        ("no format", |v| {
            drop(v.as_object_mut().unwrap().remove("format"))
        }),
        ("format 0", |v| v["format"] = json!(0)),
        ("unknown mode", |v| v["mode"] = json!("yubikey")),
        ("no verifier", |v| {
            drop(v.as_object_mut().unwrap().remove("verifier"))
        }),
        ("short id", |v| v["id"] = json!("abc")),
        ("salt not base64", |v| v["argon2id"]["salt"] = json!("%%%")),
        ("unknown cipher", |v| {
            v["wrapped_key"]["cipher"] = json!("rot13")
        }),
        ("Argon2 version", |v| v["argon2id"]["version"] = json!(16)),
        // A file must not make the app allocate 4 TiB before refusing it.
        ("4 TiB of memory", |v| {
            v["argon2id"]["memory_kib"] = json!(u32::MAX)
        }),
        ("too few passes", |v| v["argon2id"]["iterations"] = json!(0)),
    ];
    for (what, damage) in damaged {
        let mut value = good.clone();
        damage(&mut value);
        write_vault_json(dir.path(), &value);
        let started = Instant::now();
        let result = Vault::open(dir.path()).and_then(|vault| {
            vault
                .expect("a vault file is there")
                .unlock_passphrase(PASSPHRASE)
        });
        assert_eq!(code(result), "vault_corrupt", "{what}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: refused at once"
        );
    }

    std::fs::write(vault_file(dir.path()), b"not json").unwrap();
    assert_eq!(code(Vault::open(dir.path())), "vault_corrupt");
    std::fs::write(vault_file(dir.path()), b"").unwrap();
    assert_eq!(code(Vault::open(dir.path())), "vault_corrupt");
}

#[test]
fn a_damaged_key_with_the_right_passphrase_is_vault_corrupt_not_a_wrong_passphrase() {
    let dir = data_dir();
    Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let mut value = vault_json(dir.path());
    let ciphertext = value["wrapped_key"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    // One base64 digit changed: six bits of the wrapped key or its tag.
    let mut digits = ciphertext.into_bytes();
    digits[5] = if digits[5] == b'A' { b'B' } else { b'A' };
    value["wrapped_key"]["ciphertext"] = json!(String::from_utf8(digits).unwrap());
    write_vault_json(dir.path(), &value);

    let vault = open(dir.path());
    assert_eq!(code(vault.unlock_passphrase(PASSPHRASE)), "vault_corrupt");
    assert_eq!(code(vault.unlock_passphrase("not it")), "wrong_passphrase");
}

#[test]
fn a_lock_copied_into_another_vault_does_not_open_there() {
    let (a, b) = (data_dir(), data_dir());
    Vault::create_passphrase(a.path(), PASSPHRASE).unwrap();
    Vault::create_passphrase(b.path(), "b's passphrase").unwrap();
    // B's file with A's lock: A's passphrase passes the verifier, but the
    // wrapped key is bound to A's id.
    let mut value = vault_json(a.path());
    value["id"] = vault_json(b.path())["id"].clone();
    write_vault_json(b.path(), &value);

    assert_eq!(
        code(open(b.path()).unlock_passphrase(PASSPHRASE)),
        "vault_corrupt"
    );
}

#[test]
fn a_vault_from_a_newer_app_is_vault_too_new() {
    let dir = data_dir();
    write_vault_json(
        dir.path(),
        &json!({ "format": 2, "id": "00112233445566778899aabbccddeeff", "mode": "hardware" }),
    );
    let err = Vault::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "vault_too_new");
    assert!(matches!(
        err,
        crm_vault::VaultError::VaultTooNew {
            format: 2,
            known: 1,
            ..
        }
    ));
}

#[test]
fn keychain_requests_on_a_passphrase_vault_are_the_wrong_mode() {
    let dir = data_dir();
    let (vault, _) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    assert_eq!(code(vault.unlock_keychain()), "wrong_mode");
    assert_eq!(
        code(vault.set_secret(Secret::DeviceToken, "token")),
        "wrong_mode"
    );
    assert_eq!(code(vault.secret(Secret::DeviceToken)), "wrong_mode");
    assert_eq!(code(vault.delete_secret(Secret::DeviceToken)), "wrong_mode");
    assert!(matches!(
        vault.unlock_keychain(),
        Err(crm_vault::VaultError::WrongMode {
            expected: Mode::Keychain,
            actual: Mode::Passphrase
        })
    ));
}

#[test]
fn erasing_a_passphrase_vault_removes_its_file_and_so_the_key() {
    let dir = data_dir();
    Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    Vault::erase(dir.path()).unwrap();
    assert!(!vault_file(dir.path()).exists());
    assert!(Vault::open(dir.path()).unwrap().is_none());
    Vault::erase(dir.path()).expect("erasing twice is not an error");

    // A damaged file is erased too (a remote wipe must not stop at it).
    std::fs::write(vault_file(dir.path()), b"{ damaged").unwrap();
    Vault::erase(dir.path()).unwrap();
    assert!(!vault_file(dir.path()).exists());
}

#[cfg(unix)]
#[test]
fn only_the_owner_can_read_the_vault_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = data_dir();
    let (mut vault, _) = Vault::create_passphrase(dir.path(), PASSPHRASE).unwrap();
    let mode = |dir: &std::path::Path| {
        std::fs::metadata(vault_file(dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(dir.path()), 0o600);
    vault.change_passphrase(PASSPHRASE, "new").unwrap();
    assert_eq!(mode(dir.path()), 0o600);
}

#[test]
fn a_missing_data_directory_is_an_io_error() {
    let dir = data_dir();
    let missing = dir.path().join("not-there");
    assert_eq!(code(Vault::create_passphrase(&missing, PASSPHRASE)), "io");
}
