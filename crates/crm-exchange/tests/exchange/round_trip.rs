//! Export then import loses nothing.

use crm_domain::EntityKind;
use crm_exchange::{Encoding, ExportKind, Format, text};
use crm_store::Store;
use serde_json::json;

use crate::{Fixture, id_value, import_bytes, insert};

/// A book of business in three languages, with the awkward values: commas,
/// quotes, new lines, lists, accents.
fn fill(store: &mut Store) {
    let me = id_value(store.user_id());
    let xingchen = insert(
        store,
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技有限公司")),
            ("industry", json!("软件")),
            ("region", json!("北京")),
            ("address", json!("海淀区中关村大街1号, 5层")),
            ("phone", json!("+86 10 8888 9999")),
            ("email", json!("info@xingchen.cn")),
            ("website", json!("https://xingchen.cn/")),
            ("size", json!("201-1000")),
            ("lifecycle", json!("customer")),
            ("tags", json!(["vip", "重点客户"])),
            ("owner_id", me.clone()),
            (
                "notes",
                json!("Renewal in March.\nAsk about \"cloud\" plan, not on-prem."),
            ),
        ],
    );
    let nunez = insert(
        store,
        EntityKind::Account,
        &[
            ("name", json!("Construcciones Núñez S.L.")),
            ("kind", json!("company")),
            ("region", json!("Madrid")),
            ("owner_id", me.clone()),
        ],
    );
    insert(
        store,
        EntityKind::Account,
        &[
            ("name", json!("Li Wei")),
            ("kind", json!("individual")),
            ("owner_id", me.clone()),
        ],
    );
    for (account, name, emails, phones, title, channel, notes) in [
        (
            xingchen,
            "王伟",
            json!(["wang.wei@xingchen.cn", "wangwei@163.com"]),
            json!(["+86 138 0013 8000", "010-8888 9999"]),
            Some("采购经理"),
            Some("phone"),
            Some("喜欢早上打电话; prefers calls"),
        ),
        (
            nunez,
            "José Méndez",
            json!(["jose@nunez.es"]),
            json!([]),
            None,
            None,
            None,
        ),
    ] {
        let mut fields = vec![
            ("account_id", id_value(account)),
            ("name", json!(name)),
            ("emails", emails),
            ("phones", phones),
        ];
        fields.extend(title.map(|t| ("title", json!(t))));
        fields.extend(channel.map(|c| ("preferred_channel", json!(c))));
        fields.extend(notes.map(|n| ("notes", json!(n))));
        insert(store, EntityKind::Contact, &fields);
    }
    insert(
        store,
        EntityKind::Lead,
        &[
            ("name", json!("María José Ibáñez")),
            ("company", json!("Alimentación Gómez, S.A.")),
            ("title", json!("Gerente")),
            ("email", json!("mj@gomez.es")),
            ("phone", json!("+34 600 123 456")),
            ("source", json!("exhibition")),
            ("status", json!("working")),
            ("score", json!(75)),
            ("owner_id", me.clone()),
            ("notes", json!("Met in Valencia")),
        ],
    );
    insert(
        store,
        EntityKind::Lead,
        &[
            ("name", json!("李娜")),
            ("company", json!("上海华信贸易有限公司")),
            ("status", json!("disqualified")),
            ("disqualify_reason", json!("无预算")),
            ("owner_id", me),
        ],
    );
}

/// The rows of a CSV export without the columns a new database makes anew
/// (ids, times, links by id).
fn comparable(bytes: &[u8]) -> Vec<Vec<String>> {
    let (csv_text, _) = text::decode(bytes, None).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let keep: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !(*h == "id" || h.ends_with("_id") || h.ends_with("_at")))
        .map(|(i, _)| i)
        .collect();
    let mut rows = vec![keep.iter().map(|i| headers[*i].to_owned()).collect()];
    for record in reader.records() {
        let record = record.unwrap();
        rows.push(keep.iter().map(|i| record[*i].to_owned()).collect());
    }
    rows
}

fn export(store: &Store, kind: ExportKind, format: Format, encoding: Encoding) -> Vec<u8> {
    crm_exchange::export(store, kind, format, encoding)
        .expect("the export")
        .bytes
}

#[test]
fn csv_export_imports_back_without_loss_in_utf8_and_gb18030() {
    let mut a = Fixture::new();
    fill(&mut a.store);
    for encoding in [Encoding::Utf8, Encoding::Gb18030] {
        let mut b = Fixture::new();
        for (kind, entity) in [
            (ExportKind::Accounts, EntityKind::Account),
            (ExportKind::Contacts, EntityKind::Contact),
            (ExportKind::Leads, EntityKind::Lead),
        ] {
            let first = export(&a.store, kind, Format::Csv, encoding);
            if encoding == Encoding::Gb18030 {
                assert!(std::str::from_utf8(&first).is_err(), "really GB18030 bytes");
            } else {
                assert!(first.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM for Excel");
            }
            let outcome = import_bytes(&mut b.store, &first, entity);
            assert!(outcome.duplicates.is_empty(), "{kind}: {outcome:?}");
            assert!(
                outcome.accounts_created.is_empty(),
                "{kind}: contacts find their accounts by name"
            );
            let second = export(&b.store, kind, Format::Csv, encoding);
            assert_eq!(
                comparable(&first),
                comparable(&second),
                "{kind} in {encoding}: what was exported comes back"
            );
        }
    }
}

#[test]
fn vcard_export_imports_back_the_people() {
    let mut a = Fixture::new();
    fill(&mut a.store);
    let cards = export(&a.store, ExportKind::Contacts, Format::Vcf, Encoding::Utf8);
    let mut b = Fixture::new();
    let source =
        crm_exchange::Source::parse(&cards, true, &crm_exchange::ReadOptions::default()).unwrap();
    let plan = crm_exchange::plan(&b.store, &source, EntityKind::Contact, None).unwrap();
    crm_exchange::import(&mut b.store, &plan, Default::default()).unwrap();
    let people = |s: &Store| {
        let ids = s.record_ids(EntityKind::Contact).unwrap();
        ids.into_iter()
            .map(|id| {
                let c = s.contact(id).unwrap();
                let account = s.account(c.account_id).unwrap().name;
                (c.name, account, c.title, c.emails, c.phones, c.notes)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(people(&a.store), people(&b.store));
}

#[test]
fn json_export_holds_every_record_as_the_store_reads_it() {
    let mut a = Fixture::new();
    fill(&mut a.store);
    for (kind, n) in [
        (ExportKind::Accounts, 3),
        (ExportKind::Contacts, 2),
        (ExportKind::Leads, 2),
        (ExportKind::Deals, 0),
        (ExportKind::Interactions, 0),
    ] {
        let bytes = export(&a.store, kind, Format::Json, Encoding::Utf8);
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc.as_array().unwrap().len(), n, "{kind}");
    }
    let accounts: serde_json::Value = serde_json::from_slice(&export(
        &a.store,
        ExportKind::Accounts,
        Format::Json,
        Encoding::Utf8,
    ))
    .unwrap();
    assert_eq!(accounts[0]["tags"], json!(["vip", "重点客户"]));
    assert!(
        crm_exchange::export(&a.store, ExportKind::Accounts, Format::Vcf, Encoding::Utf8).is_err(),
        "vCard holds people, not companies"
    );
}
