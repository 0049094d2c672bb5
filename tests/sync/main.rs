//! SYNC.md's seventeen cases, against the real `crm-server` binary on a free
//! loopback port and real laptop data directories. Crashes are real: a
//! process aborted at a named point (`CRM_FAULT`, `CRM_SERVER_FAULT`) or
//! killed.

mod crashes;
mod desktop;
mod documents;
mod kinds;
mod merging;
mod protect;
mod restores;
mod scope;
mod series;
mod service;
mod simulation;
mod sizes;
mod versions;

use crm_system_tests::{Laptop, Server};

/// A server with two reps and a manager of team North, and a rep of South.
pub fn team() -> Server {
    let server = Server::start();
    server.add_user("ana@example.com", "Ana Méndez", "rep", "North");
    server.add_user("li@example.com", "李伟", "rep", "North");
    server.add_user("boss@example.com", "Boss", "manager", "North");
    server.add_user("sam@example.com", "Sam South", "rep", "South");
    server
}

/// Laptops that synced until nothing moves, then agree record for record.
pub fn converge(laptops: &mut [&mut Laptop]) {
    for _ in 0..3 {
        for laptop in laptops.iter_mut() {
            laptop.sync();
        }
    }
    for laptop in laptops.iter() {
        assert_eq!(laptop.pending(), 0, "every change has been sent");
    }
}
