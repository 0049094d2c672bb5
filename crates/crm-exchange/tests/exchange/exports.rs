//! Files as real programs export them: a Japanese phone's Shift_JIS vCard
//! 2.1, quoted-printable quirks, vCard 4 `tel:` URIs with extensions, CSV
//! without a header line, in Shift_JIS or UTF-16 without a byte-order mark,
//! rows repeated in one file, and cards of companies without a person.

use crm_domain::EntityKind;
use crm_exchange::{Encoding, HeaderLine, ReadOptions, Source};
use crm_store::ImportOptions;
use serde_json::json;

use crate::{Fixture, count};

fn shift_jis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

/// Import `bytes` into contacts (the good rows), returning the plan's
/// problems' codes and the contacts made.
fn contacts_of(
    fx: &mut Fixture,
    bytes: &[u8],
    vcard: bool,
    options: &ReadOptions,
) -> (Vec<&'static str>, Vec<crm_domain::Contact>) {
    let source = Source::parse(bytes, vcard, options).expect("the file reads");
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None).expect("a plan");
    let codes = plan.problems.iter().map(|p| p.reason.code()).collect();
    let outcome =
        crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).expect("the import");
    let contacts = outcome
        .imported
        .iter()
        .map(|r| fx.store.contact(r.id).expect("the contact"))
        .collect();
    (codes, contacts)
}

#[test]
fn a_japanese_phones_shift_jis_vcard_keeps_its_names() {
    // Raw 8-bit values with CHARSET=SHIFT_JIS, as docomo and au phones
    // write them; 代表 ends in the byte of a backslash.
    let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:".to_vec();
    bytes.extend(shift_jis(
        "山田;太郎;;;\r\nORG;CHARSET=SHIFT_JIS:株式会社ソニー\r\n",
    ));
    bytes.extend(shift_jis(
        "TITLE;CHARSET=SHIFT_JIS:代表\r\nTEL;CELL:090-1234-5678\r\n",
    ));
    bytes.extend(b"END:VCARD\r\n");
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, &bytes, true, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].name, "山田太郎");
    assert_eq!(contacts[0].title.as_deref(), Some("代表"));
    assert_eq!(contacts[0].phones, ["090-1234-5678"]);
    let account = fx.store.account(contacts[0].account_id).unwrap();
    assert_eq!(account.name, "株式会社ソニー");

    // The same card in a UTF-8 file: each value in its own character set.
    let mut mixed = "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:José Núñez\r\nORG;CHARSET=SHIFT_JIS:"
        .as_bytes()
        .to_vec();
    mixed.extend(shift_jis("ソニー販売\r\nEND:VCARD\r\n"));
    let source = Source::parse(&mixed, true, &ReadOptions::default()).unwrap();
    let crm_exchange::Content::Cards(cards) = &source.content else {
        panic!("cards");
    };
    assert_eq!(cards[0].full_name().as_deref(), Some("José Núñez"));
    assert_eq!(cards[0].first("ORG").unwrap().text(), "ソニー販売");
}

#[test]
fn quoted_printable_without_a_charset_is_read_in_the_files_encoding() {
    let qp: String = shift_jis("見積書を送付")
        .iter()
        .map(|b| format!("={b:02X}"))
        .collect();
    let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:".to_vec();
    bytes.extend(shift_jis("佐藤;花子;;;\r\n"));
    bytes.extend(format!("NOTE;ENCODING=QUOTED-PRINTABLE:{qp}\r\nEND:VCARD\r\n").as_bytes());
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, &bytes, true, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].name, "佐藤花子");
    assert_eq!(contacts[0].notes.as_deref(), Some("見積書を送付"));
}

#[test]
fn quoted_printable_bytes_that_are_no_text_are_reported_not_replaced() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana Ruiz\r\n\
        NOTE;ENCODING=QUOTED-PRINTABLE:caf=E9 con leche\r\nEND:VCARD\r\n";
    let fx = Fixture::new();
    let source = Source::parse(bytes, true, &ReadOptions::default()).unwrap();
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None).unwrap();
    assert_eq!(plan.records.len(), 0, "the card is held back");
    let p = &plan.problems[0];
    assert_eq!(
        (p.line, p.field.as_str(), p.reason.code()),
        (1, "notes", "not_text")
    );
    assert!(p.to_string().contains("utf-8"), "{p}");
    // Named, the encoding reads it.
    let latin = ReadOptions {
        encoding: Some("latin1".parse().unwrap()),
        ..ReadOptions::default()
    };
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, bytes, true, &latin);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].notes.as_deref(), Some("café con leche"));
}

#[test]
fn a_soft_line_break_keeps_the_next_lines_leading_space() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana Ruiz\r\n\
        NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Llamar despu=C3=A9s de=\r\n las diez\r\nEND:VCARD\r\n";
    let mut fx = Fixture::new();
    let (_, contacts) = contacts_of(&mut fx, bytes, true, &ReadOptions::default());
    assert_eq!(
        contacts[0].notes.as_deref(),
        Some("Llamar después de las diez")
    );
}

#[test]
fn a_line_continued_by_a_backslash_keeps_the_rest() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana Ruiz\r\n\
        NOTE:Primera visita en marzo\\\r\nsegunda en abril\r\nTEL;WORK:+34 600 111 222\r\nEND:VCARD\r\n";
    let mut fx = Fixture::new();
    let (_, contacts) = contacts_of(&mut fx, bytes, true, &ReadOptions::default());
    assert_eq!(
        contacts[0].notes.as_deref(),
        Some("Primera visita en marzo\nsegunda en abril")
    );
    assert_eq!(
        contacts[0].phones,
        ["+34 600 111 222"],
        "the next property is not swallowed"
    );
}

#[test]
fn a_vcard_4_tel_uri_with_an_extension_is_kept() {
    // RFC 6350's own example.
    let bytes = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simon Perreault\r\n\
        TEL;VALUE=uri;PREF=1;TYPE=\"voice,home\":tel:+1-555-555-5555;ext=5555\r\n\
        TEL;VALUE=uri;TYPE=work:tel:+1-418-656-9254;ext=102\r\nEND:VCARD\r\n";
    for entity in [EntityKind::Contact, EntityKind::Lead] {
        let fx = Fixture::new();
        let source = Source::parse(bytes, true, &ReadOptions::default()).unwrap();
        let plan = crm_exchange::plan(&fx.store, &source, entity, None).unwrap();
        assert!(plan.problems.is_empty(), "{entity}: {:?}", plan.problems);
        let fields = &plan.records[0].fields;
        let get = |f: &str| fields.iter().find(|(n, _)| *n == f).map(|(_, v)| v.clone());
        let notes = get("notes").unwrap();
        assert!(
            notes
                .as_str()
                .unwrap()
                .contains("TEL (work): +1-418-656-9254 ext. 102"),
            "{entity}: the extension is kept in the notes: {notes}"
        );
        if entity == EntityKind::Contact {
            assert_eq!(
                get("phones"),
                Some(json!(["+1-555-555-5555", "+1-418-656-9254"]))
            );
        } else {
            assert_eq!(get("phone"), Some(json!("+1-555-555-5555")));
        }
    }
}

#[test]
fn a_csv_without_a_header_line_is_caught_and_can_be_read_as_data() {
    let bytes = b"Ana Torres,ana@bluesummit.com,+1 415 555 0100,Blue Summit\n\
        Bob Lee,bob@granite.com,+1 415 555 0101,Granite Foods\n";
    let err = Source::parse(bytes, false, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.code(), "no_header");
    assert!(
        err.to_string().contains("ana@bluesummit.com") && err.to_string().contains("--no-header"),
        "{err}"
    );
    let options = ReadOptions {
        header: HeaderLine::Absent,
        ..ReadOptions::default()
    };
    let source = Source::parse(bytes, false, &options).unwrap();
    let mut fx = Fixture::new();
    let mut plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None).unwrap();
    let targets: Vec<Option<&str>> = plan
        .columns
        .iter()
        .map(|c| c.target.map(|t| t.name()))
        .collect();
    assert_eq!(
        targets,
        [Some("name"), Some("emails"), Some("phones"), None],
        "columns guessed from their values"
    );
    assert!(!plan.preview(1).header);
    // The user maps the rest by number.
    let source_again = Source::parse(bytes, false, &options).unwrap();
    plan = crm_exchange::plan(
        &fx.store,
        &source_again,
        EntityKind::Contact,
        Some("4=account"),
    )
    .unwrap();
    let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
    assert_eq!(outcome.imported.len(), 2, "the first person is not lost");
    let ana = fx.store.contact(outcome.imported[0].id).unwrap();
    assert_eq!(
        (ana.name.as_str(), ana.emails.as_slice()),
        ("Ana Torres", &["ana@bluesummit.com".to_owned()][..])
    );
    assert_eq!(
        fx.store.account(ana.account_id).unwrap().name,
        "Blue Summit"
    );

    // A real header of unknown names is still a header.
    let ok = Source::parse(b"Kunde,Ort\nAna,Madrid\n", false, &ReadOptions::default());
    assert!(ok.is_ok());
}

#[test]
fn a_shift_jis_csv_is_read_as_shift_jis_and_the_guess_is_shown() {
    let bytes = shift_jis(
        "氏名,会社名,電話番号,メールアドレス\n山田太郎,株式会社サンプル,03-1234-5678,yamada@sample.co.jp\n",
    );
    let fx = Fixture::new();
    let source = Source::parse(&bytes, false, &ReadOptions::default()).unwrap();
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Lead, None).unwrap();
    assert_eq!(plan.encoding, Encoding::ShiftJis);
    let preview = serde_json::to_value(plan.preview(1)).unwrap();
    assert_eq!(preview["encoding"], "shift_jis");
    assert_eq!(
        preview["encoding_guessed"], true,
        "the preview says it is a guess"
    );
    assert_eq!(preview["sample"][0]["name"], "山田太郎");

    // The user can name it, and other encodings by their usual labels.
    let given = ReadOptions {
        encoding: Some("sjis".parse().unwrap()),
        ..ReadOptions::default()
    };
    let source = Source::parse(&bytes, false, &given).unwrap();
    assert!(!source.encoding_guessed);
    let korean = encoding_rs::EUC_KR
        .encode("이름,이메일\n김민준,minjun@example.kr\n")
        .0;
    let given = ReadOptions {
        encoding: Some("euc-kr".parse().unwrap()),
        ..ReadOptions::default()
    };
    let plan = crm_exchange::plan(
        &fx.store,
        &Source::parse(&korean, false, &given).unwrap(),
        EntityKind::Lead,
        Some("이름=name,이메일=email"),
    )
    .unwrap();
    assert_eq!(plan.preview(1).sample[0]["name"], "김민준");
}

#[test]
fn utf16_without_a_byte_order_mark_is_read() {
    let mut bytes = Vec::new();
    for unit in
        "Name\tEmail\tPhone\r\nZoë Müller\tzoe@example.de\t+49 30 5555 0100\r\n".encode_utf16()
    {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, &bytes, false, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].name, "Zoë Müller");
    assert_eq!(contacts[0].phones, ["+49 30 5555 0100"]);
}

#[test]
fn a_row_repeated_in_one_file_is_a_duplicate_of_its_first_line() {
    let bytes = b"name,email\nAna Torres,ana@bluesummit.com\nBob Lee,bob@granite.com\nAna Torres,ana@bluesummit.com\n";
    for entity in [EntityKind::Lead, EntityKind::Contact, EntityKind::Account] {
        let mut fx = Fixture::new();
        let source = Source::parse(bytes, false, &ReadOptions::default()).unwrap();
        let plan = crm_exchange::plan(&fx.store, &source, entity, None).unwrap();
        for dry_run in [true, false] {
            let options = ImportOptions {
                dry_run,
                ..ImportOptions::default()
            };
            let outcome = crm_exchange::import(&mut fx.store, &plan, options).unwrap();
            assert_eq!(outcome.imported.len(), 2, "{entity}");
            assert!(
                outcome.already_imported.is_empty(),
                "{entity}: nothing was imported from this file before"
            );
            let d = &outcome.duplicates;
            assert_eq!(d.len(), 1, "{entity}");
            assert_eq!(
                (d[0].line, d[0].same_as_line, d[0].existing),
                (4, Some(2), None)
            );
        }
        assert_eq!(
            count(&fx.store, entity.table()),
            2,
            "{entity}: imported once"
        );
        // The same file again: all of it was imported before.
        let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default()).unwrap();
        assert_eq!(
            outcome.already_imported.len(),
            3,
            "{entity}: every line, the repeat included, was imported before"
        );
        assert!(outcome.duplicates.is_empty(), "{entity}");
    }
}

#[test]
fn a_company_without_a_person_becomes_a_contact_named_after_it() {
    let card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nORG:Harbor Plumbing Supply;Sales\r\n\
        TEL;TYPE=WORK:+1 206 555 0188\r\nEMAIL:orders@harborplumbing.example\r\nEND:VCARD\r\n";
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, card, true, &ReadOptions::default());
    assert!(problems.is_empty(), "not refused as nameless: {problems:?}");
    let c = &contacts[0];
    assert_eq!(c.name, "Harbor Plumbing Supply");
    assert_eq!(c.phones, ["+1 206 555 0188"]);
    assert_eq!(
        fx.store.account(c.account_id).unwrap().name,
        "Harbor Plumbing Supply",
        "at the company's account"
    );

    let row = b"First Name,Last Name,Company,Business Phone\n,,Acme Tools,+1 312 555 0110\n";
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, row, false, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].name, "Acme Tools");
    let source = Source::parse(row, false, &ReadOptions::default()).unwrap();
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Lead, None).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let lead = &plan.preview(1).sample[0];
    assert_eq!(
        (&lead["name"], &lead["company"]),
        (&json!("Acme Tools"), &json!("Acme Tools"))
    );

    // Still refused: a row with neither a person nor a company.
    let nobody = b"name,company,email\n,,someone@example.com\n";
    let source = Source::parse(nobody, false, &ReadOptions::default()).unwrap();
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None).unwrap();
    assert_eq!(plan.problems[0].reason.code(), "empty");
}
