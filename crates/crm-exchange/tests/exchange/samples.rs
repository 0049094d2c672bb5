//! The sample files a salesperson brings: business cards from Chinese
//! Excel, a Spanish spreadsheet, a phone's address book, a file with
//! broken rows.

use crm_domain::EntityKind;
use crm_exchange::{Encoding, SourceFormat};
use crm_store::{ImportOptions, ImportRecord};
use serde_json::json;

use crate::{Fixture, count, plan_file, sample};

#[test]
fn gbk_business_cards_import_once_with_their_chinese_text() {
    let mut fx = Fixture::new();
    let plan = plan_file(
        &fx.store,
        &sample("business-cards-gbk.csv"),
        EntityKind::Lead,
    );
    assert_eq!(
        plan.encoding,
        Encoding::Gb18030,
        "Chinese Excel's encoding is found"
    );
    assert_eq!(plan.delimiter, Some(','));
    let fields: Vec<Option<&str>> = plan
        .columns
        .iter()
        .map(|c| c.target.map(|t| t.name()))
        .collect();
    assert_eq!(
        fields,
        [
            Some("name"),
            Some("company"),
            Some("title"),
            Some("phone"),
            Some("email"),
            Some("notes"),
            None
        ],
        "Chinese headers are mapped; the fax column is left out"
    );
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.rows, 7);

    let before = fx.store.outbox_len().unwrap();
    let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
    assert_eq!(outcome.imported.len(), 6);
    assert_eq!(
        outcome.duplicates.len(),
        1,
        "the second copy of a card is left out"
    );
    assert_eq!(outcome.duplicates[0].line, 8);
    assert_eq!(outcome.duplicates[0].same_as_line, Some(2));
    assert_eq!(
        fx.store.outbox_len().unwrap() - before,
        6,
        "every imported lead is an ordinary synced insert"
    );
    let wang = fx.store.lead(outcome.imported[0].id).unwrap();
    assert_eq!(wang.name, "王伟");
    assert_eq!(wang.company.as_deref(), Some("北京星辰科技有限公司"));
    assert_eq!(wang.phone.as_deref(), Some("138 0013 8000"));
    assert_eq!(wang.notes.as_deref(), Some("展会第一天，对报价感兴趣"));
    assert_eq!(
        wang.owner_id,
        Some(fx.store.user_id()),
        "the importer owns the leads"
    );
    let hits = fx.store.search_kind(EntityKind::Lead, "星辰", 10).unwrap();
    assert_eq!(hits.len(), 1, "imported leads are searchable");

    // The same file again: nothing twice.
    let again = plan_file(
        &fx.store,
        &sample("business-cards-gbk.csv"),
        EntityKind::Lead,
    );
    let before = fx.store.outbox_len().unwrap();
    let outcome = crm_exchange::import(&mut fx.store, &again, ImportOptions::default()).unwrap();
    assert!(outcome.imported.is_empty(), "{outcome:?}");
    assert_eq!(outcome.already_imported.len(), 6);
    assert_eq!(outcome.duplicates.len(), 1);
    assert_eq!(
        fx.store.outbox_len().unwrap(),
        before,
        "nothing was written"
    );
    assert_eq!(count(&fx.store, "leads"), 6);
}

#[test]
fn spanish_semicolon_csv_makes_contacts_at_their_companies() {
    let mut fx = Fixture::new();
    let plan = plan_file(&fx.store, &sample("contactos-es.csv"), EntityKind::Contact);
    assert_eq!((plan.encoding, plan.delimiter), (Encoding::Utf8, Some(';')));
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
    assert_eq!(outcome.imported.len(), 5);
    assert_eq!(
        outcome.accounts_created.len(),
        4,
        "Construcciones Núñez S.L. and Construcciones Nuñez, SL are one company"
    );
    let jose = fx.store.contact(outcome.imported[0].id).unwrap();
    assert_eq!(jose.name, "José Méndez", "Nombre and Apellidos are joined");
    assert_eq!(jose.title.as_deref(), Some("Director de compras"));
    assert_eq!(jose.phones, ["+34 912 345 678"]);
    assert_eq!(jose.emails, ["jose.mendez@nunez.es"]);
    let ines = fx.store.contact(outcome.imported[4].id).unwrap();
    assert_eq!(
        ines.account_id, jose.account_id,
        "same company, same account"
    );
    let account = fx.store.account(jose.account_id).unwrap();
    assert_eq!(account.name, "Construcciones Núñez S.L.");
    let mj = fx.store.contact(outcome.imported[1].id).unwrap();
    assert_eq!(mj.name, "María José Ibáñez Peña");
    assert_eq!(
        mj.notes.as_deref(),
        Some("Pide presupuesto; llamar en enero")
    );
    assert_eq!(
        fx.store
            .search_kind(EntityKind::Contact, "ibanez", 5)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_phones_vcards_become_contacts_or_leads() {
    let mut fx = Fixture::new();
    let plan = plan_file(
        &fx.store,
        &sample("phone-contacts.vcf"),
        EntityKind::Contact,
    );
    assert_eq!(plan.format, SourceFormat::Vcard);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
    assert_eq!(outcome.imported.len(), 3);
    let sun = fx.store.contact(outcome.imported[0].id).unwrap();
    assert_eq!(sun.name, "孙晓东", "quoted-printable UTF-8 from a 2.1 card");
    assert_eq!(
        fx.store.account(sun.account_id).unwrap().name,
        "南京天宇能源有限公司",
        "a soft line break inside the organisation"
    );
    assert_eq!(sun.phones, ["+86 137 7777 8888", "025-6666 7777"]);
    assert_eq!(sun.title.as_deref(), Some("项目经理"));
    let mary = fx.store.contact(outcome.imported[1].id).unwrap();
    assert_eq!(mary.name, "Mary O'Neil");
    assert_eq!(mary.emails, ["mary.oneil@harborlogistics.co.uk"]);
    let notes = mary.notes.unwrap();
    assert!(
        notes.starts_with(
            "Met at the Shanghai fair, booth 3C.\nWants a quote for Q1; call after the 15th."
        ),
        "{notes}"
    );
    assert!(
        notes.contains("URL (work): https://harborlogistics.co.uk"),
        "{notes}"
    );
    assert!(
        notes.contains("1 Dock Road, London, E16 1AA, United Kingdom"),
        "{notes}"
    );
    let lucia = fx.store.contact(outcome.imported[2].id).unwrap();
    assert_eq!(lucia.phones, ["+34-600-987-654"], "a vCard 4 tel: URI");

    let plan = plan_file(&fx.store, &sample("phone-contacts.vcf"), EntityKind::Lead);
    let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
    let lead = fx.store.lead(outcome.imported[0].id).unwrap();
    assert_eq!(lead.company.as_deref(), Some("南京天宇能源有限公司"));
    assert_eq!(lead.phone.as_deref(), Some("+86 137 7777 8888"));
    assert_eq!(
        lead.notes.as_deref(),
        Some("TEL (work): 025-6666 7777"),
        "a lead holds one phone; the second goes to the notes"
    );
}

#[test]
fn broken_rows_are_reported_with_line_field_and_reason() {
    let fx = Fixture::new();
    let plan = plan_file(&fx.store, &sample("broken-rows.csv"), EntityKind::Lead);
    let problems: Vec<(u64, &str, &str)> = plan
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str(), p.reason.code()))
        .collect();
    assert_eq!(
        problems,
        [
            (3, "email", "email"),
            (4, "name", "empty"),
            (5, "phone", "phone"),
            (6, "score", "range"),
            (7, "*", "too_many_values"),
        ]
    );
    assert_eq!(plan.problems[0].value, "bob.lee@granite");
    assert_eq!(plan.records.len(), 2, "the good rows are ready");
    assert_eq!(plan.bad_rows(), 5);
    let preview = plan.preview(5);
    let doc = serde_json::to_value(&preview).unwrap();
    assert_eq!(doc["problems"][0]["line"], 3);
    assert_eq!(doc["problems"][0]["code"], "email");
    assert!(
        doc["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("email address")
    );
    // A translated message needs the limits, not only the code: the app
    // shows "must be a whole number from 0 to 100", never "{{min}}".
    assert_eq!(doc["problems"][3]["code"], "range");
    assert_eq!(doc["problems"][3]["params"]["min"], 0);
    assert_eq!(doc["problems"][3]["params"]["max"], 100);
    assert_eq!(doc["problems"][4]["params"]["found"], 8);
    assert_eq!(doc["problems"][4]["params"]["expected"], 6);
}

#[test]
fn a_failed_import_leaves_the_database_as_it_was() {
    let mut fx = Fixture::new();
    let before = (fx.store.outbox_len().unwrap(), count(&fx.store, "leads"));
    let record = |line: u64, name: &str, extra: Option<(&'static str, serde_json::Value)>| {
        let mut fields = vec![("name", json!(name))];
        fields.extend(extra);
        ImportRecord {
            line,
            fingerprint: format!("fp-{line}"),
            fields,
            account: None,
        }
    };
    let records = [
        record(2, "Ana", None),
        record(3, "Luis", None),
        // An owner no one has: the store refuses the row, after two inserts.
        record(
            4,
            "Eva",
            Some(("owner_id", json!("01a20614-a360-7199-bba0-b28552415be6"))),
        ),
    ];
    let err = fx
        .store
        .import(EntityKind::Lead, &records, ImportOptions::default())
        .expect_err("the bad row fails the import");
    assert_eq!(err.code(), "invalid");
    assert_eq!(
        (fx.store.outbox_len().unwrap(), count(&fx.store, "leads")),
        before,
        "one transaction: the two good rows were not written either"
    );
    let dry = fx
        .store
        .import(
            EntityKind::Lead,
            &records[..2],
            ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(
        dry.imported.len(),
        2,
        "a dry run reports what would be written"
    );
    assert_eq!(
        (fx.store.outbox_len().unwrap(), count(&fx.store, "leads")),
        before,
        "and writes nothing"
    );
}

/// A long import reports its progress as it goes, and stopped by the user
/// it writes nothing at all: not the rows before the stop, not their outbox.
#[test]
fn an_import_reports_progress_and_a_cancelled_one_writes_nothing() {
    let mut fx = Fixture::new();
    let rows: String = (0..1_200)
        .map(|i| format!("Person {i},Company {i},p{i}@example.com\n"))
        .collect();
    let source = crm_exchange::Source::parse(
        format!("name,company,email\n{rows}").as_bytes(),
        false,
        &crm_exchange::ReadOptions::default(),
    )
    .expect("the file reads");
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Lead, None).expect("a plan");
    let before = (fx.store.outbox_len().unwrap(), count(&fx.store, "leads"));

    let mut seen = Vec::new();
    let err = crm_exchange::import_watched(
        &mut fx.store,
        &plan,
        ImportOptions::default(),
        &mut |done, total| {
            seen.push((done, total));
            done < 1_000 // the user presses Cancel after 1,000 rows
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            crm_exchange::ExchangeError::Store(crm_store::StoreError::Cancelled)
        ),
        "{err:?}"
    );
    assert_eq!(seen, [(0, 1_200), (500, 1_200), (1_000, 1_200)]);
    assert_eq!(
        (fx.store.outbox_len().unwrap(), count(&fx.store, "leads")),
        before,
        "nothing of the stopped import is kept"
    );

    let mut last = (0, 0);
    let done = crm_exchange::import_watched(
        &mut fx.store,
        &plan,
        ImportOptions::default(),
        &mut |d, t| {
            last = (d, t);
            true
        },
    )
    .expect("the import runs to its end");
    assert_eq!(done.imported.len(), 1_200);
    assert_eq!(
        last,
        (1_200, 1_200),
        "the last report says all rows are done"
    );
}
