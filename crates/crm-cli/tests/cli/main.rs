//! The `crm` command as a user runs it: the built binary, a real data
//! directory, output read back as text and as JSON.

#[path = "../common/mod.rs"]
mod common;
mod sales;

use std::path::Path;

use common::Crm;
use serde_json::Value;

impl Crm {
    fn initialised() -> Self {
        let crm = Crm::new();
        crm.ok(&[
            "init",
            "--name",
            "Ana Méndez",
            "--email",
            "ana@example.es",
            "--currency",
            "EUR",
        ]);
        crm
    }

    /// Run and expect failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("run crm");
        assert!(!out.status.success(), "crm {args:?} should have failed");
        assert!(
            out.stdout.is_empty(),
            "a failing command prints nothing on stdout"
        );
        String::from_utf8(out.stderr).expect("utf-8 errors")
    }

    fn id(&self, args: &[&str]) -> String {
        self.json(args)["id"].as_str().expect("an id").to_owned()
    }
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

#[test]
fn commands_before_init_explain_what_to_do_and_create_nothing() {
    let crm = Crm::new();
    let err = crm.fails(&["account", "list"]);
    assert!(
        err.contains("crm init"),
        "the error tells the user to run init: {err}"
    );
    assert!(
        !crm.db().exists(),
        "a failed command must not create a database"
    );
}

#[test]
fn init_twice_is_refused() {
    let crm = Crm::initialised();
    let before = file_bytes(&crm.db());
    let err = crm.fails(&["init"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        before,
        file_bytes(&crm.db()),
        "the existing database is untouched"
    );
}

#[test]
fn an_account_with_contact_history_deal_and_task_shows_on_its_page() {
    let crm = Crm::initialised();
    let account = crm.id(&[
        "account",
        "add",
        "--name",
        "北京星辰科技有限公司",
        "--industry",
        "软件",
        "--region",
        "北京",
    ]);
    let contact = crm.id(&[
        "contact",
        "add",
        "--account",
        &account,
        "--name",
        "王伟",
        "--email",
        "wang@xingchen.cn",
        "--phone",
        "+86 138 0013 8000",
    ]);
    crm.ok(&[
        "log",
        "--account",
        &account,
        "--contact",
        &contact,
        "--kind",
        "call",
        "--subject",
        "First call",
        "--at",
        "2026-11-01 09:00",
    ]);
    crm.ok(&[
        "log",
        "--account",
        &account,
        "--kind",
        "visit",
        "--subject",
        "Site visit",
        "--body",
        "参观了生产线",
        "--at",
        "2026-11-10 15:30",
    ]);
    let deal = crm.id(&[
        "deal",
        "add",
        "--account",
        &account,
        "--name",
        "年度采购",
        "--amount",
        "120000.50",
        "--currency",
        "CNY",
    ]);
    crm.ok(&[
        "task",
        "add",
        "--title",
        "Send the quote",
        "--due",
        "2026-12-01",
        "--deal",
        &deal,
    ]);

    let view = crm.json(&["account", "show", &account]);
    assert_eq!(view["account"]["name"], "北京星辰科技有限公司");
    assert_eq!(view["contacts"][0]["emails"][0], "wang@xingchen.cn");
    assert_eq!(
        view["open_opportunities"][0]["amount"]["minor"], 12_000_050,
        "money is exact minor units"
    );
    assert_eq!(
        view["open_tasks"][0]["fields"]["title"], "Send the quote",
        "a task on a deal shows on its account"
    );
    let subjects: Vec<&str> = view["timeline"]["entries"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        subjects,
        ["Site visit", "First call"],
        "the timeline is newest first"
    );
    assert_eq!(view["timeline"]["entries"][1]["contact_name"], "王伟");
    assert_eq!(
        view["timeline"]["entries"][1]["author_name"], "Ana Méndez",
        "every entry shows who wrote it"
    );

    let text = crm.ok(&["account", "show", &account]);
    assert!(
        text.contains("120000.50 CNY"),
        "the page shows the amount as typed: {text}"
    );
    assert_eq!(crm.pending(), 6, "six edits wait in the outbox");
}

#[test]
fn search_finds_chinese_by_substring_and_spanish_without_accents() {
    let crm = Crm::initialised();
    crm.ok(&["account", "add", "--name", "北京星辰科技有限公司"]);
    let lead = crm.id(&[
        "lead",
        "add",
        "--name",
        "José Méndez",
        "--company",
        "Construcciones Núñez S.L.",
    ]);
    for query in ["科技", "星", "北京星辰"] {
        let groups = crm.json(&["search", query]);
        assert_eq!(groups[0]["entity"], "account", "{query} finds the account");
        assert_eq!(groups[0]["hits"][0]["title"], "北京星辰科技有限公司");
    }
    for query in ["Mendez", "nunez", "JOSÉ"] {
        let groups = crm.json(&["search", query]);
        assert_eq!(
            groups[0]["hits"][0]["id"],
            lead.as_str(),
            "{query} finds the lead"
        );
    }
    assert_eq!(
        crm.json(&["search", "科星"]),
        Value::Array(vec![]),
        "characters out of order do not match"
    );
    let text = crm.ok(&["search", "nothing-like-this"]);
    assert!(text.contains("Nothing found"), "{text}");
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let crm = Crm::initialised();
    let account = crm.id(&["account", "add", "--name", "ACME"]);
    let before = crm.pending();
    let db_before = crm.json(&["account", "show", &account]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["account", "add", "--name", "X", "--email", "not-an-email"],
            "email",
        ),
        (
            &["account", "add", "--name", "X", "--website", "not a site"],
            "website",
        ),
        (
            &["account", "edit", &account, "--phone", "call me"],
            "phone",
        ),
        (
            &["account", "edit", &account, "--lifecycle", "friend"],
            "lifecycle",
        ),
        (
            &[
                "deal",
                "add",
                "--account",
                &account,
                "--name",
                "D",
                "--amount",
                "12.345",
                "--currency",
                "CNY",
            ],
            "amount",
        ),
        (
            &[
                "deal",
                "add",
                "--account",
                &account,
                "--name",
                "D",
                "--amount",
                "12",
                "--currency",
                "XYZ",
            ],
            "currency",
        ),
        (
            &[
                "deal",
                "add",
                "--account",
                &account,
                "--name",
                "D",
                "--amount",
                "12",
                "--stage",
                "dreaming",
            ],
            "stage",
        ),
        (
            &[
                "log",
                "--account",
                &account,
                "--kind",
                "telepathy",
                "--subject",
                "S",
            ],
            "kind",
        ),
        (
            &[
                "log",
                "--account",
                &account,
                "--kind",
                "call",
                "--subject",
                "S",
                "--at",
                "yesterday-ish",
            ],
            "at",
        ),
        (
            &["task", "add", "--title", "T", "--due", "31/12/2026"],
            "due_date",
        ),
        (
            &[
                "contact",
                "add",
                "--account",
                "01a20614-a360-7199-bba0-b28552415be6",
                "--name",
                "N",
            ],
            "account_id",
        ),
        (&["account", "show", "not-an-id"], "id"),
    ];
    for (args, field) in cases {
        let err = crm.fails(args);
        assert!(
            err.contains(field),
            "crm {args:?}: the error names {field}: {err}"
        );
    }
    assert_eq!(crm.pending(), before, "refused commands queue nothing");
    assert_eq!(
        crm.json(&["account", "show", &account]),
        db_before,
        "and change nothing"
    );
}

#[test]
fn errors_speak_the_users_language() {
    let crm = Crm::initialised();
    let zh = crm.fails(&[
        "--lang", "zh", "account", "add", "--name", "X", "--email", "bad",
    ]);
    assert!(zh.contains("不是有效的邮箱地址"), "{zh}");
    let out = crm
        .cmd(&["account", "add", "--name", "X", "--email", "bad"])
        .env("LANG", "es_ES.UTF-8")
        .output()
        .expect("run");
    let es = String::from_utf8_lossy(&out.stderr);
    assert!(es.contains("no es una dirección de correo"), "{es}");
}

#[test]
fn json_errors_carry_a_code() {
    let crm = Crm::initialised();
    let err = crm.fails(&[
        "--json",
        "account",
        "show",
        "01a20614-a360-7199-bba0-b28552415be6",
    ]);
    let doc: Value = serde_json::from_str(&err).expect("a JSON error");
    assert_eq!(doc["error"]["code"], "not_found");
}

#[test]
fn a_file_that_is_not_a_crm_database_is_refused_untouched() {
    let crm = Crm::new();
    std::fs::write(crm.db(), "name,phone\nAna,123\n").expect("write");
    let before = file_bytes(&crm.db());
    let err = crm.fails(&["account", "list"]);
    assert!(err.contains("not a CRM database"), "{err}");
    assert_eq!(before, file_bytes(&crm.db()), "the file is left as it was");
}

#[test]
fn deals_move_through_the_pipeline_with_history() {
    let crm = Crm::initialised();
    let account = crm.id(&["account", "add", "--name", "Blue Harbor Logistics Ltd"]);
    let deal = crm.id(&[
        "deal",
        "add",
        "--account",
        &account,
        "--name",
        "Fleet renewal",
        "--amount",
        "9500",
    ]);
    let moved = crm.json(&["deal", "move", &deal, "--stage", "proposal"]);
    assert_eq!(moved["stage"], "proposal");
    assert_eq!(moved["probability"], 50, "probability follows the stage");
    assert_eq!(
        moved["amount"]["currency"], "EUR",
        "the default currency chosen at init"
    );
    let listed = crm.json(&["deal", "list", "--stage", "proposal"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    crm.ok(&["deal", "edit", &deal, "--amount", "10000"]);
    let history = crm.json(&["history", &deal]);
    let changes: Vec<(String, Value, Value)> = history
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["op"] == "update")
        .map(|h| {
            (
                h["field"].as_str().unwrap_or_default().to_owned(),
                h["old"].clone(),
                h["new"].clone(),
            )
        })
        .collect();
    assert!(
        changes.contains(&("stage".into(), "qualification".into(), "proposal".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&("amount".into(), 950_000.into(), 1_000_000.into())),
        "{changes:?}"
    );
    let stages = crm.json(&["pipeline"]);
    assert_eq!(stages.as_array().map(Vec::len), Some(6));
}

#[test]
fn converting_a_lead_keeps_its_history() {
    let crm = Crm::initialised();
    let lead = crm.id(&[
        "lead",
        "add",
        "--name",
        "李伟",
        "--company",
        "华信贸易有限公司",
        "--email",
        "li@huaxin.cn",
        "--source",
        "exhibition",
    ]);
    crm.ok(&[
        "log",
        "--lead",
        &lead,
        "--kind",
        "call",
        "--subject",
        "Met at the fair",
    ]);
    let done = crm.json(&[
        "lead",
        "convert",
        &lead,
        "--deal-name",
        "First order",
        "--amount",
        "50000",
        "--currency",
        "CNY",
    ]);
    let account = done["account_id"].as_str().expect("account id");
    let view = crm.json(&["account", "show", account]);
    assert_eq!(view["account"]["name"], "华信贸易有限公司");
    assert_eq!(view["contacts"][0]["name"], "李伟");
    assert_eq!(view["open_opportunities"][0]["name"], "First order");
    assert_eq!(
        view["timeline"]["entries"][0]["subject"], "Met at the fair",
        "the lead's history moved over"
    );
    let err = crm.fails(&["lead", "convert", &lead]);
    assert!(
        err.contains("already marked \"Converted\""),
        "a converted lead cannot be converted again, said with its status: {err}"
    );
}

#[test]
fn tasks_due_today_and_overdue() {
    let crm = Crm::initialised();
    let today = chrono::Local::now().date_naive();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let next_week = (today + chrono::Duration::days(7)).to_string();
    let late = crm.id(&["task", "add", "--title", "Late", "--due", &yesterday]);
    crm.ok(&["task", "add", "--title", "Now", "--due", &today.to_string()]);
    crm.ok(&["task", "add", "--title", "Later", "--due", &next_week]);
    let titles = |args: &[&str]| -> Vec<String> {
        crm.json(args)
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| t["fields"]["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(titles(&["task", "list", "--due", "overdue"]), ["Late"]);
    assert_eq!(titles(&["task", "list", "--due", "today"]), ["Late", "Now"]);
    crm.ok(&["task", "done", &late]);
    assert_eq!(
        titles(&["task", "list"]),
        ["Now", "Later"],
        "done tasks leave the list"
    );
}

#[test]
fn a_planned_visit_done_goes_into_the_history_with_its_outcome() {
    let crm = Crm::initialised();
    let account = crm.id(&["account", "add", "--name", "Talleres Ruiz"]);
    let visit = crm.id(&[
        "record",
        "add",
        "task",
        "title=Visita a la fábrica",
        "activity=visit",
        "place=Calle Mayor 1, Madrid",
        &format!("account_id={account}"),
    ]);
    let shown = crm.ok(&["account", "show", &account]);
    assert!(
        shown.contains("Next step: Visita a la fábrica") && shown.contains("Last contact: -"),
        "the key numbers say what comes next: {shown}"
    );
    let text = crm.ok(&["task", "done", &visit, "--outcome", "Pedido prometido"]);
    assert!(
        text.contains("Logged in the history as a visit"),
        "the CLI says where the visit went: {text}"
    );
    let view = crm.json(&["account", "show", &account]);
    let entries = view["timeline"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "one history entry: {entries:?}");
    assert_eq!(entries[0]["kind"], "visit");
    assert_eq!(entries[0]["subject"], "Visita a la fábrica");
    assert_eq!(entries[0]["outcome"], "Pedido prometido");
    let err = crm.fails(&["task", "done", &visit]);
    assert!(err.contains("already done"), "{err}");
}

#[test]
fn reassigning_a_departing_rep_moves_their_records() {
    let crm = Crm::initialised();
    crm.ok(&[
        "user",
        "add",
        "--name",
        "Tom Leaving",
        "--email",
        "tom@example.com",
    ]);
    crm.ok(&[
        "user",
        "add",
        "--name",
        "Sara Staying",
        "--email",
        "sara@example.com",
    ]);
    crm.ok(&[
        "account",
        "add",
        "--name",
        "A1",
        "--owner",
        "tom@example.com",
    ]);
    crm.ok(&["account", "add", "--name", "A2", "--owner", "Tom Leaving"]);
    crm.ok(&["account", "add", "--name", "Mine"]);
    crm.ok(&["lead", "add", "--name", "L1", "--owner", "tom@example.com"]);
    let done = crm.json(&[
        "reassign",
        "--from",
        "tom@example.com",
        "--to",
        "sara@example.com",
    ]);
    assert_eq!(done["moved"]["accounts"], 2);
    assert_eq!(done["moved"]["leads"], 1);
    let saras = crm.json(&["account", "list", "--owner", "Sara Staying"]);
    assert_eq!(saras.as_array().map(Vec::len), Some(2));
    let toms = crm.json(&["account", "list", "--owner", "Tom Leaving"]);
    assert_eq!(toms.as_array().map(Vec::len), Some(0));
    let err = crm.fails(&[
        "reassign",
        "--from",
        "nobody@example.com",
        "--to",
        "sara@example.com",
    ]);
    assert!(err.contains("nobody@example.com"), "{err}");
}

#[test]
fn delete_hides_an_account_and_restore_brings_it_back() {
    let crm = Crm::initialised();
    let account = crm.id(&["account", "add", "--name", "Granite Foods Inc."]);
    crm.ok(&["account", "delete", &account]);
    crm.fails(&["account", "show", &account]);
    assert_eq!(crm.json(&["search", "Granite"]), Value::Array(vec![]));
    crm.ok(&["account", "restore", &account]);
    assert_eq!(
        crm.json(&["account", "show", &account])["account"]["name"],
        "Granite Foods Inc."
    );
    let ops = crm.json(&["outbox"]);
    let kinds: Vec<&str> = ops["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["insert", "delete", "restore"]);
}

#[test]
fn demo_fills_a_new_database_in_three_languages() {
    let crm = Crm::new();
    let summary = crm.json(&["demo", "--accounts", "60", "--seed", "3"]);
    assert_eq!(summary["summary"]["accounts"], 60);
    assert!(
        summary["summary"]["interactions"].as_u64() >= Some(600),
        "ten history entries an account, and answers to the demo's cases"
    );
    assert_eq!(
        summary["summary"]["cases"], 6,
        "a case for every ten accounts"
    );
    let listed = crm.json(&["account", "list", "--limit", "100"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(60));
    assert!(
        !crm.json(&["search", "有限公司"])
            .as_array()
            .expect("groups")
            .is_empty()
    );
    assert_eq!(
        crm.pending(),
        0,
        "demo data is local sample data and never syncs"
    );
    // Nor can this database sign in to a team server: refused before the
    // password or anything else leaves (no server runs at this address).
    let out = crm
        .cmd(&[
            "login",
            "--server",
            "https://crm.invalid",
            "--email",
            "ana@example.es",
        ])
        .write_stdin("secret\n")
        .output()
        .expect("run crm login");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("demo data") && err.contains("crm init"),
        "says why and what to do: {err}"
    );
    assert!(
        !err.contains("unreachable"),
        "nothing was sent anywhere: {err}"
    );
}

#[test]
fn output_piped_into_a_program_that_stops_reading_ends_quietly() {
    // `crm account list | head -1`: head exits, the pipe closes, and crm
    // must stop like any Unix tool, not print a panic and a backtrace.
    let crm = Crm::initialised();
    crm.ok(&["demo", "--accounts", "300"]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crm"))
        .env("CRM_DATA_DIR", crm.dir.path())
        .env("CRM_PASSPHRASE", common::PASSPHRASE)
        .args(["account", "list", "--limit", "300"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .spawn()
        .expect("run crm");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("crm ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "no panic on a closed pipe: {stderr}"
    );
    assert_ne!(out.status.code(), Some(0), "the output did not all arrive");
}

#[test]
fn record_bulk_changes_a_selection_in_one_go() {
    let crm = Crm::initialised();
    let granite = crm.id(&["account", "add", "--name", "Granite Foods Inc."]);
    let granada = crm.id(&["account", "add", "--name", "Granite Tools S.L."]);
    let other = crm.id(&["account", "add", "--name", "Initech"]);
    // Every account the search finds.
    let done = crm.json(&[
        "record", "bulk", "account", "--search", "granite", "--tag", "vip",
    ]);
    assert_eq!(
        (done["changed"].as_u64(), done["unchanged"].as_u64()),
        (Some(2), Some(0))
    );
    let tags = |id: &str| crm.json(&["record", "get", "account", id])["fields"]["tags"].clone();
    assert_eq!(tags(&granite), serde_json::json!(["vip"]));
    assert_eq!(tags(&other), serde_json::json!([]), "Initech is not found");
    // Given ids; then restored as the deleted ones a filter finds.
    let done = crm.json(&[
        "record", "bulk", "account", "--id", &granite, "--id", &granada, "--delete",
    ]);
    assert_eq!(done["changed"], 2);
    crm.fails(&["account", "show", &granite]);
    let done = crm.json(&[
        "record",
        "bulk",
        "account",
        "--where",
        "lifecycle=prospect",
        "--restore",
    ]);
    assert_eq!(
        done["changed"], 2,
        "the deleted prospects (Initech is not deleted)"
    );
    crm.ok(&["account", "show", &granada]);
    let ops = crm.json(&["outbox"]);
    let kinds: Vec<&str> = ops["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .skip(3)
        .map(|o| o["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["update", "update", "delete", "delete", "restore", "restore"],
        "one op per record"
    );
    // A whole kind is not changed for want of a selection.
    assert!(
        crm.fails(&["record", "bulk", "account", "--delete"])
            .contains("--id")
    );
    // Nothing to do is said, in the user's language.
    assert!(
        crm.fails(&["record", "bulk", "account", "--id", &other])
            .contains("--assign")
    );
}

#[test]
fn the_recovery_key_shown_by_crm_vault_key_opens_the_database_after_its_vault_is_lost() {
    let crm = Crm::initialised();
    crm.ok(&["account", "add", "--name", "Bombas Peñalver"]);
    let key = crm.json(&["vault", "key"])["recovery_key"]
        .as_str()
        .expect("a recovery key")
        .to_owned();
    std::fs::remove_file(crm.dir.path().join("vault.json")).unwrap();
    let lost = crm.cmd(&["account", "list"]).output().unwrap();
    assert!(!lost.status.success());
    assert!(
        String::from_utf8_lossy(&lost.stderr).contains("vault file (vault.json) is missing"),
        "{}",
        String::from_utf8_lossy(&lost.stderr)
    );
    let wrong = crm
        .cmd(&["vault", "recover", &"0".repeat(64)])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    crm.ok(&["vault", "recover", &key]);
    assert!(crm.ok(&["account", "list"]).contains("Bombas Peñalver"));
}
