//! Every file of `assets/samples/` (see its `SOURCES.md`) through the real
//! import path into contacts: read, planned, imported into a new database,
//! and read back. What must come out of each file is written here by hand; a
//! file added to the folder without its expectations fails the test.

use std::collections::BTreeSet;

use crm_domain::EntityKind;
use crm_exchange::{HeaderLine, ReadOptions, Source};
use crm_store::ImportOptions;

use crate::{Fixture, sample};

/// A person as they must come out: name, e-mails, phones.
type Person = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// One sample file and what importing it into contacts must give.
struct Expected {
    file: &'static str,
    /// The file is refused as it is, with this error code; `header` says how
    /// to read it instead.
    refused: Option<&'static str>,
    header: HeaderLine,
    /// Lines left out for problems.
    bad_lines: &'static [u64],
    /// Lines left out as repeats or look-alikes of earlier lines.
    duplicate_lines: &'static [u64],
    people: &'static [Person],
}

const fn file(name: &'static str, people: &'static [Person]) -> Expected {
    Expected {
        file: name,
        refused: None,
        header: HeaderLine::Guess,
        bad_lines: &[],
        duplicate_lines: &[],
        people,
    }
}

const EXPECTED: &[Expected] = &[
    file(
        "android-company-only.vcf",
        &[(
            "Harbor Plumbing Supply",
            &["orders@harborplumbing.example"],
            &["+1 206 555 0188"],
        )],
    ),
    Expected {
        bad_lines: &[3, 4, 5, 7],
        ..file(
            "broken-rows.csv",
            &[
                (
                    "Ana Torres",
                    &["ana.torres@bluesummit.com"],
                    &["+1 415 555 0100"],
                ),
                // A contact has no score: 120 is not a problem here.
                ("Dan Wu", &["dan.wu@beaconsoft.com"], &["+1 415 555 0103"]),
                (
                    "Frank Moore",
                    &["frank.moore@meridian.com"],
                    &["+1 415 555 0105"],
                ),
            ],
        )
    },
    Expected {
        duplicate_lines: &[8],
        ..file(
            "business-cards-gbk.csv",
            &[
                ("王伟", &["wang.wei@xingchen.cn"], &["138 0013 8000"]),
                ("李娜", &["lina@huaxin-trade.com"], &["+86 139-1234-5678"]),
                ("张强", &["zhangqiang@boyuan.com.cn"], &["13612345678"]),
                ("刘芳", &["liufang@ruifeng56.cn"], &["186 5555 0101"]),
                ("陈杰", &["chenjie@hengtong-jx.com"], &["+86 135 0000 1111"]),
                ("赵敏", &["zhaomin@jinqiao-yy.cn"], &["158 2222 3333"]),
            ],
        )
    },
    file(
        "contactos-es.csv",
        &[
            (
                "José Méndez",
                &["jose.mendez@nunez.es"],
                &["+34 912 345 678"],
            ),
            (
                "María José Ibáñez Peña",
                &["mj.ibanez@gomez-alimentacion.es"],
                &["600 123 456"],
            ),
            (
                "Álvaro Fernández",
                &["alvaro@logisticaruiz.es"],
                &["+34 933 210 987"],
            ),
            (
                "Begoña Muñoz",
                &["bmunoz@energiasnorte.es"],
                &["944 556 677"],
            ),
            (
                "Inés Sánchez",
                &["ines.sanchez@nunez.es"],
                &["+34 911 222 333"],
            ),
        ],
    ),
    file(
        "docomo-shiftjis.vcf",
        &[
            (
                "山田太郎",
                &["taro.yamada@docomo.example"],
                &["090-1234-5678"],
            ),
            (
                "佐藤花子",
                &["hanako.sato@ezweb.example"],
                &["03-5555-0123"],
            ),
        ],
    ),
    file(
        "gmail-list.vcf",
        &[
            ("Arnold Smith", &["asmithk@gmail.com"], &[]),
            ("Chris Beatle", &["chrisy55d@yahoo.com"], &[]),
            ("Doug White", &["dwhite@gmail.com"], &[]),
        ],
    ),
    file(
        "google-contacts-2024.csv",
        &[
            (
                "Wei Chen",
                &["wei.chen@fabrikam.example"],
                &["+86 138 0013 8001", "+86 10 5555 0123"],
            ),
            (
                "Amara Okafor",
                &["amara@litware.example"],
                &["+44 7700 900456"],
            ),
        ],
    ),
    file(
        "google-contacts.csv",
        &[
            (
                "Priya Raman",
                &["priya.raman@northwind.example", "priya.r@mail.example"],
                &["+1 650-555-0142", "+1 650-555-0143", "+1 650-555-0100"],
            ),
            (
                "Tomás Ortega",
                &["tomas.ortega@contoso.example"],
                &["+34 91 555 0199"],
            ),
        ],
    ),
    file(
        "linkedin-Connections.csv",
        &[
            ("Sofia Lindqvist", &["sofia.lindqvist@wingtip.example"], &[]),
            ("Rahul Mehta", &[], &[]),
        ],
    ),
    file(
        "outlook-contacts.csv",
        &[
            (
                "Laura Bianchi",
                &["laura.bianchi@adatum.example"],
                &["+39 02 5555 0101", "+39 333 555 0102"],
            ),
            (
                "Kenji Watanabe",
                &["kenji@tailspin.example"],
                &["+81 3-5555-0111"],
            ),
        ],
    ),
    file(
        "phone-contacts.vcf",
        &[
            (
                "孙晓东",
                &["sunxd@tianyu-energy.cn"],
                &["+86 137 7777 8888", "025-6666 7777"],
            ),
            (
                "Mary O'Neil",
                &["mary.oneil@harborlogistics.co.uk"],
                &["+44 7700 900123", "+44 20 7946 0000"],
            ),
            (
                "Lucía Martínez",
                &["lucia.martinez@gomez-alimentacion.es"],
                &["+34-600-987-654"],
            ),
        ],
    ),
    file(
        "rfc6350-example.vcf",
        &[(
            "Simon Perreault",
            &["simon.perreault@viagenie.ca"],
            &["+1-418-656-9254", "+1-418-262-6501"],
        )],
    ),
    file(
        "thunderbird-basic.csv",
        &[
            ("John Doe", &["john@doe.invalid"], &[]),
            ("Jane Doe", &["jane@doe.invalid"], &[]),
        ],
    ),
    Expected {
        refused: Some("no_header"),
        header: HeaderLine::Absent,
        ..file(
            "thunderbird-no-header.csv",
            &[
                ("John Doe", &["john@doe.invalid"], &[]),
                ("Jane Doe", &["jane@doe.invalid"], &[]),
            ],
        )
    },
    file(
        "thunderbird-quoted.csv",
        &[("Acer America", &[], &["(800) 000-0000"])],
    ),
    file(
        "thunderbird-shiftjis.csv",
        &[("名無しの権兵衛", &["名無しの権兵衛@host.invalid"], &[])],
    ),
    file(
        "thunderbird-vcard21.vcf",
        &[
            ("John Doe", &["john.doe@genericemail.invalid"], &[]),
            ("Jane Doe", &["jane.doe@genericemail.invalid"], &[]),
        ],
    ),
    file(
        "utf16le-no-bom.csv",
        &[
            (
                "Zoë Müller",
                &["zoe.mueller@example.de"],
                &["+49 30 5555 0100"],
            ),
            ("Olaf Berg", &["olaf.berg@example.no"], &["+47 22 55 50 10"]),
        ],
    ),
];

#[test]
fn every_sample_file_imports_the_people_it_holds() {
    let folder = sample("");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
        .expect("the samples folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "SOURCES.md")
        .collect();
    let expected: BTreeSet<String> = EXPECTED.iter().map(|e| e.file.to_owned()).collect();
    assert_eq!(
        on_disk, expected,
        "every sample file has its expectations here, and every expectation its file"
    );
    let sources = std::fs::read_to_string(folder.join("SOURCES.md")).expect("SOURCES.md");
    for name in &on_disk {
        assert!(
            sources.contains(&format!("`{name}`")),
            "SOURCES.md says where {name} comes from"
        );
    }

    for e in EXPECTED {
        let path = sample(e.file);
        let options = ReadOptions::default();
        let source = match (Source::read(&path, &options), e.refused) {
            (Ok(source), None) => source,
            (Err(err), Some(code)) => {
                assert_eq!(err.code(), code, "{}: {err}", e.file);
                let options = ReadOptions {
                    header: e.header,
                    ..options
                };
                Source::read(&path, &options)
                    .unwrap_or_else(|err| panic!("{} with {options:?}: {err}", e.file))
            }
            (Ok(_), Some(code)) => panic!("{} must be refused with {code}", e.file),
            (Err(err), None) => panic!("{}: {err}", e.file),
        };
        let mut fx = Fixture::new();
        let plan = crm_exchange::plan(&fx.store, &source, EntityKind::Contact, None)
            .unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let mut bad: Vec<u64> = plan.problems.iter().map(|p| p.line).collect();
        bad.dedup();
        assert_eq!(bad, e.bad_lines, "{}: {:?}", e.file, plan.problems);
        let outcome = crm_exchange::import(&mut fx.store, &plan, ImportOptions::default())
            .unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let duplicates: Vec<u64> = outcome.duplicates.iter().map(|d| d.line).collect();
        assert_eq!(duplicates, e.duplicate_lines, "{}: {outcome:?}", e.file);
        assert!(
            outcome.already_imported.is_empty(),
            "{}: a new database",
            e.file
        );
        let people: Vec<(String, Vec<String>, Vec<String>)> = outcome
            .imported
            .iter()
            .map(|row| {
                let c = fx.store.contact(row.id).expect("an imported contact");
                (c.name, c.emails, c.phones)
            })
            .collect();
        let expected: Vec<(String, Vec<String>, Vec<String>)> = e
            .people
            .iter()
            .map(|(name, emails, phones)| {
                let strings = |s: &[&str]| s.iter().map(|v| (*v).to_owned()).collect();
                ((*name).to_owned(), strings(emails), strings(phones))
            })
            .collect();
        assert_eq!(people, expected, "{}", e.file);
    }
}
