//! A laptop restored by copying its data folder back (an OS backup, a disk
//! image) numbers its new changes with sequence numbers it spent before.
//! The server remembers which op each number was spent on: a replay of the
//! same op is a `duplicate`, another op under a spent number is `seq_reused`
//! (never "duplicate", which would let the laptop drop a change nobody has),
//! and the laptop goes on as a new device with a fresh sequence.

use crm_domain::{EntityKind, Id, change::SCHEMA_VERSION};
use crm_protocol::{Outcome, codes};
use crm_server::{
    auth,
    backend::{Backend, DeviceRow},
    sync,
};
use serde_json::json;

use crate::support::{Laptop, NOW, Team, conformance, stored};

conformance!(db:
    another_op_under_a_spent_number_is_told_from_a_replay,
    numbers_spent_before_ops_were_remembered_stay_replays,
);

fn another_op_under_a_spent_number_is_told_from_a_replay(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    let first = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    let second = ana.insert(EntityKind::Account, &[("name", json!("Globex"))], NOW);
    ana.push(db, &[first.clone(), second.clone()]);
    // The same op again (an answer lost): a replay.
    assert_eq!(ana.push_one(db, &second).outcome, Outcome::Duplicate);

    // The laptop's folder is put back to before `second`: its next change
    // takes number 2 again, and the one after it number 3.
    let mut reused = ana.insert(EntityKind::Account, &[("name", json!("Initech"))], NOW);
    reused.device_seq = 2;
    let mut next = ana.insert(EntityKind::Account, &[("name", json!("Umbrella"))], NOW);
    next.device_seq = 3;
    let pushed = [reused.clone(), next.clone()].map(sync::Pushed::Op);
    let verdicts = db
        .write(|tx| sync::push(tx, &ana.user, ana.device_id, SCHEMA_VERSION, &pushed, NOW))
        .unwrap();
    assert_eq!(
        verdicts.len(),
        1,
        "nothing after the reused number is answered"
    );
    assert_eq!(
        (verdicts[0].outcome, verdicts[0].code.as_deref()),
        (Outcome::Rejected, Some(codes::SEQ_REUSED)),
        "never a duplicate: {verdicts:?}"
    );
    for op in [&reused, &next] {
        assert_eq!(db.read(|tx| tx.record(op.record_id)).unwrap(), None);
    }
    let device = db.read(|tx| tx.device(ana.device_id)).unwrap().unwrap();
    assert_eq!(device.last_seq, 2, "the old device's sequence did not move");

    // As a new device (same user, fresh sequence) both go through.
    let renewed_id = Id::new();
    let renewal = auth::renew_device(db, &device, renewed_id, NOW).unwrap();
    let renewed = db.read(|tx| tx.device(renewed_id)).unwrap().unwrap();
    assert_eq!(
        (renewed.user_id, renewed.last_seq),
        (ana.user.id, 0),
        "a fresh sequence for the same user"
    );
    assert_eq!(renewed.token_hash, auth::token_hash(&renewal.token));
    let again = Laptop::new(ana.user.clone(), renewed_id, 3);
    let mut ops = [reused.clone(), next.clone()];
    for (i, op) in ops.iter_mut().enumerate() {
        op.device_id = renewed_id;
        op.device_seq = i as i64 + 1;
    }
    let verdicts = again.push(db, &ops);
    assert!(
        verdicts.iter().all(|v| v.outcome == Outcome::Applied),
        "{verdicts:?}"
    );
    stored(db, reused.record_id);
    stored(db, next.record_id);
    // An id that is already a device cannot be taken over.
    assert!(auth::renew_device(db, &renewed, ana.device_id, NOW).is_err());
}

/// Ops a server applied before it remembered op ids (a server updated in
/// place): a spent number is a replay, as it was.
fn numbers_spent_before_ops_were_remembered_stay_replays(db: &impl Backend) {
    let team = Team::create(db);
    let ana = &team.ana;
    db.write(|tx| {
        let mut device: DeviceRow = tx.device(ana.device_id)?.unwrap();
        device.last_seq = 5;
        tx.update_device(&device)
    })
    .unwrap();
    let mut old = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    old.device_seq = 4;
    assert_eq!(ana.push_one(db, &old).outcome, Outcome::Duplicate);
}
