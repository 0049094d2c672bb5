//! The desktop app's Sync screen commands (`crm-app`) against the real
//! server: sign in, sync with progress, a conflict shown side by side with
//! typed values and settled from the app, a refused change listed with its
//! reason, and a server that is down reported in the user's terms with the
//! queue intact.

use std::cell::RefCell;

use crm_app::{
    App, CreateDatabase, CreateRecord, LoadDemo, RejectedId, ResolveConflict, Shown, SignIn,
};
use crm_domain::EntityKind;
use crm_store::Keep;
use crm_system_tests::{Laptop, PASSWORD, Server, company_ca};
use serde_json::{Value, json};

use crate::team;

fn app_for(name: &str) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::open_with(dir.path(), Some(crm_app::TEST_PASSPHRASE))
        .expect("an empty directory opens");
    app.create_database(CreateDatabase {
        name: name.into(),
        email: None,
        currency: "EUR".into(),
    })
    .expect("create the database");
    (app, dir)
}

fn sign_in(app: &App, server: &str, email: &str) {
    app.sync_login(SignIn {
        server: server.into(),
        email: email.into(),
        password: PASSWORD.into(),
        insecure: false,
        ca_pem: None,
        set_demo_aside: false,
        currency: None,
    })
    .unwrap_or_else(|e| panic!("sign in as {email}: {e}"));
}

/// A rep who joins a team signs in on a new laptop before any database
/// exists: a wrong password leaves no database behind (Welcome still offers
/// every path), the right one makes a database that is hers, in the team's
/// identity, and the first sync brings the team's records.
#[test]
fn a_first_sign_in_on_a_new_laptop_makes_the_database_and_a_failed_one_leaves_none() {
    let server = team();
    let mut ana = Laptop::logged_in(&server, "ana@example.com");
    let account = ana.account("Talleres Ruiz");
    ana.sync();

    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::open_with(dir.path(), Some(crm_app::TEST_PASSPHRASE))
        .expect("an empty directory opens");
    assert!(!app.status().unwrap().ready);
    let attempt = |password: &str| {
        app.sync_login(SignIn {
            server: server.url.clone(),
            email: "ana@example.com".into(),
            password: password.into(),
            insecure: false,
            ca_pem: None,
            set_demo_aside: false,
            currency: Some("EUR".into()),
        })
    };
    let err = attempt("not her password").unwrap_err();
    assert_eq!(err.message_key, "error.bad_login");
    assert!(
        !app.status().unwrap().ready,
        "a refused sign-in leaves no database: Welcome still offers create and demo"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db") || n.ends_with("-wal"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    let status = attempt(PASSWORD).expect("the right password signs in");
    assert!(status.signed_in);
    let me = app.status().unwrap();
    assert!(me.ready, "the database exists once the server accepted");
    assert_eq!(
        me.user.expect("a user").name,
        "Ana Méndez",
        "the team's identity, not the login"
    );
    app.sync_now(&|_| {}).expect("the first sync");
    let got = app
        .get_record(crm_app::KindRecord {
            kind: "account".into(),
            id: account,
        })
        .expect("the team's account arrived");
    assert_eq!(got.fields["name"], "Talleres Ruiz");
}

#[test]
fn the_app_signs_in_syncs_and_settles_a_conflict_against_the_real_server() {
    let mut server = team();
    let (app, _dir) = app_for("Ana on her laptop");

    // A wrong password is an error the UI translates, and nothing changes.
    let err = app
        .sync_login(SignIn {
            server: server.url.clone(),
            email: "ana@example.com".into(),
            password: "not her password".into(),
            insecure: false,
            ca_pem: None,
            set_demo_aside: false,
            currency: None,
        })
        .unwrap_err();
    assert_eq!(err.message_key, "error.bad_login");
    assert!(!app.sync_status().unwrap().signed_in);

    // Work done before signing in becomes Ana's and goes up with the first sync.
    let account = app
        .create_account(CreateRecord {
            fields: [("name".to_owned(), "Talleres Ruiz".to_owned())].into(),
        })
        .unwrap();
    sign_in(&app, &server.url, "ana@example.com");
    assert_eq!(
        app.status().unwrap().user.expect("a user").name,
        "Ana Méndez",
        "the local profile became the server's user"
    );
    let events = RefCell::new(Vec::new());
    let report = app.sync_now(&|p| events.borrow_mut().push(p.task)).unwrap();
    assert_eq!(report.summary.pushed, 1);
    assert_eq!(report.status.pending, 0);
    assert!(report.status.last_sync_at.is_some());
    assert!(!report.status.running);
    assert!(
        events.borrow().contains(&"sync_push") && events.borrow().contains(&"sync_pull"),
        "progress reaches the UI: {:?}",
        events.borrow()
    );
    let deal = app
        .create_deal(crm_app::CreateDeal {
            account_id: account,
            name: "Flota 2027".into(),
            amount: "12000".into(),
            currency: Some("EUR".into()),
            stage: None,
            close_date: None,
        })
        .unwrap();
    app.sync_now(&|_| {}).unwrap();

    // Her manager moves the deal on; Ana, offline, moves it elsewhere.
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    boss.update(
        EntityKind::Opportunity,
        deal,
        &[("stage", json!("negotiation"))],
    );
    boss.sync();
    server.kill();
    server.wait_dead();
    app.move_deal(crm_app::MoveDeal {
        id: deal,
        stage: "proposal".into(),
        lost_reason: None,
    })
    .unwrap();
    let err = app.sync_now(&|_| {}).unwrap_err();
    assert_eq!(err.message_key, "error.server_unreachable");
    assert_eq!(err.params["count"], 1, "the change is safe and queued");
    let status = app.sync_status().unwrap();
    assert_eq!(status.pending, 1);
    assert_eq!(
        status.last_error.map(|e| e.message_key).as_deref(),
        Some("error.server_unreachable"),
        "the screen says why the last sync failed"
    );
    // Still offline, she goes on working: the failure shown counts what
    // waits now, not what waited when that sync failed.
    app.create_account(CreateRecord {
        fields: [("name".to_owned(), "Talleres Ruiz Norte".to_owned())].into(),
    })
    .unwrap();
    let status = app.sync_status().unwrap();
    assert_eq!(status.pending, 2);
    assert_eq!(status.last_error.expect("still failed").params["count"], 2);

    // Back online: the stage is high-stakes, so a conflict, both sides shown.
    server.restart();
    let report = app.sync_now(&|_| {}).unwrap();
    assert_eq!(report.summary.conflicts, 1, "{:?}", report.summary);
    assert!(report.status.last_error.is_none());
    let conflicts = app.list_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(
        (c.field.as_str(), c.record_name.as_deref()),
        ("stage", Some("Flota 2027"))
    );
    let stage = |key: &str| Shown::Choice {
        group: "stage".into(),
        key: key.into(),
    };
    assert_eq!(c.mine, stage("proposal"));
    assert_eq!(c.theirs, stage("negotiation"));
    assert_eq!(c.theirs_by.as_deref(), Some("Boss"));
    assert_eq!(app.sync_status().unwrap().conflicts, 1);

    // Ana keeps hers; after both sync, the manager has it too.
    app.resolve_conflict(ResolveConflict {
        id: c.id,
        keep: Keep::Mine,
    })
    .unwrap();
    assert!(app.list_conflicts().unwrap().is_empty());
    app.sync_now(&|_| {}).unwrap();
    boss.sync();
    assert_eq!(
        boss.field(EntityKind::Opportunity, deal, "stage"),
        Some(json!("proposal"))
    );
    assert!(boss.store.open_conflicts().unwrap().is_empty());

    // Signing out keeps the data and the queue; syncing then says to sign in.
    app.create_account(CreateRecord {
        fields: [("name".to_owned(), "Queued while signed out".to_owned())].into(),
    })
    .unwrap();
    let status = app.sync_logout().unwrap();
    assert!(!status.signed_in);
    assert_eq!(status.pending, 1);
    let err = app.sync_now(&|_| {}).unwrap_err();
    assert_eq!(err.message_key, "error.not_signed_in");
}

#[test]
fn a_change_the_server_refuses_is_listed_with_its_reason_and_can_be_discarded() {
    let server = team();
    let (app, _dir) = app_for("Ana");
    sign_in(&app, &server.url, "ana@example.com");
    let account = app
        .create_account(CreateRecord {
            fields: [("name".to_owned(), "Handed Over SA".to_owned())].into(),
        })
        .unwrap();
    app.sync_now(&|_| {}).unwrap();

    // The manager hands the account to Li while Ana, offline, edits it.
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    let li = boss.store.find_user("li@example.com").expect("li").id;
    boss.update(
        EntityKind::Account,
        account,
        &[("owner_id", json!(li.to_string()))],
    );
    boss.sync();
    app.update_account(crm_app::UpdateRecord {
        id: account,
        fields: [("notes".to_owned(), "Ana's offline note".to_owned())].into(),
    })
    .unwrap();
    let report = app.sync_now(&|_| {}).unwrap();
    assert_eq!(report.summary.rejected, 1, "{:?}", report.summary);
    assert_eq!(report.status.rejected, 1, "the screen counts it");
    let rejected = app.list_rejected().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (
            rejected[0].reason.as_str(),
            rejected[0].entity,
            rejected[0].kind.as_str()
        ),
        ("out_of_scope", EntityKind::Account, "update")
    );
    assert_eq!(rejected[0].fields, ["notes"]);

    app.discard_rejected(RejectedId {
        op_id: rejected[0].op_id,
    })
    .unwrap();
    assert!(app.list_rejected().unwrap().is_empty());
    let status = app.sync_status().unwrap();
    assert_eq!((status.pending, status.rejected), (0, 0));
}

#[test]
fn a_company_certificate_given_at_sign_in_is_trusted_for_every_sync() {
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = company_ca(dir.path());
    let server = Server::start_tls(&cert, &key);
    server.add_user("ana@example.com", "Ana", "rep", "North");
    let (app, _data) = app_for("Ana");
    let attempt = |ca_pem: Option<String>| {
        app.sync_login(SignIn {
            server: server.url.clone(),
            email: "ana@example.com".into(),
            password: PASSWORD.into(),
            insecure: false,
            ca_pem,
            set_demo_aside: false,
            currency: None,
        })
    };
    // An unknown issuer is not "the server is down": the user is told to
    // get the company's certificate.
    let err = attempt(None).unwrap_err();
    assert_eq!(err.message_key, "error.untrusted_certificate");
    let err = attempt(Some("my notes, not a certificate".into())).unwrap_err();
    assert_eq!(err.message_key, "error.bad_certificate_file");
    assert!(!app.sync_status().unwrap().signed_in);

    let pem = std::fs::read_to_string(&ca).expect("ca.pem");
    attempt(Some(pem)).expect("signed in with the company CA");
    app.create_account(CreateRecord {
        fields: [("name".to_owned(), "Over TLS GmbH".to_owned())].into(),
    })
    .unwrap();
    let report = app.sync_now(&|_| {}).expect("the kept certificate is used");
    assert_eq!(report.summary.pushed, 1);
}

/// Demo data never meets the team server. Signing in from a demo database
/// needs the user's consent, and then goes to a database of their own; the
/// demo is kept in a file of its own, and is set aside only once the server
/// accepted the login.
#[test]
fn signing_in_from_demo_data_sets_it_aside_and_sends_none_of_it() {
    let server = team();
    let data = tempfile::tempdir().expect("dir");
    let app = App::open_with(data.path(), Some(crm_app::TEST_PASSPHRASE))
        .expect("an empty directory opens");
    app.load_demo(
        LoadDemo {
            accounts: 30,
            seed: 5,
        },
        &|_| {},
    )
    .expect("demo data");
    assert!(app.sync_status().unwrap().demo);
    let attempt = |password: &str, set_demo_aside: bool| {
        app.sync_login(SignIn {
            server: server.url.clone(),
            email: "ana@example.com".into(),
            password: password.into(),
            insecure: false,
            ca_pem: None,
            set_demo_aside,
            currency: None,
        })
    };
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(data.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("crm"))
            .collect();
        names.sort();
        names
    };

    // Without consent: refused before anything is sent.
    let err = attempt(PASSWORD, false).unwrap_err();
    assert_eq!(err.message_key, "error.demo_data");
    // With consent and a wrong password: the demo stays as it was, and the
    // database begun for the sign-in is gone.
    let err = attempt("not her password", true).unwrap_err();
    assert_eq!(err.message_key, "error.bad_login");
    assert_eq!(app.status().unwrap().accounts, 30);
    assert!(app.sync_status().unwrap().demo);
    assert!(
        !files()
            .iter()
            .any(|f| f.starts_with("crm-new") || f.starts_with("crm-demo")),
        "{:?}",
        files()
    );

    // With consent: signed in, in a database of her own. A `crm` command
    // that has the file open meanwhile goes on in the new database.
    let mut cli = crm_store::Store::open(&crm_store::Store::path_in(data.path())).unwrap();
    let status = attempt(PASSWORD, true).expect("signed in");
    assert!(status.signed_in && !status.demo);
    let me = app.status().unwrap();
    assert_eq!(me.accounts, 0, "no invented customer came along");
    assert_eq!(me.user.expect("a user").name, "Ana Méndez");
    let aside: Vec<String> = files()
        .into_iter()
        .filter(|f| f.starts_with("crm-demo-") && f.ends_with(".db"))
        .collect();
    assert_eq!(aside.len(), 1, "the demo is kept: {:?}", files());
    assert!(
        !files().iter().any(|f| f.starts_with("crm-new")),
        "the database begun for the sign-in is now the database: {:?}",
        files()
    );
    let kept = crm_store::Store::open(&data.path().join(&aside[0])).expect("the demo opens");
    assert_eq!(kept.account_count().unwrap(), 30);
    assert!(kept.holds_demo_data().unwrap());

    cli.write(|w| {
        w.insert(
            EntityKind::Account,
            &[("name", json!("Written by crm meanwhile"))],
        )
    })
    .expect("the other handle writes on");
    drop(cli);

    // Her real work syncs; nothing invented reaches her manager.
    app.create_account(CreateRecord {
        fields: [("name".to_owned(), "Talleres Ruiz".to_owned())].into(),
    })
    .unwrap();
    assert_eq!(app.sync_now(&|_| {}).unwrap().summary.pushed, 2);
    let mut boss = Laptop::logged_in(&server, "boss@example.com");
    boss.sync();
    let mut names: Vec<Value> = boss
        .snapshot(EntityKind::Account)
        .into_iter()
        .map(|(_, fields, _)| fields["name"].clone())
        .collect();
    names.sort_by_key(ToString::to_string);
    assert_eq!(
        names,
        [json!("Talleres Ruiz"), json!("Written by crm meanwhile")]
    );

    // And a synced database takes no demo data.
    let err = app
        .load_demo(
            LoadDemo {
                accounts: 5,
                seed: 1,
            },
            &|_| {},
        )
        .unwrap_err();
    assert_eq!(err.message_key, "error.demo_on_synced");
    assert_eq!(app.status().unwrap().accounts, 2);
}

/// An administrator marks Ana's laptop lost: the app's next sync erases
/// the database, the vault and everything of the book in the data folder,
/// and the window says why instead of showing anything.
#[test]
fn the_app_erases_its_copy_when_the_laptop_was_marked_lost() {
    let server = team();
    let (app, dir) = app_for("Ana");
    sign_in(&app, &server.url, "ana@example.com");
    app.sync_now(&|_| {}).expect("a first sync");
    let device = crm_store::Store::open(&crm_store::Store::path_in(dir.path()))
        .unwrap()
        .device_id()
        .to_string();
    let out = server.admin(&["device", "wipe", &device], "");
    assert!(out.status.success());
    let err = app.sync_now(&|_| {}).unwrap_err();
    assert_eq!(err.code, "wiped", "{err}");
    let status = app.status().unwrap();
    assert!(!status.ready);
    assert_eq!(status.problem.map(|p| p.code), Some("wiped".to_owned()));
    for gone in ["crm.db", crm_vault::FILE_NAME] {
        assert!(!dir.path().join(gone).exists(), "{gone} is erased");
    }
    assert_eq!(
        app.list_users().unwrap_err().code,
        "no_database",
        "nothing left to show"
    );
}
