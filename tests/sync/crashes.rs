//! Cases 1-6: crashes and failures at every step of a sync.

use crm_domain::EntityKind;
use crm_system_tests::{Laptop, PASSWORD};
use serde_json::json;

use crate::team;

fn aborted(out: &std::process::Output) -> bool {
    // SIGABRT: no exit code.
    out.status.code().is_none() || !out.status.success()
}

#[test]
fn case_1_a_crash_after_the_server_committed_a_push_applies_nothing_twice() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let account = ana.account("Replay Ltd");
    ana.update(
        EntityKind::Account,
        account,
        &[("phone", json!("+34 911 111 111"))],
    );
    let ana_dir = ana_dir_of(&ana);
    // The process dies right after the server answered, before the outbox
    // learned the verdicts.
    let out = ana_crm(&ana_dir, &["sync"], &[("CRM_FAULT", "push_answered")]);
    assert!(aborted(&out), "the fault stops the sync");
    ana.reopen();
    assert_eq!(
        ana.pending(),
        2,
        "the outbox still holds both changes after the crash"
    );
    let summary = ana.sync();
    assert_eq!(
        summary.replayed, 2,
        "the server recognises both as already applied"
    );
    assert_eq!(ana.pending(), 0);
    let mut li = Laptop::logged_in(&server, "boss@example.com");
    li.sync();
    assert_eq!(
        li.field(EntityKind::Account, account, "phone"),
        Some(json!("+34 911 111 111"))
    );
    let history = li.store.history(account).expect("history");
    assert_eq!(
        history.iter().filter(|h| h.op == "insert").count(),
        1,
        "the account was created once on the server: {history:?}"
    );
}

fn ana_dir_of(laptop: &Laptop) -> std::path::PathBuf {
    laptop.dir().to_owned()
}

fn ana_crm(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(crm_system_tests::bin("crm"))
        .env("CRM_DATA_DIR", dir)
        .env("CRM_PASSPHRASE", crm_system_tests::LAPTOP_PASSPHRASE)
        .envs(env.iter().copied())
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run crm")
}

#[test]
fn case_2_a_crash_while_applying_a_pulled_page_replays_it_harmlessly() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    for i in 0..30 {
        ana.account(&format!("Cuenta {i}"));
    }
    ana.sync();
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let dir = boss.dir().to_owned();
    let out = ana_crm(&dir, &["sync"], &[("CRM_FAULT", "pull_before_commit")]);
    assert!(aborted(&out), "the fault stops the pull");
    boss.reopen();
    assert_eq!(
        boss.store.account_count().expect("count"),
        0,
        "the interrupted page left nothing half-applied"
    );
    assert_eq!(
        boss.store
            .sync_config()
            .expect("config")
            .expect("logged in")
            .cursor,
        0,
        "nor moved the cursor"
    );
    boss.sync();
    assert_eq!(
        boss.store.account_count().expect("count"),
        30,
        "the replay applied every account once"
    );
}

#[test]
fn case_3_a_crash_in_the_middle_of_a_local_write_leaves_row_and_outbox_consistent() {
    let laptop = Laptop::new("ana");
    let out = laptop.crm(
        &["account", "add", "--name", "Half Written"],
        &[("CRM_FAULT", "write_before_commit")],
    );
    assert!(aborted(&out), "the fault stops the write");
    let mut laptop = laptop;
    laptop.reopen();
    assert_eq!(
        laptop.store.account_count().expect("count"),
        0,
        "no account without its outbox entry"
    );
    assert_eq!(laptop.pending(), 0, "no outbox entry without its account");
    let out = laptop.crm(&["account", "add", "--name", "Whole"], &[]);
    assert!(
        out.status.success(),
        "the next write works: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops = laptop.store.outbox(10).expect("outbox");
    assert_eq!(ops.len(), 1);
    assert_eq!(
        ops[0].device_seq, 1,
        "the crashed write used no sequence number"
    );
}

#[test]
fn case_4_the_same_batch_pushed_twice_or_by_two_processes_at_once() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    for i in 0..200 {
        ana.account(&format!("Parallel {i}"));
    }
    let dir = ana.dir().to_owned();
    let a = std::thread::spawn({
        let dir = dir.clone();
        move || ana_crm(&dir, &["sync"], &[])
    });
    let b = std::thread::spawn(move || ana_crm(&dir, &["sync"], &[]));
    let (a, b) = (a.join().expect("first"), b.join().expect("second"));
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    ana.reopen();
    ana.sync();
    assert_eq!(ana.pending(), 0);
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert_eq!(
        boss.store.account_count().expect("count"),
        200,
        "each account exactly once"
    );
    let ops = ana
        .store
        .conn()
        .query_row("SELECT seq FROM device", [], |r| r.get::<_, i64>(0))
        .expect("seq");
    assert_eq!(ops, 200);
}

#[test]
fn case_5_a_batch_with_rejected_ops_applies_the_rest_and_keeps_the_rejected_visible() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    ana.account("Good One");
    // The team directory is managed on the server: this op is refused.
    ana.insert(
        EntityKind::User,
        &[("name", json!("Made Up")), ("role", json!("admin"))],
    );
    ana.account("Good Two");
    let summary = ana.sync();
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.pushed, 2, "the good ops around it were applied");
    assert_eq!(ana.pending(), 0);
    let rejected = ana.store.rejected().expect("rejected");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].code, "forbidden");
    assert!(
        rejected[0].message.contains("team directory"),
        "{}",
        rejected[0].message
    );
    ana.store
        .discard_rejected(rejected[0].op.op_id)
        .expect("discard");
    assert!(ana.store.rejected().expect("rejected").is_empty());
}

#[test]
fn case_6_the_server_dying_in_the_middle_of_a_pull_loses_nothing() {
    let mut server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    for i in 0..5_000 {
        ana.account(&format!("Page {i:04}"));
    }
    ana.sync();
    // Serve one page, then die on the next.
    server.restart_with("CRM_SERVER_FAULT", "pull:1");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let err = boss.try_sync().expect_err("the server dies mid-pull");
    assert!(
        matches!(err, crm_sync::SyncError::Unreachable { .. }),
        "a dead server reads as unreachable: {err}"
    );
    server.wait_dead();
    let partial = boss.store.account_count().expect("count");
    assert!(
        partial > 0 && partial < 5_000,
        "the first page was kept: {partial}"
    );
    server.restart();
    boss.sync();
    assert_eq!(
        boss.store.account_count().expect("count"),
        5_000,
        "the rest arrived, none twice"
    );
    // Unreachable is also what a laptop with no network sees, with nothing lost.
    boss.account("Written offline");
    server.kill();
    let err = boss.try_sync().expect_err("no server");
    assert!(
        err.to_string().contains("1 changes are safe and queued"),
        "{err}"
    );
    // The command says so too, with its own exit code, in the user's language.
    let out = boss.crm(&["sync"], &[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "unreachable has its own exit code"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("server unreachable; 1 changes are safe and queued"),
        "{stderr}"
    );
    let out = boss.crm(&["--lang", "zh", "sync"], &[]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("无法连接服务器"),
        "in Chinese too"
    );
    assert_eq!(boss.pending(), 1, "and nothing was lost");
    let _ = PASSWORD;
}

#[test]
fn a_laptop_restored_from_a_backup_sends_its_new_changes_instead_of_losing_them() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    ana.account("Before the backup");
    ana.sync();
    let backup = ana.dir().join("backup.crm");
    ana.store.backup(&backup).expect("backup");
    for i in 0..3 {
        ana.account(&format!("After the backup {i}"));
    }
    ana.sync();
    // The laptop dies; a new one gets the backup. Its old device already sent
    // sequence numbers the backup knows nothing of.
    let mut restored = Laptop::restored(tempfile::tempdir().expect("dir"), &backup);
    assert!(
        restored.try_sync().is_err(),
        "a restored database logs in again first"
    );
    restored.login(&server, "ana@example.com");
    let fresh = restored.account("After the restore");
    let summary = restored.sync();
    assert_eq!(
        summary.replayed, 0,
        "new changes are not mistaken for replays: {summary:?}"
    );
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Account, fresh, "name"),
        Some(json!("After the restore"))
    );
    assert_eq!(
        restored.store.account_count().expect("count"),
        5,
        "and it has everything back"
    );
}
