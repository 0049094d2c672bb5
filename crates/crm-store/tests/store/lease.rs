//! The team's lease on a laptop, with a controlled clock: counted from the
//! last sync, a warning past the offline days, locked past the grace days;
//! a clock set back wins nothing; an administrator's code extends it, a
//! code for another laptop does not; a sync ends the lock.

use chrono::{DateTime, TimeZone, Utc};
use crm_domain::Id;
use crm_protocol::lease::{LeasePolicy, extension_code};
use crm_store::{LeaseState, Store};

use crate::Fixture;

const KEY: &str = "the-device-lease-key";

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap() + chrono::Duration::days(i64::from(day))
}
fn day_0() -> DateTime<Utc> {
    at(0)
}
fn day_10() -> DateTime<Utc> {
    at(10)
}
fn day_31() -> DateTime<Utc> {
    at(31)
}
fn day_38() -> DateTime<Utc> {
    at(38)
}
fn day_20() -> DateTime<Utc> {
    at(20)
}
fn day_50() -> DateTime<Utc> {
    at(50)
}

fn logged_in(store: &mut Store) {
    crate::record_login(store, "token");
    store
        .set_lease(
            Some(LeasePolicy {
                offline_days: 30,
                grace_days: 7,
            }),
            Some(KEY),
        )
        .unwrap();
}

fn day_number(t: DateTime<Utc>) -> u16 {
    u16::try_from(t.timestamp().div_euclid(86_400)).unwrap()
}

#[test]
fn a_laptop_away_too_long_warns_then_locks_and_a_clock_set_back_wins_nothing() {
    let mut fx = Fixture::create();
    let store = &mut fx.store;
    assert_eq!(
        store.lease().unwrap().state,
        LeaseState::Free,
        "never logged in"
    );
    store.set_now(day_0);
    logged_in(store);
    store.set_now(day_10);
    assert_eq!(store.check_lease().unwrap().state, LeaseState::Ok);
    store.set_now(day_31);
    let warned = store.check_lease().expect("still works while warned");
    assert_eq!(warned.state, LeaseState::Warning);
    assert_eq!(warned.locks_at, Some(at(37).timestamp_millis()));
    store.set_now(day_38);
    let err = store.check_lease().unwrap_err();
    assert_eq!(err.code(), "lease_expired", "{err}");
    // Setting the clock back to day 20 does not unlock it.
    store.set_now(day_20);
    assert_eq!(store.check_lease().unwrap_err().code(), "lease_expired");
    // A successful sync does.
    store.set_now(day_38);
    store.record_sync_result(None).unwrap();
    assert_eq!(store.check_lease().unwrap().state, LeaseState::Ok);
}

#[test]
fn an_administrators_code_extends_this_laptop_and_no_other() {
    let mut fx = Fixture::create();
    let store = &mut fx.store;
    store.set_now(day_0);
    logged_in(store);
    store.set_now(day_38);
    assert_eq!(store.check_lease().unwrap_err().code(), "lease_expired");
    let until = day_number(at(45));
    let other = extension_code(KEY.as_bytes(), Id::new(), until);
    assert_eq!(
        store.lease_extend(&other).unwrap_err().code(),
        "bad_extension_code",
        "a code made for another laptop"
    );
    assert_eq!(
        store.lease_extend("ABCD-EFGH-JKMNP").unwrap_err().code(),
        "bad_extension_code"
    );
    let past = extension_code(KEY.as_bytes(), store.device_id(), day_number(at(30)));
    assert_eq!(
        store.lease_extend(&past).unwrap_err().code(),
        "bad_extension_code",
        "a day already gone"
    );
    let code = extension_code(KEY.as_bytes(), store.device_id(), until);
    let lease = store.lease_extend(&code.to_lowercase()).unwrap();
    assert_ne!(lease.state, LeaseState::Locked, "{lease:?}");
    assert!(store.check_lease().is_ok(), "works again");
    // Until the end of the code's day, then locked again.
    store.set_now(day_50);
    assert_eq!(store.check_lease().unwrap_err().code(), "lease_expired");
}
