//! The laptop's copy protected, with the real `crm` and `crm-server`
//! binaries: a plain database from an earlier version is encrypted at the
//! first start of this one, and a crash at any named point of that leaves
//! a usable database with every queued change; a laptop an administrator
//! marked lost erases its copy at its next contact and says why; the
//! team's lease comes from the server, locks a laptop away too long, and an
//! administrator's code unlocks it.

use chrono::{DateTime, Utc};
use crm_domain::EntityKind;
use crm_store::{LeaseState, NewUser, Store};
use serde_json::json;

use crate::team;

const PASSPHRASE: &str = "crash passphrase";

fn crm_in(dir: &std::path::Path, args: &[&str], fault: Option<&str>) -> std::process::Output {
    let mut command = std::process::Command::new(crm_system_tests::bin("crm"));
    command
        .env("CRM_DATA_DIR", dir)
        .env("CRM_PASSPHRASE", PASSPHRASE)
        .env("LANG", "en_US.UTF-8")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(args)
        .stdin(std::process::Stdio::null());
    if let Some(point) = fault {
        command.env("CRM_FAULT", point);
    }
    command.output().expect("run crm")
}

fn is_plain(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"SQLite format 3\0"))
}

#[test]
fn encrypting_a_plain_database_survives_a_crash_at_every_named_point() {
    for point in [
        "protect_vault_made",
        "protect_before_export",
        "protect_before_rename",
        "protect_after_rename",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = Store::path_in(dir.path());
        {
            // An earlier version's database: plain, with changes queued.
            let mut store = Store::create(
                &path,
                &NewUser {
                    name: "Ana".into(),
                    email: None,
                    team: None,
                    currency: "EUR".into(),
                },
            )
            .unwrap();
            for name in ["Bombas Peñalver", "张家港水泵厂"] {
                store
                    .add(EntityKind::Account, &[("name", json!(name))])
                    .unwrap();
            }
        }
        assert!(is_plain(&path));
        let crashed = crm_in(dir.path(), &["outbox"], Some(point));
        assert!(
            !crashed.status.success()
                && String::from_utf8_lossy(&crashed.stderr).contains("fault injected"),
            "{point}: the conversion was cut there: {}",
            String::from_utf8_lossy(&crashed.stderr)
        );
        let after = crm_in(dir.path(), &["--json", "outbox"], None);
        assert!(
            after.status.success(),
            "{point}: the next start opens it: {}",
            String::from_utf8_lossy(&after.stderr)
        );
        let outbox: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
        assert_eq!(outbox["pending"], json!(2), "{point}: every queued change");
        assert!(!is_plain(&path), "{point}: encrypted now");
        assert!(
            !dir.path().join("crm.db.encrypting").exists(),
            "{point}: no partial copy left"
        );
    }
}

#[test]
fn a_laptop_marked_lost_erases_its_copy_at_its_next_sync_and_says_why() {
    let server = team();
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    ana.account("Bombas Peñalver");
    ana.sync();
    let device = ana.store.device_id().to_string();
    let out = server.admin(&["device", "wipe", &device], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = ana.dir().to_owned();
    std::fs::write(dir.join("my-notes.txt"), "mine").unwrap();
    let sync = ana.crm(&["sync"], &[]);
    let said = String::from_utf8_lossy(&sync.stderr);
    assert!(!sync.status.success());
    assert!(said.contains("marked this laptop lost"), "{said}");
    for gone in ["crm.db", "crm.db-wal", crm_vault::FILE_NAME] {
        assert!(!dir.join(gone).exists(), "{gone} is erased");
    }
    assert!(
        dir.join("my-notes.txt").exists(),
        "the user's own files stay"
    );
    let list = server.admin(&["device", "list"], "");
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("told to erase"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
}

fn in_five_days() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(5)
}

fn in_ten_days() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(10)
}

#[test]
fn the_servers_lease_locks_a_laptop_away_too_long_and_an_administrators_code_unlocks_it() {
    let mut server = team();
    server.restart_with("CRM_SERVER_OFFLINE_DAYS", "2");
    let mut ana = crm_system_tests::Laptop::logged_in(&server, "ana@example.com");
    ana.sync();
    let lease = ana.store.lease().unwrap();
    assert_eq!(
        lease.offline_days,
        Some(2),
        "the server's policy: {lease:?}"
    );
    assert_eq!(lease.grace_days, Some(7));
    assert_eq!(lease.state, LeaseState::Ok);
    // Five days without a sync: warned (2 days and 7 of grace).
    ana.store.set_now(in_five_days);
    assert_eq!(ana.store.check_lease().unwrap().state, LeaseState::Warning);
    // Ten: locked.
    ana.store.set_now(in_ten_days);
    assert_eq!(ana.store.check_lease().unwrap_err().code(), "lease_expired");
    let device = ana.store.device_id().to_string();
    let out = server.admin(&["device", "extend", &device, "--days", "30"], "");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = text.rsplit(' ').next().unwrap().trim().to_owned();
    let extended = ana
        .store
        .lease_extend(&code)
        .expect("the code is for this laptop");
    assert_ne!(extended.state, LeaseState::Locked, "{extended:?}");
    assert!(ana.store.check_lease().is_ok(), "it works again");
}
