//! Two programs on one database file (the app and `crm`, or the app and its
//! own maintenance thread): each waits for the other's write instead of
//! failing with "busy".

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::Duration,
};

use crm_domain::EntityKind;
use crm_store::Store;
use serde_json::json;

use crate::{Fixture, insert};

/// A read followed by a write in one transaction must take the write lock
/// first: started as a plain (deferred) transaction, SQLite refuses the write
/// at once, without waiting, when another program committed since the read.
/// The duplicate check reads the records changed since last time and then
/// writes their keys, while a second program keeps adding accounts.
#[test]
fn reading_then_writing_waits_for_another_program_instead_of_failing() {
    let mut fx = Fixture::create();
    let path = fx.store.path().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let other = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut cli = Store::open(&path).expect("a second program opens the same file");
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                insert(
                    &mut cli,
                    EntityKind::Account,
                    &[("name", json!(format!("Other program {n}")))],
                );
                // A person or a batch at a time, not a loop that never lets
                // go of the lock (SQLite's waiting is not a fair queue).
                thread::sleep(Duration::from_millis(2));
            }
            n
        })
    };
    for i in 0..300 {
        insert(
            &mut fx.store,
            EntityKind::Account,
            &[("name", json!(format!("Harbin Textiles {i}")))],
        );
        if let Err(e) = fx.store.duplicates(None) {
            stop.store(true, Ordering::Relaxed);
            panic!("the duplicate check failed while another program wrote: {e}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written = other.join().expect("the other program");
    assert!(written > 0, "the other program must have written meanwhile");
    // Every account of both programs got its duplicate keys: none was lost.
    fx.store.duplicates(None).expect("a last check");
    let count = |sql: &str| -> i64 { fx.store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(DISTINCT record_id) FROM duplicate_keys WHERE entity = 'account'"),
        count("SELECT count(*) FROM accounts"),
    );
}
