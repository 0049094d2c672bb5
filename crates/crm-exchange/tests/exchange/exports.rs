//! Files as real programs export them: a Japanese phone's Shift_JIS vCard
//! 2.1, quoted-printable quirks, vCard 4 `tel:` URIs with extensions.

use crm_domain::EntityKind;
use crm_exchange::{Encoding, Source};
use crm_store::ImportOptions;
use serde_json::json;

use crate::Fixture;

fn shift_jis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

/// Import `bytes` into contacts (the good rows), returning the plan's
/// problems' codes and the contacts made.
fn contacts_of(
    fx: &mut Fixture,
    bytes: &[u8],
    vcard: bool,
    encoding: Option<Encoding>,
) -> (Vec<&'static str>, Vec<crm_domain::Contact>) {
    let source = Source::parse(bytes, encoding, vcard).expect("the file reads");
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
    let (problems, contacts) = contacts_of(&mut fx, &bytes, true, None);
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
    let source = Source::parse(&mixed, None, true).unwrap();
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
    let (problems, contacts) = contacts_of(&mut fx, &bytes, true, None);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].name, "佐藤花子");
    assert_eq!(contacts[0].notes.as_deref(), Some("見積書を送付"));
}

#[test]
fn quoted_printable_bytes_that_are_no_text_are_reported_not_replaced() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana Ruiz\r\n\
        NOTE;ENCODING=QUOTED-PRINTABLE:caf=E9 con leche\r\nEND:VCARD\r\n";
    let fx = Fixture::new();
    let source = Source::parse(bytes, None, true).unwrap();
    let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None).unwrap();
    assert_eq!(plan.records.len(), 0, "the card is held back");
    let p = &plan.problems[0];
    assert_eq!(
        (p.line, p.field.as_str(), p.reason.code()),
        (1, "notes", "not_text")
    );
    assert!(p.to_string().contains("utf-8"), "{p}");
    // Named, the encoding reads it.
    let latin = Some("latin1".parse().unwrap());
    let mut fx = Fixture::new();
    let (problems, contacts) = contacts_of(&mut fx, bytes, true, latin);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(contacts[0].notes.as_deref(), Some("café con leche"));
}

#[test]
fn a_soft_line_break_keeps_the_next_lines_leading_space() {
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana Ruiz\r\n\
        NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Llamar despu=C3=A9s de=\r\n las diez\r\nEND:VCARD\r\n";
    let mut fx = Fixture::new();
    let (_, contacts) = contacts_of(&mut fx, bytes, true, None);
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
    let (_, contacts) = contacts_of(&mut fx, bytes, true, None);
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
        let source = Source::parse(bytes, None, true).unwrap();
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
