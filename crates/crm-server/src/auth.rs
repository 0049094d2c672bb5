//! Passwords (argon2), device tokens (random, stored only as a hash) and the
//! admin operations on users and devices.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::Engine;
use crm_domain::{Hlc, Id};
use sha2::{Digest, Sha256};

use crm_protocol::{MAX_DEVICE_NAME_CHARS, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS};

use crate::{
    backend::{Backend, DeviceRow, StorageError, StorageResult, UserRow},
    sync,
};

/// Failed logins one client address may make on one account within the
/// window before it is slowed down.
pub const FREE_FAILED_LOGINS: i64 = 5;
/// How long failed logins are remembered (15 minutes).
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The wait after the free failures are spent; it doubles with each further
/// failure, up to the window.
pub const FIRST_LOGIN_DELAY_MS: i64 = 30 * 1000;

/// How long a client that has failed `failures` times (within the window)
/// waits after its last failure before it may try again, `free` failures
/// being allowed without a wait.
pub fn login_delay_ms(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
    FIRST_LOGIN_DELAY_MS
        .saturating_mul(1_i64 << doublings)
        .min(LOGIN_WINDOW_MS)
}

/// Hash a password for storage.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Whether `password` matches a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random bearer token (256 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the server stores of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email or password, or a disabled account (never says which,
    /// so a password cannot be tried against a disabled account).
    #[error("wrong email or password")]
    BadLogin,
    /// This client failed too often on this account (or on many): it waits.
    #[error("too many failed logins; try again in {} seconds", retry_after_s(*.retry_after_ms))]
    RateLimited {
        /// How long before it may try again.
        retry_after_ms: i64,
    },
    /// A value is longer than the server takes; nothing was stored.
    #[error("the {field} is longer than {max} characters")]
    TooLong {
        /// `email`, `password` or `device_name`.
        field: &'static str,
        /// Its limit, in characters.
        max: usize,
    },
    /// The laptop was marked lost: it erases its copy instead.
    #[error("{WIPED_MESSAGE}")]
    Wiped,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a laptop marked lost is told (in logs; the laptop says it in its
/// user's language).
pub const WIPED_MESSAGE: &str =
    "an administrator marked this laptop lost: its copy of the team's data is erased";

/// Whole seconds to wait, rounded up (a `Retry-After` of 0 would invite a
/// retry at once).
pub fn retry_after_s(ms: i64) -> i64 {
    ((ms + 999) / 1000).max(1)
}

/// Refuse a login whose values are longer than anything real, before
/// anything is stored or hashed.
pub fn check_lengths(email: &str, password: &str, device_name: &str) -> Result<(), LoginError> {
    for (field, value, max) in [
        ("email", email, MAX_EMAIL_CHARS),
        ("password", password, MAX_PASSWORD_CHARS),
        ("device_name", device_name, MAX_DEVICE_NAME_CHARS),
    ] {
        // Bytes first: a long value is refused without counting its characters.
        if value.len() > max && value.chars().count() > max {
            return Err(LoginError::TooLong { field, max });
        }
    }
    Ok(())
}

/// One login: who, from which client address (see
/// [`crate::throttle::client_name`]), when.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The email typed.
    pub email: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The laptop's device id.
    pub device_id: Id,
    /// Its name.
    pub device_name: &'a str,
    /// The client address it came from.
    pub client: &'a str,
    /// The server's clock.
    pub now_ms: i64,
}

/// A device as the server registered it: what the laptop is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The bearer token it signs its requests with (the server keeps only
    /// its hash).
    pub token: String,
    /// Its series, under which it numbers its documents (see
    /// [`DeviceRow::series`]).
    pub series: u32,
    /// Its key for lease extension codes.
    pub lease_key: Option<String>,
}

/// Check a password and register the device; returns the user and the
/// device's token and series.
///
/// The attempt is counted as a failure of this client on this account
/// before the password is checked, in the same transaction that reads the
/// count, so guesses sent at once see each other; a success takes it back.
/// After [`FREE_FAILED_LOGINS`] the client waits, longer at each failure
/// ([`login_delay_ms`]); other clients, the account's owner among them, are
/// not held back.
pub fn login(
    db: &impl Backend,
    attempt: Attempt<'_>,
) -> Result<(UserRow, Registration), LoginError> {
    let Attempt {
        password,
        device_id,
        device_name,
        client,
        now_ms,
        ..
    } = attempt;
    check_lengths(attempt.email, password, device_name)?;
    let email = attempt.email.trim().to_lowercase();
    let since = now_ms - LOGIN_WINDOW_MS;
    let reserved = db.write(|tx| {
        tx.forget_login_failures(since)?;
        let (failures, last) = tx.login_failures(&email, client, since)?;
        let wait = login_delay_ms(failures, FREE_FAILED_LOGINS);
        if let Some(last) = last
            && wait > 0
            && now_ms < last + wait
        {
            return Ok(Err(LoginError::RateLimited {
                retry_after_ms: last + wait - now_ms,
            }));
        }
        tx.add_login_failure(&email, client, now_ms)?;
        Ok(Ok(()))
    })?;
    reserved?;
    let user = db.read(|tx| tx.user_by_email(&email))?;
    // Verify even for an unknown email, so timing does not tell which emails exist.
    let hash = user.as_ref().map_or(
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$ZmFrZWZha2VmYWtlZmFrZQ",
        |u| u.password_hash.as_str(),
    );
    let ok = verify_password(password, hash);
    // A disabled account answers as a wrong password does: otherwise its
    // right password would be told apart from the wrong ones.
    let Some(user) = user.filter(|u| ok && u.active) else {
        return Err(LoginError::BadLogin);
    };
    let token = new_token();
    let registered = db.write(|tx| {
        tx.clear_login_failures(&email, client)?;
        let previous = tx.device(device_id)?;
        if previous.as_ref().is_some_and(|p| p.user_id != user.id) {
            return Err(StorageError::Conflict(
                "this laptop's database belongs to another user; make a new one with `crm init`"
                    .into(),
            ));
        }
        if let Some(mut lost) = previous.clone().filter(|p| p.wipe_requested_at.is_some()) {
            lost.wipe_sent_at = lost.wipe_sent_at.or(Some(now_ms));
            tx.update_device(&lost)?;
            return Ok(None);
        }
        let device = sync::new_device(
            tx,
            &user,
            device_id,
            device_name,
            token_hash(&token),
            now_ms,
            previous,
        )?;
        tx.upsert_device(&device)?;
        Ok(Some((device.series, device.lease_key)))
    })?;
    let Some((series, lease_key)) = registered else {
        return Err(LoginError::Wiped);
    };
    Ok((
        user,
        Registration {
            token,
            series,
            lease_key,
        },
    ))
}

/// Register `new_id` as a new device of `device`'s user, with a fresh
/// sequence, a series of its own and its own token (returned): the laptop
/// behind `device` was restored from a copy of its data folder and reused
/// sequence numbers. The old device, its token and its series stay as they
/// are (a disk image may live on in another machine that still uses them).
/// An id that is already a device is refused.
pub fn renew_device(
    db: &impl Backend,
    device: &DeviceRow,
    new_id: Id,
    now_ms: i64,
) -> StorageResult<Registration> {
    let token = new_token();
    let lease_key = new_token();
    let series = db.write(|tx| {
        if tx.device(new_id)?.is_some() {
            return Err(StorageError::Conflict(
                "that device id is already registered; make a new one".into(),
            ));
        }
        let series = tx.next_device_series()?;
        tx.upsert_device(&DeviceRow {
            id: new_id,
            user_id: device.user_id,
            name: device.name.clone(),
            token_hash: token_hash(&token),
            created_at: now_ms,
            last_seen_at: None,
            revoked_at: None,
            last_seq: 0,
            series,
            wipe_requested_at: None,
            wipe_sent_at: None,
            lease_key: Some(lease_key.clone()),
        })?;
        Ok(series)
    })?;
    Ok(Registration {
        token,
        series,
        lease_key: Some(lease_key),
    })
}

/// A new team member, published to every laptop's directory.
pub fn add_user(
    db: &impl Backend,
    email: &str,
    name: &str,
    role: &str,
    team: Option<&str>,
    password: &str,
    hlc: Hlc,
) -> StorageResult<UserRow> {
    let user = UserRow {
        id: Id::new(),
        email: email.trim().to_lowercase(),
        name: name.trim().to_owned(),
        role: role.to_owned(),
        team: team.map(str::to_owned),
        password_hash: hash_password(password),
        active: true,
    };
    db.write(|tx| {
        tx.insert_user(&user)?;
        sync::publish_user(tx, &user, hlc)
    })?;
    Ok(user)
}

/// Disable a user (they leave): their devices stop syncing; their records stay.
pub fn disable_user(db: &impl Backend, email: &str, hlc: Hlc) -> StorageResult<Option<UserRow>> {
    let email = email.trim().to_lowercase();
    db.write(|tx| {
        let Some(mut user) = tx.user_by_email(&email)? else {
            return Ok(None);
        };
        user.active = false;
        tx.update_user(&user)?;
        sync::publish_user(tx, &user, hlc)?;
        Ok(Some(user))
    })
}

/// Mark a device lost: at its next contact the laptop is told to erase its
/// copy of the team's data (and every contact after, in case the answer
/// was lost on the way).
pub fn wipe_device(db: &impl Backend, id: Id, now_ms: i64) -> StorageResult<Option<DeviceRow>> {
    db.write(|tx| {
        let Some(mut device) = tx.device(id)? else {
            return Ok(None);
        };
        device.wipe_requested_at = device.wipe_requested_at.or(Some(now_ms));
        tx.update_device(&device)?;
        Ok(Some(device))
    })
}

/// Revoke a device: its token stops working at once.
pub fn revoke_device(db: &impl Backend, id: Id, now_ms: i64) -> StorageResult<Option<DeviceRow>> {
    db.write(|tx| {
        let Some(mut device) = tx.device(id)? else {
            return Ok(None);
        };
        device.revoked_at = Some(now_ms);
        tx.update_device(&device)?;
        Ok(Some(device))
    })
}

/// Revoke the device a token belongs to (logout).
pub fn logout(db: &impl Backend, device: &DeviceRow, now_ms: i64) -> StorageResult<()> {
    let mut device = device.clone();
    db.write(|tx| {
        device.revoked_at = Some(now_ms);
        // A new random hash, so the old token can never match again.
        device.token_hash = token_hash(&new_token());
        tx.update_device(&device)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse"),
            "salted: same password, different hash"
        );
    }

    #[test]
    fn the_wait_doubles_after_the_free_failures_up_to_the_window() {
        assert_eq!(login_delay_ms(0, 5), 0);
        assert_eq!(login_delay_ms(4, 5), 0);
        assert_eq!(login_delay_ms(5, 5), FIRST_LOGIN_DELAY_MS);
        assert_eq!(login_delay_ms(6, 5), 2 * FIRST_LOGIN_DELAY_MS);
        assert_eq!(login_delay_ms(1_000, 5), LOGIN_WINDOW_MS);
        assert_eq!(login_delay_ms(i64::MAX, 0), LOGIN_WINDOW_MS);
        assert_eq!(retry_after_s(1), 1);
        assert_eq!(retry_after_s(30_000), 30);
        assert_eq!(retry_after_s(30_001), 31);
    }

    #[test]
    fn values_longer_than_anything_real_are_refused() {
        assert!(check_lengths("ana@example.com", "secret", "Ana's laptop").is_ok());
        let at_limit = "é".repeat(MAX_DEVICE_NAME_CHARS);
        assert!(
            check_lengths("a@b.c", "x", &at_limit).is_ok(),
            "characters, not bytes"
        );
        let long = "a".repeat(MAX_EMAIL_CHARS + 1);
        assert!(matches!(
            check_lengths(&long, "x", "y"),
            Err(LoginError::TooLong {
                field: "email",
                max: MAX_EMAIL_CHARS
            })
        ));
        let long = "a".repeat(MAX_PASSWORD_CHARS + 1);
        assert!(matches!(
            check_lengths("a@b.c", &long, "y"),
            Err(LoginError::TooLong {
                field: "password",
                ..
            })
        ));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43, "256 bits of randomness");
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
