//! Cases 12 and 13, who may see what, and bad requests: every one gets its
//! clear error and changes nothing.

use crm_domain::EntityKind;
use crm_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use crm_system_tests::{Laptop, PASSWORD};
use serde_json::json;

use crate::team;

#[test]
fn reps_see_their_own_book_managers_their_team() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut li = Laptop::logged_in(&server, "li@example.com");
    let mut sam = Laptop::logged_in(&server, "sam@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let mine = ana.account("Ana's customer");
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(mine.to_string())),
            ("name", json!("Pepa")),
        ],
    );
    ana.sync();
    li.sync();
    sam.sync();
    boss.sync();
    assert_eq!(
        li.field(EntityKind::Account, mine, "name"),
        None,
        "another rep's customer stays off Li's laptop"
    );
    assert_eq!(
        sam.field(EntityKind::Contact, contact, "name"),
        None,
        "and off the other team's"
    );
    assert_eq!(
        boss.field(EntityKind::Contact, contact, "name"),
        Some(json!("Pepa")),
        "the team's manager holds it"
    );
    assert_eq!(
        li.store.users().expect("users").len(),
        4,
        "everyone holds the team directory"
    );
}

#[test]
fn case_12_a_record_reassigned_while_its_old_owner_has_queued_changes() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut li = Laptop::logged_in(&server, "li@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let account = ana.account("Handed Over SA");
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(account.to_string())),
            ("name", json!("Marta")),
        ],
    );
    ana.sync();
    boss.sync();
    let li_id = li
        .store
        .find_user("li@example.com")
        .expect("li in the directory")
        .id;
    // The manager hands the account to Li while Ana, offline, edits it.
    boss.update(
        EntityKind::Account,
        account,
        &[("owner_id", json!(li_id.to_string()))],
    );
    boss.sync();
    ana.update(
        EntityKind::Account,
        account,
        &[("notes", json!("Ana's offline note"))],
    );
    let summary = ana.sync();
    assert_eq!(
        summary.rejected, 1,
        "the edit is refused visibly, not lost silently"
    );
    let rejected = ana.store.rejected().expect("rejected");
    assert_eq!(rejected[0].code, "out_of_scope");
    assert!(
        summary.removed >= 2,
        "the account and its contact left Ana's laptop: {summary:?}"
    );
    assert_eq!(ana.field(EntityKind::Account, account, "name"), None);
    assert_eq!(ana.field(EntityKind::Contact, contact, "name"), None);
    li.sync();
    assert_eq!(
        li.field(EntityKind::Contact, contact, "name"),
        Some(json!("Marta")),
        "and arrived on Li's"
    );

    // A user removed while they still have queued changes: refused with a
    // clear reason, the queue kept.
    ana.account("Written before leaving");
    let out = server.admin(&["user", "disable", "ana@example.com"], "");
    assert!(out.status.success());
    let err = ana.try_sync().expect_err("a disabled user cannot sync");
    assert!(err.to_string().contains("disabled"), "{err}");
    assert_eq!(ana.pending(), 1, "the queued change is kept");
}

#[test]
fn case_13_offline_longer_than_the_tombstone_retention() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let gone = ana.account("Deleted while away");
    let kept = ana.account("Still here");
    ana.sync();
    boss.sync();
    boss.store
        .write(|w| w.delete(EntityKind::Account, gone))
        .expect("delete");
    boss.sync();
    // Ana is away; the server forgets tombstones (retention 0 days, for the test).
    let out = server.admin(&["purge", "--older-than-days", "0"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ana.update(
        EntityKind::Account,
        kept,
        &[("notes", json!("written far away"))],
    );
    ana.sync();
    assert_eq!(
        ana.field(EntityKind::Account, gone, "name"),
        None,
        "the resync dropped what the server forgot"
    );
    assert_eq!(
        ana.field(EntityKind::Account, kept, "notes"),
        Some(json!("written far away")),
        "and kept the outbox"
    );
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Account, kept, "notes"),
        Some(json!("written far away"))
    );
}

fn raw(
    server: &crm_system_tests::Server,
    path: &str,
    token: Option<&str>,
    version: Option<&str>,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent
        .post(format!("{}/api/v1/{path}", server.url))
        .header("content-type", "application/json");
    if let Some(v) = version {
        request = request.header(PROTOCOL_HEADER, v);
    }
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let mut response = match request.send(body) {
        Ok(r) => r,
        // The server answered early and closed while the body was still
        // going out (an oversized upload): report it as the 413 it sent.
        Err(ureq::Error::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            return (
                413,
                json!({ "error": { "code": "too_large", "cut": true } }),
            );
        }
        Err(e) => panic!("request: {e}"),
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(json!(text)))
}

#[test]
fn bad_requests_get_clear_errors_and_change_nothing() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut sam = Laptop::logged_in(&server, "sam@example.com");
    let account = ana.account("Ana Only");
    ana.sync();
    sam.sync();
    let token = ana
        .store
        .sync_config()
        .expect("config")
        .expect("logged in")
        .token
        .expect("token");
    let version = PROTOCOL_VERSION.to_string();

    let (status, body) = raw(
        &server,
        "push",
        Some(&token),
        Some(&version),
        b"{\"ops\": [ {not json",
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    let big = vec![b' '; 17 * 1024 * 1024];
    let (status, body) = raw(&server, "push", Some(&token), Some(&version), &big);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    let (status, body) = raw(
        &server,
        "push",
        Some("not-a-token"),
        Some(&version),
        b"{\"ops\":[]}",
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    let (status, body) = raw(&server, "push", Some(&token), Some("99"), b"{\"ops\":[]}");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("protocol_version")),
        "{body}"
    );
    let (status, body) = raw(&server, "push", Some(&token), None, b"{\"ops\":[]}");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("protocol_version")),
        "{body}"
    );
    let (status, body) = raw(&server, "login", None, Some(&version), br#"{"email":"ana@example.com","password":"wrong","device_id":"01a20614-a360-7199-bba0-b28552415be6","device_name":"x"}"#);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("bad_login")),
        "{body}"
    );
    assert!(
        !body.to_string().contains("argon"),
        "no internals in errors"
    );

    // A push for a record outside the user's scope: Sam edits Ana's account
    // by id (as a tampered client would).
    let mut op = {
        ana.update(EntityKind::Account, account, &[("notes", json!("x"))]);
        ana.store.outbox(1).expect("outbox").remove(0)
    };
    let sam_token = sam
        .store
        .sync_config()
        .expect("config")
        .expect("logged in")
        .token
        .expect("token");
    op.device_id = sam.store.device_id();
    op.author_id = sam.store.user_id();
    op.device_seq = 1;
    let body = serde_json::to_vec(&json!({ "ops": [op] })).expect("json");
    let (status, verdicts) = raw(&server, "push", Some(&sam_token), Some(&version), &body);
    assert_eq!(status, 200);
    assert_eq!(verdicts["verdicts"][0]["outcome"], "rejected");
    assert_eq!(verdicts["verdicts"][0]["code"], "out_of_scope");
    ana.store.settle(&[]).expect("nothing settled");

    // A revoked device: refused, its queue kept.
    let device = ana.store.device_id().to_string();
    let out = server.admin(&["device", "revoke", &device], "");
    assert!(out.status.success());
    let err = ana.try_sync().expect_err("revoked");
    assert!(
        err.to_string().contains("signed out by an administrator"),
        "{err}"
    );
    assert_eq!(ana.pending(), 1);
    // Logging in again sends it.
    ana.login(&server, "ana@example.com");
    ana.sync();
    assert_eq!(ana.pending(), 0);
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Account, account, "notes"),
        Some(json!("x"))
    );
    let _ = PASSWORD;
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let mut ana = Laptop::new("ana");
    let err = crm_sync::login(
        &mut ana.store,
        "http://192.0.2.10:8640",
        "ana@example.com",
        PASSWORD,
        &Default::default(),
    )
    .expect_err("plain http");
    assert!(matches!(err, crm_sync::SyncError::Insecure(_)), "{err}");
}

#[test]
fn https_with_the_servers_certificate_and_failed_logins_rate_limited() {
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = crm_system_tests::company_ca(dir.path());
    let server = crm_system_tests::Server::start_tls(&cert, &key);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    server.add_user("ana@example.com", "Ana", "rep", "North");
    let mut ana = Laptop::new("ana");
    // Without trusting the certificate, the laptop refuses to talk.
    let err = crm_sync::login(
        &mut ana.store,
        &server.url,
        "ana@example.com",
        PASSWORD,
        &Default::default(),
    )
    .expect_err("unknown certificate");
    // Said as what it is, not as "unreachable": the fix is a file, not waiting.
    assert!(
        matches!(err, crm_sync::SyncError::UntrustedCertificate { .. }),
        "{err}"
    );
    assert!(!crm_sync::is_transient(&err));
    let options = crm_sync::Options {
        insecure: false,
        ca_file: Some(ca.clone()),
        ..crm_sync::Options::default()
    };
    // Five wrong passwords, then even the right one waits.
    for _ in 0..5 {
        let err = crm_sync::login(
            &mut ana.store,
            &server.url,
            "ana@example.com",
            "wrong",
            &options,
        )
        .expect_err("wrong");
        assert!(
            matches!(&err, crm_sync::SyncError::Server { code, .. } if code == "bad_login"),
            "{err}"
        );
    }
    let err = crm_sync::login(
        &mut ana.store,
        &server.url,
        "ana@example.com",
        PASSWORD,
        &options,
    )
    .expect_err("limited");
    assert!(
        matches!(&err, crm_sync::SyncError::Server { code, .. } if code == "rate_limited"),
        "{err}"
    );
    let mut li = Laptop::new("li");
    server.add_user("li@example.com", "Li", "rep", "North");
    crm_sync::login(
        &mut li.store,
        &server.url,
        "li@example.com",
        PASSWORD,
        &options,
    )
    .expect("others are not limited");
    li.account("Over TLS");
    crm_sync::sync(
        &mut li.store,
        &options,
        |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("sync over https");
    assert_eq!(li.pending(), 0);
    // The command line without the file says what is wrong and how to fix
    // it (not "unreachable", exit 3, which scripts retry), then syncs once
    // given the file.
    li.account("Queued for the command line");
    let out = li.crm(&["sync"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not trusted")
            && stderr.contains("--ca-file")
            && stderr.contains("1 changes are safe"),
        "{stderr}"
    );
    let out = li.crm(
        &["sync"],
        &[("CRM_CA_FILE", ca.to_str().expect("utf-8 path"))],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(li.pending(), 0);
}

/// The lists of a laptop, through the real `crm`: each must answer.
fn lists_answer(laptop: &Laptop) {
    for args in [
        &["account", "list"][..],
        &["deal", "list"],
        &["task", "list"],
        &["pipeline"],
        &["record", "list", "contact"],
        &["record", "list", "opportunity"],
        &["record", "list", "task"],
    ] {
        let out = laptop.crm(args, &[]);
        assert!(
            out.status.success(),
            "`crm {}` fails: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn refused_offline_records_leave_with_their_discard_and_lists_survive_a_missing_parent() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    let handed = ana.account("Handed Over SA");
    ana.sync();
    boss.sync();
    let id_of = |laptop: &Laptop, email: &str| {
        laptop
            .store
            .find_user(email)
            .expect("in the directory")
            .id
            .to_string()
    };
    let (ana_id, li_id, sam_id) = (
        id_of(&ana, "ana@example.com"),
        id_of(&ana, "li@example.com"),
        id_of(&ana, "sam@example.com"),
    );
    boss.update(EntityKind::Account, handed, &[("owner_id", json!(li_id))]);
    boss.sync();

    // Offline, Ana adds under the account she no longer has...
    let task = ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Call Marta")),
            ("account_id", json!(handed.to_string())),
            ("assignee_id", json!(ana_id)),
        ],
    );
    // ...and gives a new account of hers, with a contact and a deal, to a
    // rep of another team.
    let given = ana.insert(
        EntityKind::Account,
        &[
            ("name", json!("Southern Gift")),
            ("owner_id", json!(sam_id)),
        ],
    );
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(given.to_string())),
            ("name", json!("Pepa")),
        ],
    );
    let deal = ana.insert(
        EntityKind::Opportunity,
        &[
            ("account_id", json!(given.to_string())),
            ("name", json!("First order")),
            ("currency", json!("EUR")),
            ("owner_id", json!(ana_id)),
        ],
    );
    let summary = ana.sync();
    assert_eq!(summary.rejected, 4, "{summary:?}");
    let codes: Vec<(crm_domain::Id, String)> = ana
        .store
        .rejected()
        .expect("rejected")
        .into_iter()
        .map(|r| (r.op.record_id, r.code))
        .collect();
    for (id, code) in [
        (task, "parent_out_of_scope"),
        (given, "hand_over_refused"),
        (contact, "parent_out_of_scope"),
        (deal, "parent_out_of_scope"),
    ] {
        assert!(
            codes.contains(&(id, code.to_owned())),
            "{id} refused with {code}: {codes:?}"
        );
    }
    assert_eq!(
        ana.field(EntityKind::Account, handed, "name"),
        None,
        "the handed-over account left Ana's laptop"
    );
    lists_answer(&ana);

    // Discarding the refused account takes it off the laptop, with what
    // was created under it and refused with it.
    let op_of = |laptop: &Laptop, id| {
        laptop
            .store
            .rejected()
            .expect("rejected")
            .into_iter()
            .find(|r| r.op.record_id == id)
            .expect("a refused change of the record")
            .op
            .op_id
    };
    let out = ana.crm(
        &["rejected", "discard", &op_of(&ana, given).to_string()],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ana.reopen();
    for (kind, id) in [
        (EntityKind::Account, given),
        (EntityKind::Contact, contact),
        (EntityKind::Opportunity, deal),
    ] {
        assert_eq!(ana.field(kind, id, "name"), None, "{kind} {id} is gone");
    }
    let left: Vec<_> = ana.store.rejected().expect("rejected");
    assert_eq!(left.len(), 1, "only the task's refusal is left: {left:?}");
    let out = ana.crm(
        &["rejected", "discard", &op_of(&ana, task).to_string()],
        &[],
    );
    assert!(out.status.success());
    ana.reopen();
    assert_eq!(
        ana.field(EntityKind::Task, task, "title"),
        None,
        "no ghost task"
    );
    assert_eq!(ana.pending(), 0);
    lists_answer(&ana);
}

#[test]
fn an_accounts_deals_and_tasks_follow_it_on_every_laptop() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let mut li = Laptop::logged_in(&server, "li@example.com");
    let acme = ana.account("Acme");
    let ana_id = ana.store.user_id().to_string();
    let deal = ana.insert(
        EntityKind::Opportunity,
        &[
            ("account_id", json!(acme.to_string())),
            ("name", json!("Renewal")),
            ("currency", json!("EUR")),
            ("owner_id", json!(ana_id)),
        ],
    );
    let task = ana.insert(
        EntityKind::Task,
        &[
            ("title", json!("Send the quote")),
            ("account_id", json!(acme.to_string())),
            ("assignee_id", json!(ana_id)),
        ],
    );
    ana.sync();
    li.sync();
    let li_id = li.store.user_id().to_string();
    // Another team's rep is out of a rep's giving, on the laptop as on the
    // server.
    let sam = ana.store.find_user("sam@example.com").expect("sam").id;
    for refused in [
        ana.store
            .edit(
                EntityKind::Account,
                acme,
                &[("owner_id", json!(sam.to_string()))],
            )
            .map(|_| ()),
        ana.store.reassign(ana.store.user_id(), sam).map(|_| ()),
    ] {
        match refused {
            Err(crm_store::StoreError::Rule(rule)) => assert_eq!(rule.code(), "other_team"),
            other => panic!("giving to another team must be refused: {other:?}"),
        }
    }
    assert_eq!(ana.pending(), 0, "nothing was queued");
    ana.store
        .edit(EntityKind::Account, acme, &[("owner_id", json!(li_id))])
        .expect("Ana hands Acme to Li");
    assert_eq!(
        ana.field(EntityKind::Opportunity, deal, "owner_id"),
        Some(json!(li_id)),
        "on Ana's laptop the deal goes with the account at once"
    );
    assert_eq!(
        ana.field(EntityKind::Task, task, "assignee_id"),
        Some(json!(li_id))
    );
    let summary = ana.sync();
    assert_eq!(summary.rejected, 0, "{summary:?}");
    for (kind, id, title) in [
        (EntityKind::Account, acme, "name"),
        (EntityKind::Opportunity, deal, "name"),
        (EntityKind::Task, task, "title"),
    ] {
        assert_eq!(ana.field(kind, id, title), None, "{kind} left Ana's laptop");
    }
    li.sync();
    assert_eq!(
        li.field(EntityKind::Opportunity, deal, "owner_id"),
        Some(json!(li_id)),
        "and is Li's on hers"
    );
    assert_eq!(
        li.field(EntityKind::Task, task, "assignee_id"),
        Some(json!(li_id))
    );
}
