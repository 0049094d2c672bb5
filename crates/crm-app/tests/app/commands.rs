//! The commands as the UI calls them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use crm_app::{
    AccountId, App, CompleteTask, ConvertLead, CreateAny, CreateDeal, CreateRecord, DisqualifyLead,
    ListRecords, LoadDemo, LogInteraction, MoveDeal, RecordId, SearchArgs, Settings, TimelineArgs,
    TodayArgs, UpdateRecord,
};
use crm_domain::EntityKind;
use crm_store::{AccountListQuery, AccountSort};

use crate::Fixture;

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn account(app: &App, name: &str) -> crm_domain::Id {
    app.create_account(CreateRecord {
        fields: fields(&[("name", name), ("industry", "软件"), ("region", "上海")]),
    })
    .expect("creating an account")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_file_that_is_not_a_crm_database_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = crm_store::Store::path_in(dir.path());
    std::fs::write(&path, b"my tax return, not a database").unwrap();
    let app = App::open_with(dir.path(), Some(crm_app::TEST_PASSPHRASE))
        .expect("the window opens anyway");
    let status = app.status().unwrap();
    assert!(!status.ready);
    let problem = status.problem.expect("the status says why");
    assert_eq!(problem.message_key, "error.not_crm_database");
    let err = app
        .create_database(crm_app::CreateDatabase {
            name: "Li Wei".into(),
            email: None,
            currency: "CNY".into(),
        })
        .unwrap_err();
    assert_eq!(err.message_key, "error.not_crm_database");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"my tax return, not a database",
        "nothing was created over the file"
    );
}

#[test]
fn a_first_start_has_no_database_until_one_is_created() {
    let fx = Fixture::empty();
    let status = fx.app.status().unwrap();
    assert!(!status.ready, "no database yet");
    let err = fx
        .app
        .list_accounts(AccountListQuery::default())
        .unwrap_err();
    assert_eq!(
        err.code, "no_database",
        "commands say why they cannot answer"
    );

    let bad = fx
        .app
        .create_database(crm_app::CreateDatabase {
            name: "Ana".into(),
            email: None,
            currency: "XYZ".into(),
        })
        .unwrap_err();
    assert_eq!(
        (bad.code.as_str(), bad.field.as_deref()),
        ("invalid", Some("currency"))
    );

    let status = fx
        .app
        .create_database(crm_app::CreateDatabase {
            name: "Ana Méndez".into(),
            email: None,
            currency: "EUR".into(),
        })
        .unwrap();
    assert!(status.ready);
    assert_eq!(status.user.unwrap().name, "Ana Méndez");
    assert_eq!(status.currency.as_deref(), Some("EUR"));
    // A second app on the same directory finds it.
    let again = App::open_with(fx.dir.path(), Some(crm_app::TEST_PASSPHRASE)).unwrap();
    assert!(again.status().unwrap().ready);
}

#[test]
fn demo_data_reports_progress_and_fills_the_list() {
    let fx = Fixture::empty();
    let seen = std::sync::Mutex::new(Vec::new());
    let summary = fx
        .app
        .load_demo(
            LoadDemo {
                accounts: 40,
                seed: 7,
            },
            &|p| seen.lock().unwrap().push((p.task, p.done, p.total)),
        )
        .unwrap();
    assert_eq!(summary.accounts, 40);
    assert_eq!(seen.lock().unwrap().last(), Some(&("demo", 40, 40)));
    let page = fx
        .app
        .list_accounts(AccountListQuery {
            limit: 10,
            sort: AccountSort::Updated,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.total, page.rows.len()), (40, 10));
    let facets = fx.app.account_facets().unwrap();
    assert!(!facets.values.industries.is_empty() && facets.owners.len() > 1);
}

#[test]
fn an_account_page_shows_a_logged_call_with_who_and_when_and_the_field_history() {
    let fx = Fixture::ready();
    let id = account(&fx.app, "上海云杉科技有限公司");
    let logged = fx
        .app
        .log_interaction(LogInteraction {
            account_id: id,
            kind: "Call".into(),
            subject: "讨论续约报价".into(),
            body: Some("客户希望下周收到报价".into()),
            outcome: None,
            contact_id: None,
            opportunity_id: None,
            occurred_at: Some("2026-01-10T09:30:00+08:00".into()),
        })
        .unwrap();
    assert_eq!(logged.kind, "call", "kinds are parsed, case-insensitively");
    assert_eq!(logged.author_name.as_deref(), Some("Li Wei"));
    assert_eq!(logged.occurred_at.to_rfc3339(), "2026-01-10T01:30:00+00:00");

    assert!(
        fx.app
            .update_account(UpdateRecord {
                id,
                fields: fields(&[("phone", "+86 21 5555 0101")]),
            })
            .unwrap()
    );
    let page = fx.app.account_view(AccountId { id }).unwrap();
    assert_eq!(page.interaction_count, 1);
    assert_eq!(page.view.timeline.entries[0].subject, "讨论续约报价");
    assert_eq!(page.view.account.phone.as_deref(), Some("+86 21 5555 0101"));
    let history = fx.app.history(RecordId { id }).unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.field == "phone" && h.changed_by_name.as_deref() == Some("Li Wei"))
    );

    let err = fx
        .app
        .update_account(UpdateRecord {
            id,
            fields: fields(&[("email", "not-an-email")]),
        })
        .unwrap_err();
    assert_eq!(
        (err.message_key.as_str(), err.field.as_deref()),
        ("problem.email", Some("email"))
    );
    let err = fx
        .app
        .update_account(UpdateRecord {
            id,
            fields: fields(&[("owner_id", "someone")]),
        })
        .unwrap_err();
    assert_eq!(
        err.message_key, "problem.unknown_field",
        "references are set by commands, not typed"
    );
}

#[test]
fn search_finds_chinese_by_substring_across_kinds() {
    let fx = Fixture::ready();
    let id = account(&fx.app, "北京星辰科技有限公司");
    fx.app
        .log_interaction(LogInteraction {
            account_id: id,
            kind: "visit".into(),
            subject: "拜访星辰总部".into(),
            body: None,
            outcome: None,
            contact_id: None,
            opportunity_id: None,
            occurred_at: None,
        })
        .unwrap();
    let groups = fx
        .app
        .search(SearchArgs {
            query: "星辰".into(),
            per_group: 0,
        })
        .unwrap();
    let kinds: Vec<EntityKind> = groups.iter().map(|g| g.entity).collect();
    assert_eq!(kinds, [EntityKind::Account, EntityKind::Interaction]);
    assert_eq!(groups[1].hits[0].account_id, Some(id));
}

#[test]
fn moving_a_deal_changes_stage_probability_and_the_board_totals() {
    let fx = Fixture::ready();
    let id = account(&fx.app, "ACME");
    let deal = fx
        .app
        .create_deal(CreateDeal {
            account_id: id,
            name: "Annual".into(),
            amount: "12000.50".into(),
            currency: None,
            stage: None,
            close_date: Some("2026-03-01".into()),
        })
        .unwrap();
    let card = fx
        .app
        .move_deal(MoveDeal {
            id: deal,
            stage: "proposal".into(),
            lost_reason: None,
        })
        .unwrap();
    assert_eq!(
        (
            card.stage.as_str(),
            card.probability,
            card.currency.as_str()
        ),
        ("proposal", Some(50), "CNY")
    );
    let board = fx.app.pipeline(Default::default()).unwrap();
    let proposal = board
        .columns
        .iter()
        .find(|c| c.stage.key == "proposal")
        .unwrap();
    assert_eq!(proposal.count, 1);
    assert_eq!(
        (proposal.totals[0].amount, proposal.totals[0].weighted),
        (1_200_050, 600_025)
    );
    let err = fx
        .app
        .move_deal(MoveDeal {
            id: deal,
            stage: "nowhere".into(),
            lost_reason: None,
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("stage"));
}

#[test]
fn leads_convert_once_and_a_second_attempt_gets_its_own_message() {
    let fx = Fixture::ready();
    let lead = fx
        .app
        .create_lead(CreateRecord {
            fields: fields(&[
                ("name", "王伟"),
                ("company", "华信贸易"),
                ("source", "exhibition"),
            ]),
        })
        .unwrap();
    assert_eq!(
        fx.app.qualify_lead(RecordId { id: lead }).unwrap().status,
        "qualified"
    );
    let done = fx
        .app
        .convert_lead(ConvertLead {
            id: lead,
            account_id: None,
            deal_name: Some("First order".into()),
            amount: Some("50000".into()),
            currency: None,
        })
        .unwrap();
    let page = fx
        .app
        .account_view(AccountId {
            id: done.account_id,
        })
        .unwrap();
    assert_eq!(page.view.account.name, "华信贸易");
    assert_eq!(page.view.open_opportunities[0].amount.minor, 5_000_000);

    let again = fx
        .app
        .disqualify_lead(DisqualifyLead {
            id: lead,
            reason: "duplicate".into(),
        })
        .unwrap_err();
    assert_eq!(
        (again.code.as_str(), again.params["status"].as_str()),
        ("lead_closed", Some("converted"))
    );
}

#[test]
fn today_lists_my_promises_by_due_date_and_the_latest_history() {
    let fx = Fixture::ready();
    let id = account(&fx.app, "ACME");
    for (title, due) in [
        ("late", "2026-01-05"),
        ("now", "2026-01-10"),
        ("soon", "2026-01-14"),
        ("later", "2026-02-20"),
    ] {
        fx.app
            .create_record(CreateAny {
                kind: "task".into(),
                fields: [
                    ("title".to_owned(), title.to_owned()),
                    ("due_date".to_owned(), due.to_owned()),
                    ("account_id".to_owned(), id.to_string()),
                ]
                .into(),
            })
            .unwrap();
    }
    let today = fx
        .app
        .today(TodayArgs {
            today: day("2026-01-10"),
        })
        .unwrap();
    let titles = |rows: &[crm_store::RecordRow]| {
        rows.iter()
            .map(|t| t.fields["title"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(titles(&today.overdue), ["late"]);
    assert_eq!(titles(&today.due_today), ["now"]);
    assert_eq!(titles(&today.upcoming), ["soon"]);
    assert_eq!(
        today.due_today[0]
            .titles
            .get("account_id")
            .map(String::as_str),
        Some("ACME"),
        "the account is named"
    );

    // The Tasks screen's list: open tasks of mine due by a day, by the
    // generic record path (its description gives the assignee).
    let me = fx.app.status().unwrap().user.unwrap().id.to_string();
    let due_by = |day: &str| ListRecords {
        kind: "task".into(),
        query: crm_store::RecordQuery {
            filter: [("assignee_id".to_owned(), serde_json::json!(me))].into(),
            conditions: vec![
                crm_store::Condition {
                    field: "done_at".into(),
                    op: crm_store::Compare::Unset,
                    value: serde_json::Value::Null,
                },
                crm_store::Condition {
                    field: "due_date".into(),
                    op: crm_store::Compare::Le,
                    value: serde_json::json!(day),
                },
            ],
            sort: Some("due_date".into()),
            ..Default::default()
        },
    };
    let by_today = fx.app.list_records(due_by("2026-01-10")).unwrap();
    let titles: Vec<_> = by_today
        .rows
        .iter()
        .map(|r| r.fields["title"].clone())
        .collect();
    assert_eq!(
        titles,
        [serde_json::json!("late"), serde_json::json!("now")]
    );
    assert_eq!(
        by_today.rows[0]
            .titles
            .get("account_id")
            .map(String::as_str),
        Some("ACME"),
        "a reference comes with its record's name"
    );
    let first = by_today.rows[0].id;
    let done = fx
        .app
        .complete_task(CompleteTask {
            id: first,
            outcome: None,
        })
        .unwrap();
    assert_eq!(done.interaction, None, "a plain to-do writes no history");
    let err = fx
        .app
        .complete_task(CompleteTask {
            id: first,
            outcome: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "task_done");
    assert_eq!(fx.app.list_records(due_by("2026-01-10")).unwrap().total, 1);
}

#[test]
fn sync_shows_pending_changes_and_asks_to_sign_in_first() {
    let fx = Fixture::ready();
    account(&fx.app, "ACME");
    let status = fx.app.sync_status().unwrap();
    assert_eq!(status.pending, 1, "the new account waits in the outbox");
    let changes = fx.app.sync_changes().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, "insert");
    assert!(status.server.is_none() && !status.signed_in);
    let err = fx.app.sync_now(&|_| {}).unwrap_err();
    assert_eq!(err.message_key, "error.not_signed_in");
    assert!(
        !fx.app.sync_status().unwrap().running,
        "a failed sync is over"
    );
    assert_eq!(fx.app.sync_status().unwrap().pending, 1, "nothing was lost");
}

#[test]
fn settings_are_kept_beside_the_database_and_checked() {
    let fx = Fixture::ready();
    let wanted = Settings {
        language: Some("zh".into()),
        theme: Some("dark".into()),
        ..Default::default()
    };
    fx.app.save_settings(wanted.clone()).unwrap();
    assert_eq!(
        App::open_with(fx.dir.path(), Some(crm_app::TEST_PASSPHRASE))
            .unwrap()
            .get_settings()
            .unwrap(),
        wanted
    );
    let err = fx
        .app
        .save_settings(Settings {
            language: Some("fr".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("language"));
}

#[test]
fn only_one_app_holds_a_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let first = crm_app::lock_instance(dir.path()).unwrap();
    let second = crm_app::lock_instance(dir.path()).unwrap_err();
    assert_eq!(second.code, "already_running");
    drop(first);
    assert!(
        crm_app::lock_instance(dir.path()).is_ok(),
        "the lock goes with its holder"
    );
}

#[test]
fn a_departing_reps_records_are_handed_over_in_one_action() {
    let fx = Fixture::ready();
    fx.app
        .load_demo(
            LoadDemo {
                accounts: 60,
                seed: 7,
            },
            &|_| {},
        )
        .unwrap();
    let users = fx.app.list_users().unwrap();
    let owner_of = |id| {
        fx.app
            .account_view(AccountId { id })
            .unwrap()
            .view
            .account
            .owner_id
    };
    // Someone who owns accounts leaves; someone else takes over.
    let page = fx
        .app
        .list_accounts(AccountListQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    let first = page.rows[0].id;
    let leaving = owner_of(first).expect("demo accounts have owners");
    let taking = users
        .iter()
        .find(|u| u.id != leaving && u.active)
        .expect("another member")
        .id;
    let reassign = |from, to| fx.app.reassign(crm_app::Reassign { from, to });
    let moved = reassign(leaving, taking).unwrap();
    assert!(moved.accounts >= 1, "{moved:?}");
    assert_eq!(owner_of(first), Some(taking));
    let again = reassign(leaving, taking).unwrap();
    assert_eq!(again.accounts, 0, "nothing is left with the one who left");
    let err = reassign(taking, taking).unwrap_err();
    assert_eq!(err.message_key, "error.same_person");
}

fn csv_file(text: &str) -> crm_app::ImportFile {
    use base64::Engine;
    crm_app::ImportFile {
        into: "leads".into(),
        file_name: "fair.csv".into(),
        content: base64::engine::general_purpose::STANDARD.encode(text),
        skip_invalid: false,
        keep_duplicates: false,
        encoding: None,
        no_header: false,
    }
}

#[test]
fn a_file_without_a_header_or_in_a_guessed_encoding_is_explained_and_chosen() {
    use base64::Engine;
    let fx = Fixture::ready();
    let text =
        "Ana Torres,ana@bluesummit.com,+1 415 555 0100\nBob Lee,bob@granite.com,+1 415 555 0101\n";
    let err = fx.app.import_preview(csv_file(text)).unwrap_err();
    assert_eq!(err.message_key, "error.import_no_header");
    assert_eq!(err.params["values"], "ana@bluesummit.com, +1 415 555 0100");
    let preview = fx
        .app
        .import_preview(crm_app::ImportFile {
            no_header: true,
            ..csv_file(text)
        })
        .unwrap();
    assert_eq!(
        preview.new_records, 2,
        "told there is no header, every line is a lead"
    );
    assert!(!preview.preview.header);

    let shift_jis = shift_jis_csv();
    let file = crm_app::ImportFile {
        content: base64::engine::general_purpose::STANDARD.encode(&shift_jis),
        ..csv_file("")
    };
    let preview = fx.app.import_preview(file.clone()).unwrap();
    assert_eq!(preview.preview.encoding.name(), "shift_jis");
    assert!(
        preview.preview.encoding_guessed,
        "the report says it was guessed"
    );
    let chosen = fx
        .app
        .import_preview(crm_app::ImportFile {
            encoding: Some("gb18030".into()),
            ..file.clone()
        })
        .unwrap();
    assert_eq!(chosen.preview.encoding.name(), "gb18030");
    assert!(
        !chosen.preview.encoding_guessed,
        "the user's choice is used"
    );
    let err = fx
        .app
        .import_preview(crm_app::ImportFile {
            encoding: Some("klingon".into()),
            ..file
        })
        .unwrap_err();
    assert_eq!(err.message_key, "error.import_unknown_encoding");
}

/// `Name,Email` and 山田太郎 in Shift_JIS, written out byte by byte.
fn shift_jis_csv() -> Vec<u8> {
    let mut bytes = b"Name,Email\n".to_vec();
    bytes.extend([0x8E, 0x52, 0x93, 0x63, 0x91, 0xBE, 0x98, 0x59]);
    bytes.extend(b",yamada@sample.co.jp\n");
    bytes
}

#[test]
fn a_file_of_business_cards_is_previewed_then_imported_once() {
    let fx = Fixture::ready();
    let text = "Name,Company,Email\n\
                王芳,杭州青禾茶业,wang.fang@qinghe.cn\n\
                Luis Ortega,Frutas Ortega,not-an-email\n\
                Wang Fang again,杭州青禾茶业,wang.fang@qinghe.cn\n";
    let preview = fx.app.import_preview(csv_file(text)).unwrap();
    assert_eq!(preview.preview.rows, 3);
    assert_eq!(preview.preview.bad_rows, 1, "the bad email is found");
    assert_eq!(preview.preview.problems[0].line, 3);
    assert_eq!(
        (preview.new_records, preview.duplicates),
        (1, 1),
        "the second card of the same person is a duplicate"
    );
    assert!(!preview.written);
    assert!(
        fx.app.list_leads(Default::default()).unwrap().is_empty(),
        "a preview writes nothing"
    );

    let err = fx.app.import_file(csv_file(text)).unwrap_err();
    assert_eq!(err.message_key, "error.import_has_problems");
    assert_eq!(err.params["count"], 1);

    let done = fx
        .app
        .import_file(crm_app::ImportFile {
            skip_invalid: true,
            ..csv_file(text)
        })
        .unwrap();
    assert_eq!((done.new_records, done.written), (1, true));
    assert_eq!(fx.app.list_leads(Default::default()).unwrap().len(), 1);
    let again = fx
        .app
        .import_file(crm_app::ImportFile {
            skip_invalid: true,
            ..csv_file(text)
        })
        .unwrap();
    assert_eq!(
        (again.new_records, again.already_imported),
        (0, 1),
        "the same file twice imports nothing twice"
    );

    let err = fx.app.import_preview(csv_file("Name,Email\n")).unwrap_err();
    assert_eq!(err.message_key, "error.import_empty");
}

#[test]
fn leads_come_a_page_at_a_time_without_gaps_or_repeats() {
    let fx = Fixture::ready();
    for i in 0..5 {
        fx.app
            .create_lead(CreateRecord {
                fields: fields(&[("name", &format!("Lead {i}"))]),
            })
            .unwrap();
    }
    let page = |offset| {
        fx.app
            .list_leads(crm_app::LeadQuery {
                status: None,
                limit: 2,
                offset,
            })
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect::<Vec<_>>()
    };
    let mut seen: Vec<String> = [page(0), page(2), page(4)].concat();
    assert_eq!(seen.len(), 5);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every lead once");
    assert!(page(6).is_empty());
}

/// A command as the UI sends it: a name and JSON.
fn call(app: &App, command: &str, input: serde_json::Value) -> serde_json::Value {
    crm_app::dispatch::call(app, command, input, &|_| {})
        .unwrap_or_else(|e| panic!("{command} failed: {e:?}"))
}

#[test]
fn the_board_totals_each_column_in_my_currency_filters_and_pages() {
    let fx = Fixture::ready(); // Li Wei, in CNY
    let acme = account(&fx.app, "上海云杉科技有限公司");
    let other = account(&fx.app, "Harbor Logistics");
    let deal = |account, name: &str, amount: &str, currency: &str, close: &str| {
        fx.app
            .create_deal(CreateDeal {
                account_id: account,
                name: name.into(),
                amount: amount.into(),
                currency: Some(currency.into()),
                stage: Some("proposal".into()),
                close_date: Some(close.into()),
            })
            .unwrap()
    };
    deal(acme, "云杉 年度订阅", "1000", "CNY", "2027-01-03");
    deal(other, "Renewal", "100", "USD", "2027-01-01");
    deal(other, "Expansion", "50", "EUR", "2027-01-02");
    call(
        &fx.app,
        "create_record",
        serde_json::json!({"kind": "exchange_rate", "fields": {
            "day": "2026-12-01", "from_currency": "USD", "to_currency": "CNY", "rate": "7.1234"}}),
    );

    let board = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"today": "2026-12-05"}),
    );
    assert_eq!(board["currency"], "CNY");
    let proposal = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "proposal")
        .unwrap();
    assert_eq!(proposal["count"], 3);
    assert_eq!(
        proposal["totals"].as_array().unwrap().len(),
        3,
        "per currency, for the tooltip"
    );
    // 1,000 CNY + 100 USD × 7.1234 = 1,712.34 CNY; the EUR deal has no rate.
    assert_eq!(proposal["total"]["currency"], "CNY");
    assert_eq!(proposal["total"]["amount"], 171_234);
    assert_eq!(proposal["total"]["without_rate"][0]["currency"], "EUR");
    assert_eq!(proposal["total"]["without_rate"][0]["count"], 1);
    assert_eq!(
        board["open"]["amount"], 171_234,
        "the board's total of open deals"
    );
    // Before the rate's day, USD has no rate either.
    let earlier = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"today": "2026-11-30"}),
    );
    assert_eq!(earlier["open"]["amount"], 100_000);
    assert_eq!(earlier["open"]["without_rate"].as_array().unwrap().len(), 2);

    // Filters: counts and totals follow them.
    let filtered = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"today": "2026-12-05", "text": "云杉"}),
    );
    assert_eq!(filtered["open"]["count"], 1);
    assert_eq!(filtered["open"]["amount"], 100_000);
    let me = fx.app.status().unwrap().user.unwrap().id;
    let mine = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"owner_id": me, "today": "2026-12-05"}),
    );
    assert_eq!(mine["columns"][2]["count"], 3, "every deal here is mine");
    assert_eq!(mine["open"]["amount"], 171_234);
    let nobody = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"owner_id": crm_domain::Id::new()}),
    );
    assert_eq!(nobody["columns"][2]["count"], 0);
    assert_eq!(nobody["open"]["amount"], 0);

    // Pages: one card per column, then the next ones.
    let small = call(
        &fx.app,
        "pipeline",
        serde_json::json!({"cards_per_stage": 1}),
    );
    let first = &small["columns"][2]["deals"];
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["name"], "Renewal", "soonest to close first");
    let more = call(
        &fx.app,
        "stage_cards",
        serde_json::json!({"stage": "proposal", "offset": 1, "limit": 5}),
    );
    let names: Vec<&str> = more
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Expansion", "云杉 年度订阅"]);
    let filtered_more = call(
        &fx.app,
        "stage_cards",
        serde_json::json!({"stage": "proposal", "offset": 0, "text": "harbor"}),
    );
    assert_eq!(
        filtered_more.as_array().unwrap().len(),
        2,
        "the filter applies to pages too"
    );
}

#[test]
fn a_planned_visit_is_made_done_and_found_among_the_visits() {
    let fx = Fixture::ready();
    let id = account(&fx.app, "ACME");
    let visit = fx
        .app
        .create_record(CreateAny {
            kind: "task".into(),
            fields: [
                ("title".to_owned(), "Factory tour".to_owned()),
                ("activity".to_owned(), "visit".to_owned()),
                ("due_date".to_owned(), "2026-12-08".to_owned()),
                (
                    "starts_at".to_owned(),
                    "2026-12-08T10:00:00+08:00".to_owned(),
                ),
                ("place".to_owned(), "Zhangjiang Rd 88".to_owned()),
                ("account_id".to_owned(), id.to_string()),
            ]
            .into(),
        })
        .unwrap();
    let page = fx.app.account_view(AccountId { id }).unwrap();
    let next = page.view.key_numbers.next_step.expect("the visit is next");
    assert_eq!(next.id, visit.id);
    assert_eq!(
        next.fields["starts_at"],
        serde_json::json!(1_796_695_200_000_i64)
    );

    let done = fx
        .app
        .complete_task(CompleteTask {
            id: visit.id,
            outcome: Some("Order promised".into()),
        })
        .unwrap();
    let entry = done.interaction.expect("logged as a visit");
    let visits = |kind: Option<&str>| {
        fx.app.timeline(TimelineArgs {
            account_id: id,
            after: None,
            limit: 0,
            kind: kind.map(str::to_owned),
        })
    };
    let only = visits(Some("visit")).unwrap();
    assert_eq!(only.entries.len(), 1);
    assert_eq!(only.entries[0].id, entry);
    assert_eq!(only.entries[0].outcome.as_deref(), Some("Order promised"));
    assert!(visits(Some("call")).unwrap().entries.is_empty());
    let err = visits(Some("party")).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("kind"), "{err:?}");
    let page = fx.app.account_view(AccountId { id }).unwrap();
    assert!(page.view.open_tasks.is_empty());
    assert!(page.view.key_numbers.last_contact.is_some());
}

/// A command as the UI sends it: its name and JSON arguments; its error kept.
fn try_call(
    app: &App,
    command: &str,
    args: serde_json::Value,
) -> crm_app::Result<serde_json::Value> {
    crm_app::dispatch::call(app, command, args, &|_| {})
}

#[test]
fn a_lists_selection_is_changed_and_exported_in_one_command_each() {
    let fx = Fixture::ready();
    let ids: Vec<String> = ["ACME", "Globex", "Initech"]
        .iter()
        .map(|n| account(&fx.app, n).to_string())
        .collect();
    let picked = serde_json::json!(ids[..2]);

    let done = try_call(
        &fx.app,
        "bulk_records",
        serde_json::json!({ "kind": "account", "ids": picked, "action": "tag", "value": "fair" }),
    )
    .unwrap();
    assert_eq!(done["changed"], 2, "{done}");
    // "All matching" the list's filter: the search words and field values.
    let done = try_call(
        &fx.app,
        "bulk_records",
        serde_json::json!({
            "kind": "account",
            "matching": { "filter": { "region": "上海" }, "text": "globex" },
            "action": "delete",
        }),
    )
    .unwrap();
    assert_eq!(done["changed"], 1, "{done}");
    assert_eq!(done["ids"], serde_json::json!([ids[1]]));
    let undone = try_call(
        &fx.app,
        "bulk_records",
        serde_json::json!({ "kind": "account", "ids": done["ids"], "action": "restore" }),
    )
    .unwrap();
    assert_eq!(undone["changed"], 1);

    let file = try_call(
        &fx.app,
        "export_records",
        serde_json::json!({ "kind": "account", "ids": picked }),
    )
    .unwrap();
    assert_eq!(file["count"], 2);
    assert_eq!(file["file_name"], "accounts.csv");
    let text = file["text"].as_str().unwrap();
    assert!(text.contains("ACME") && text.contains("Globex") && !text.contains("Initech"));
    assert!(text.lines().nth(1).unwrap().contains("fair"), "{text}");

    // A bulk change without an action is refused before anything is done.
    let err = try_call(
        &fx.app,
        "bulk_records",
        serde_json::json!({ "kind": "account", "ids": picked }),
    )
    .unwrap_err();
    assert_eq!(err.code, "bad_request");
}

#[test]
fn saved_list_views_are_kept_in_the_settings() {
    let fx = Fixture::ready();
    let view = crm_app::ListView {
        list: "accounts".into(),
        name: "Shanghai customers".into(),
        query: serde_json::json!({ "region": "上海", "lifecycle": "customer", "sort": "name" }),
        columns: vec!["region".into(), "owner_id".into()],
    };
    let wanted = Settings {
        views: vec![view.clone()],
        ..Default::default()
    };
    fx.app.save_settings(wanted.clone()).unwrap();
    assert_eq!(
        App::open_with(fx.dir.path(), Some(crm_app::TEST_PASSPHRASE))
            .unwrap()
            .get_settings()
            .unwrap()
            .views,
        vec![view.clone()]
    );
    let err = fx
        .app
        .save_settings(Settings {
            views: vec![crm_app::ListView {
                name: " ".into(),
                ..view
            }],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("name"));
}

#[test]
fn a_page_of_quotes_and_orders_comes_with_its_totals_in_one_call_each() {
    let fx = Fixture::ready(); // Li Wei, in CNY
    let app = &fx.app;
    let account = account(app, "上海云杉科技有限公司");
    let list = call(
        app,
        "create_record",
        serde_json::json!({"kind": "price_list", "fields": {"name": "2026", "currency": "CNY", "is_default": "yes"}}),
    );
    let product = call(
        app,
        "create_record",
        serde_json::json!({"kind": "product", "fields": {"code": "SRV-1", "name": "服务器", "tax_rate": "13"}}),
    );
    call(
        app,
        "create_record",
        serde_json::json!({"kind": "price", "fields": {"price_list_id": list["id"], "product_id": product["id"], "unit_price": "1000.00"}}),
    );
    let mut quotes = Vec::new();
    for quantity in ["1", "2"] {
        let quote = call(app, "quote_new", serde_json::json!({"account_id": account}));
        let id = quote["quote"]["id"].clone();
        call(
            app,
            "quote_line",
            serde_json::json!({"quote_id": id, "product": "SRV-1", "quantity": quantity}),
        );
        quotes.push(id);
    }
    // In the order asked, each with its gross (net plus 13 % tax).
    let views = call(
        app,
        "quote_views",
        serde_json::json!({"ids": [quotes[1], quotes[0]]}),
    );
    let gross: Vec<i64> = views
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["gross"].as_i64().unwrap())
        .collect();
    assert_eq!(gross, vec![226_000, 113_000]);

    call(
        app,
        "quote_send",
        serde_json::json!({"id": quotes[0], "subject": "sent"}),
    );
    call(app, "quote_accept", serde_json::json!({"id": quotes[0]}));
    let order = call(
        app,
        "order_from_quote",
        serde_json::json!({"id": quotes[0]}),
    );
    let orders = call(
        app,
        "order_views",
        serde_json::json!({"ids": [order["order"]["id"]]}),
    );
    assert_eq!(orders[0]["outstanding"], 113_000, "nothing paid yet");

    // More than a list's largest page is refused, not cut short.
    let many: Vec<&serde_json::Value> = std::iter::repeat_n(&quotes[0], 501).collect();
    let refused = crm_app::dispatch::call(
        app,
        "quote_views",
        serde_json::json!({"ids": many}),
        &|_| {},
    )
    .unwrap_err();
    assert_eq!(refused.field.as_deref(), Some("ids"));
}

#[test]
fn a_quote_pdf_that_cannot_be_made_says_why_not_that_a_file_is_unreadable() {
    let fx = Fixture::ready();
    let app = &fx.app;
    let account = account(app, "Talleres Ruiz");
    call(
        app,
        "create_record",
        serde_json::json!({"kind": "price_list", "fields": {"name": "2026", "currency": "CNY", "is_default": "yes"}}),
    );
    let quote = call(app, "quote_new", serde_json::json!({"account_id": account}));
    match crm_app::dispatch::call(
        app,
        "quote_pdf",
        serde_json::json!({"id": quote["quote"]["id"], "lang": "zh"}),
        &|_| {},
    ) {
        Ok(file) => assert!(file["bytes"].as_u64().unwrap() > 0),
        Err(e) => assert!(
            e.code.starts_with("pdf"),
            "a PDF's own code, not {}",
            e.code
        ),
    }
}
