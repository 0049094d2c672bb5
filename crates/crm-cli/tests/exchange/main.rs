//! `crm import`, `export`, `duplicates`, `merge`, `backup` and `restore` as a
//! user runs them: the built binary on a real data directory, with the
//! sample files of `assets/samples/`.

#[path = "../common/mod.rs"]
mod common;

use std::path::Path;

use common::Crm;
use serde_json::Value;

impl Crm {
    fn initialised() -> Self {
        let crm = Crm::new();
        crm.ok(&["init", "--name", "Ana Méndez", "--currency", "EUR"]);
        crm
    }

    /// Run and expect failure; returns (stdout, stderr).
    fn fails(&self, args: &[&str]) -> (String, String) {
        let out = self.cmd(args).output().expect("run crm");
        assert!(!out.status.success(), "crm {args:?} should have failed");
        (
            String::from_utf8(out.stdout).expect("utf-8 output"),
            String::from_utf8(out.stderr).expect("utf-8 errors"),
        )
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn business_cards_import_after_a_dry_run_and_never_twice() {
    let crm = Crm::initialised();
    let cards = sample("business-cards-gbk.csv");
    let dry = crm.ok(&["import", &cards, "--into", "leads", "--dry-run"]);
    assert!(dry.contains("gb18030"), "{dry}");
    assert!(
        dry.contains("姓名 → name"),
        "the guessed mapping is shown: {dry}"
    );
    assert!(dry.contains("王伟"), "a sample of the records: {dry}");
    assert!(dry.contains("6 leads would be imported"), "{dry}");
    assert_eq!(crm.pending(), 0, "a dry run writes nothing");

    let doc = crm.json(&["import", &cards, "--into", "leads"]);
    assert_eq!(doc["outcome"]["imported"].as_array().unwrap().len(), 6);
    assert_eq!(doc["outcome"]["duplicates"][0]["line"], 8);
    assert_eq!(doc["outcome"]["duplicates"][0]["same_as_line"], 2);
    assert_eq!(doc["preview"]["encoding"], "gb18030");
    assert_eq!(
        crm.pending(),
        6,
        "imported leads wait to sync like typed ones"
    );

    let again = crm.ok(&["import", &cards, "--into", "leads"]);
    assert!(again.contains("Imported 0 leads"), "{again}");
    assert!(
        again.contains("6 rows were imported from this file before"),
        "{again}"
    );
    assert_eq!(crm.pending(), 6);

    let zh = crm.ok(&[
        "--lang",
        "zh",
        "import",
        &cards,
        "--into",
        "leads",
        "--dry-run",
    ]);
    assert!(zh.contains("将导入 0 条线索"), "{zh}");
}

#[test]
fn a_file_with_broken_rows_imports_nothing_unless_told_to_skip_them() {
    let crm = Crm::initialised();
    let broken = sample("broken-rows.csv");
    let (stdout, stderr) = crm.fails(&["--json", "import", &broken, "--into", "leads"]);
    let doc: Value = serde_json::from_str(&stdout).expect("the report is one JSON document");
    let problems: Vec<(i64, String)> = doc["preview"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().unwrap(),
                p["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (3, "email".to_owned()),
            (4, "name".to_owned()),
            (5, "phone".to_owned()),
            (6, "score".to_owned()),
            (7, "*".to_owned())
        ]
    );
    let err: Value = serde_json::from_str(&stderr).expect("a JSON error");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was imported")
    );
    assert_eq!(crm.pending(), 0, "a refused import writes nothing");

    let (text, _) = crm.fails(&["import", &broken, "--into", "leads"]);
    assert!(
        text.contains("line 3: email is not an email address") && text.contains("bob.lee@granite"),
        "each problem names its line, field, reason and value: {text}"
    );
    let (es, _) = crm.fails(&["--lang", "es", "import", &broken, "--into", "leads"]);
    assert!(
        es.contains("línea 3: email no es una dirección de correo"),
        "{es}"
    );

    let doc = crm.json(&["import", &broken, "--into", "leads", "--skip-invalid"]);
    assert_eq!(doc["outcome"]["imported"].as_array().unwrap().len(), 2);
    assert_eq!(crm.pending(), 2);
}

#[test]
fn import_errors_are_clear_and_write_nothing() {
    let crm = Crm::initialised();
    let cards = sample("business-cards-gbk.csv");
    let (_, err) = crm.fails(&[
        "import",
        &cards,
        "--into",
        "leads",
        "--mapping",
        "Fax=notes",
    ]);
    assert!(
        err.contains("no column \"Fax\"") && err.contains("姓名"),
        "{err}"
    );
    let (_, err) = crm.fails(&[
        "import",
        &cards,
        "--into",
        "leads",
        "--mapping",
        "传真=colour",
    ]);
    assert!(err.contains("\"colour\" is not a field of leads"), "{err}");
    let (_, err) = crm.fails(&[
        "import",
        &sample("phone-contacts.vcf"),
        "--into",
        "accounts",
    ]);
    assert!(err.contains("vCard cannot hold accounts"), "{err}");
    let (_, err) = crm.fails(&["import", &crm.path("missing.csv"), "--into", "leads"]);
    assert!(err.contains("missing.csv"), "{err}");
    assert_eq!(crm.pending(), 0);

    let doc = crm.json(&[
        "import",
        &cards,
        "--into",
        "leads",
        "--mapping",
        "传真=notes",
    ]);
    let id = doc["outcome"]["imported"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let leads = crm.json(&["lead", "list"]);
    let wang = leads
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        wang["notes"], "展会第一天，对报价感兴趣\n传真: 010-8888 9999",
        "a second column for the notes is kept with its header"
    );
}

#[test]
fn exports_in_csv_gb18030_vcard_and_json() {
    let crm = Crm::initialised();
    crm.ok(&["import", &sample("contactos-es.csv"), "--into", "contacts"]);
    crm.ok(&[
        "import",
        &sample("business-cards-gbk.csv"),
        "--into",
        "leads",
    ]);

    let out = crm.path("leads-gbk.csv");
    let doc = crm.json(&[
        "export",
        "leads",
        "--format",
        "csv",
        "--encoding",
        "gb18030",
        "--out",
        &out,
    ]);
    assert_eq!(doc["count"], 6);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "GB18030 bytes for Chinese Excel"
    );
    let other = Crm::initialised();
    let back = other.json(&["import", &out, "--into", "leads"]);
    assert_eq!(back["outcome"]["imported"].as_array().unwrap().len(), 6);

    let csv = crm.ok(&["export", "contacts", "--format", "csv"]);
    assert!(
        csv.starts_with('\u{feff}'),
        "UTF-8 CSV starts with a BOM for Excel"
    );
    assert!(csv.contains("José Méndez"), "{csv}");
    let vcf = crm.ok(&["export", "contacts", "--format", "vcf"]);
    assert_eq!(vcf.matches("BEGIN:VCARD").count(), 5);
    let json: Value =
        serde_json::from_str(&crm.ok(&["export", "accounts", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    let (_, err) = crm.fails(&["--json", "export", "contacts", "--format", "csv"]);
    assert!(err.contains("--out"), "{err}");
    let (_, err) = crm.fails(&["export", "deals", "--format", "vcf"]);
    assert!(err.contains("vCard cannot hold deals"), "{err}");
}

#[test]
fn duplicates_are_listed_and_merged_with_their_history() {
    let crm = Crm::initialised();
    let a = crm.json(&[
        "account",
        "add",
        "--name",
        "Construcciones Núñez S.L.",
        "--phone",
        "+34 912 345 678",
    ]);
    let b = crm.json(&[
        "account",
        "add",
        "--name",
        "Construcciones Nunez",
        "--region",
        "Madrid",
    ]);
    let (a, b) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    crm.ok(&[
        "log",
        "--account",
        &a,
        "--kind",
        "call",
        "--subject",
        "Llamada",
    ]);
    crm.ok(&[
        "log",
        "--account",
        &b,
        "--kind",
        "visit",
        "--subject",
        "Visita",
    ]);
    crm.ok(&[
        "log",
        "--account",
        &b,
        "--kind",
        "email",
        "--subject",
        "Presupuesto",
    ]);

    let pairs = crm.json(&["duplicates"]);
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs}");
    assert_eq!(pairs[0]["reasons"][0], "name");
    let text = crm.ok(&["duplicates"]);
    assert!(text.contains(&format!("crm merge {a} {b}")), "{text}");

    let before = crm.pending();
    let dry = crm.ok(&["merge", &a, &b, "--dry-run"]);
    assert!(dry.contains("region: \"Madrid\""), "{dry}");
    assert_eq!(crm.pending(), before, "a dry run changes nothing");
    let done = crm.json(&["merge", &a, &b]);
    assert_eq!(done["plan"]["moved"]["interactions"], 2);
    let view = crm.json(&["account", "show", &a]);
    assert_eq!(
        view["timeline"]["entries"].as_array().unwrap().len(),
        3,
        "every interaction kept"
    );
    assert_eq!(view["account"]["region"], "Madrid");
    assert!(crm.pending() > before, "the merge syncs");
    let history = crm.ok(&["history", &b]);
    assert!(history.contains("merged"), "{history}");
    assert_eq!(crm.json(&["duplicates"]).as_array().unwrap().len(), 0);
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let crm = Crm::initialised();
    crm.ok(&["account", "add", "--name", "北京星辰科技有限公司"]);
    let file = crm.path("backup.db");
    let info = crm.json(&["backup", &file]);
    assert!(info["bytes"].as_u64().unwrap() > 0);
    crm.ok(&["account", "add", "--name", "Later"]);

    let not_ours = crm.path("notes.txt");
    std::fs::write(&not_ours, "hello").unwrap();
    let before = std::fs::read(crm.db()).unwrap();
    let (_, err) = crm.fails(&["restore", &not_ours]);
    assert!(err.contains("not a CRM database"), "{err}");
    assert_eq!(
        std::fs::read(crm.db()).unwrap(),
        before,
        "the live database is untouched"
    );

    let text = crm.ok(&["restore", &file]);
    assert!(
        text.contains("before-restore"),
        "the replaced database is kept: {text}"
    );
    let accounts = crm.json(&["account", "list"]);
    let names: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["北京星辰科技有限公司"]);
}

#[test]
fn a_file_without_a_header_is_explained_and_imported_with_no_header() {
    let crm = Crm::initialised();
    let file = sample("thunderbird-no-header.csv");
    let (_, err) = crm.fails(&["import", &file, "--into", "contacts"]);
    assert!(
        err.contains("looks like a record")
            && err.contains("john@doe.invalid")
            && err.contains("--no-header"),
        "{err}"
    );
    let (_, es) = crm.fails(&["--lang", "es", "import", &file, "--into", "contacts"]);
    assert!(
        es.contains("no tiene cabecera") && es.contains("--no-header"),
        "{es}"
    );
    let (_, zh) = crm.fails(&["--lang", "zh-CN", "import", &file, "--into", "contacts"]);
    assert!(
        zh.contains("没有表头") && zh.contains("--no-header"),
        "{zh}"
    );
    assert_eq!(crm.pending(), 0, "nothing was written");

    let dry = crm.ok(&[
        "import",
        &file,
        "--into",
        "contacts",
        "--no-header",
        "--dry-run",
    ]);
    assert!(dry.contains("no header line"), "{dry}");
    assert!(dry.contains("#4 → emails"), "{dry}");
    let doc = crm.json(&["import", &file, "--into", "contacts", "--no-header"]);
    assert_eq!(
        doc["outcome"]["imported"].as_array().unwrap().len(),
        2,
        "{doc}"
    );
    assert_eq!(doc["preview"]["header"], false);
}

#[test]
fn a_guessed_encoding_is_named_and_can_be_chosen() {
    let crm = Crm::initialised();
    let file = sample("thunderbird-shiftjis.csv");
    let dry = crm.ok(&["import", &file, "--into", "contacts", "--dry-run"]);
    assert!(
        dry.contains("shift_jis was guessed") && dry.contains("--encoding"),
        "the dry run says which encoding it guessed: {dry}"
    );
    assert!(dry.contains("名無しの権兵衛"), "{dry}");
    let doc = crm.json(&[
        "import",
        &file,
        "--into",
        "contacts",
        "--encoding",
        "sjis",
        "--dry-run",
    ]);
    assert_eq!(doc["preview"]["encoding"], "shift_jis");
    assert_eq!(
        doc["preview"]["encoding_guessed"], false,
        "given, not guessed"
    );
    let (_, err) = crm.fails(&[
        "import",
        &file,
        "--into",
        "contacts",
        "--encoding",
        "klingon",
    ]);
    assert!(
        err.contains("shift_jis") && err.contains("utf-16le"),
        "{err}"
    );
}
