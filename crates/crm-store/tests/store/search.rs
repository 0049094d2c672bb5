//! Full-text search in Chinese, Spanish and English.

use crm_domain::EntityKind;
use serde_json::json;

use crate::{Fixture, JAN_2026_MS, account, contact, count, finds, found, interaction, update};

const XINGCHEN: &str = "北京星辰科技有限公司";

#[test]
fn chinese_company_names_are_found_by_any_substring_in_order() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, XINGCHEN);
    let other = account(&mut fx.store, "上海华信电子有限公司");

    for query in ["科技", "星辰科技", "星", "北京", "有限公司", XINGCHEN] {
        assert!(
            finds(&fx.store, query, id),
            "{query:?} is part of {XINGCHEN} and must find it"
        );
    }
    for query in ["技科", "星科", "京北", "南京"] {
        assert!(
            !finds(&fx.store, query, id),
            "{query:?} is not a substring of {XINGCHEN}; characters must match in order and adjacent"
        );
    }
    assert!(
        !finds(&fx.store, "科技", other),
        "{XINGCHEN}'s word must not find another company"
    );
    assert!(
        finds(&fx.store, "有限公司", other),
        "a shared word finds both companies"
    );
}

#[test]
fn spanish_names_are_found_without_accents_case_or_the_whole_word() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "Transportes del Sur S.L.");
    let ana = contact(&mut fx.store, acme, "Ana Méndez");
    for query in [
        "Méndez",
        "Mendez",
        "mendez",
        "MENDEZ",
        "Mend",
        "mén",
        "ana mendez",
    ] {
        assert!(
            finds(&fx.store, query, ana),
            "{query:?} must find Ana Méndez"
        );
    }
    assert!(
        !finds(&fx.store, "Mendoza", ana),
        "a different name must not match"
    );
}

#[test]
fn english_text_in_interaction_bodies_is_found() {
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME Ltd");
    let call = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS,
        "Call about renewal",
        "They asked for a 12% discount on 300 licences and want an answer within two weeks.",
    );
    for query in ["discount", "licences", "answer within", "LICENCE"] {
        let hits = found(&fx.store, query);
        assert!(
            hits.contains(&(EntityKind::Interaction, call)),
            "{query:?} appears in the call's body and must find it; got {hits:?}"
        );
    }
    let groups = fx.store.search("discount", 10).unwrap();
    let hit = &groups[0].hits[0];
    assert_eq!(
        hit.account_id,
        Some(acme),
        "a history hit must lead to its account's page"
    );
    assert_eq!(
        hit.occurred_at.map(|t| t.timestamp_millis()),
        Some(JAN_2026_MS)
    );
    assert!(
        !finds(&fx.store, "refund", call),
        "a word not in the text must not match"
    );
    // While typing: one letter finds names, not the whole history; a lone
    // last letter waits for the next key instead of matching half the index.
    assert!(finds(&fx.store, "a", acme));
    assert!(!finds(&fx.store, "d", call), "one letter skips the history");
    assert!(finds(&fx.store, "di", call));
    assert!(finds(&fx.store, "discount w", call));
}

#[test]
fn results_are_grouped_by_kind_in_a_fixed_order() {
    let mut fx = Fixture::create();
    let company = account(&mut fx.store, "Transportes Méndez S.L.");
    let person = contact(&mut fx.store, company, "Ana Méndez");
    let call = interaction(
        &mut fx.store,
        company,
        JAN_2026_MS,
        "Llamada con Ana Méndez",
        "Renovación del contrato",
    );
    let lead = crate::insert(
        &mut fx.store,
        EntityKind::Lead,
        &[
            ("name", json!("Luis Méndez")),
            ("company", json!("Distribuciones Peña")),
        ],
    );
    let deal = crate::deal(&mut fx.store, company, "Méndez contrato anual", "proposal");

    let groups = fx.store.search("mendez", 10).unwrap();
    let kinds: Vec<EntityKind> = groups.iter().map(|g| g.entity).collect();
    assert_eq!(
        kinds,
        [
            EntityKind::Account,
            EntityKind::Contact,
            EntityKind::Lead,
            EntityKind::Opportunity,
            EntityKind::Interaction
        ],
        "one group per kind, in the fixed order"
    );
    for group in &groups {
        assert!(
            group.hits.iter().all(|h| h.entity == group.entity),
            "a group holds only its own kind: {group:?}"
        );
    }
    let ids: Vec<_> = groups
        .iter()
        .map(|g| g.hits.iter().map(|h| h.id).collect::<Vec<_>>())
        .collect();
    assert_eq!(
        ids,
        [
            vec![company],
            vec![person],
            vec![lead],
            vec![deal],
            vec![call]
        ]
    );
    assert!(
        fx.store
            .search("Renovación", 10)
            .unwrap()
            .iter()
            .all(|g| g.entity == EntityKind::Interaction),
        "kinds without a hit are left out"
    );
}

#[test]
fn each_group_holds_at_most_the_requested_number_of_hits() {
    let mut fx = Fixture::create();
    for i in 0..5 {
        account(&mut fx.store, &format!("Summit Logistics {i}"));
    }
    let groups = fx.store.search("summit", 3).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].hits.len(), 3, "per_group caps each group");
}

#[test]
fn deleted_records_leave_search_and_restored_ones_come_back() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, XINGCHEN);
    let call = interaction(
        &mut fx.store,
        id,
        JAN_2026_MS,
        "上门拜访",
        "参观了生产线，计划采购设备",
    );
    fx.store
        .write(|w| {
            w.delete(EntityKind::Account, id)?;
            w.delete(EntityKind::Interaction, call)
        })
        .unwrap();
    assert!(
        !finds(&fx.store, "星辰", id),
        "a deleted account must not be found"
    );
    assert!(
        !finds(&fx.store, "生产线", call),
        "a deleted history entry must not be found"
    );

    fx.store
        .write(|w| {
            w.restore(EntityKind::Account, id)?;
            w.restore(EntityKind::Interaction, call)
        })
        .unwrap();
    assert!(
        finds(&fx.store, "星辰", id),
        "a restored account must be found again"
    );
    assert!(
        finds(&fx.store, "生产线", call),
        "a restored history entry must be found again"
    );
}

#[test]
fn deleted_records_leave_the_index_and_take_no_places_in_a_group() {
    // Matches are cut to the group size inside the index query; a deleted
    // record left in the index would take a place and hide a live one.
    let mut fx = Fixture::create();
    let acme = account(&mut fx.store, "ACME");
    let live = interaction(
        &mut fx.store,
        acme,
        JAN_2026_MS,
        "Renewal call",
        "First renewal talk",
    );
    let newer: Vec<_> = (1..=2)
        .map(|i| {
            interaction(
                &mut fx.store,
                acme,
                JAN_2026_MS + i,
                "Renewal call",
                "Logged twice by mistake",
            )
        })
        .collect();
    let indexed = count(&fx.store, "interactions_fts", "");
    fx.store
        .write(|w| {
            newer
                .iter()
                .try_for_each(|id| w.delete(EntityKind::Interaction, *id))
        })
        .unwrap();
    assert_eq!(
        count(&fx.store, "interactions_fts", ""),
        indexed - 2,
        "deleting must remove the index entries"
    );
    let hits = fx
        .store
        .search_kind(EntityKind::Interaction, "renewal", 1)
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        [live],
        "the one live entry must fill the single place"
    );
    fx.store
        .write(|w| w.restore(EntityKind::Interaction, newer[0]))
        .unwrap();
    assert_eq!(
        count(&fx.store, "interactions_fts", ""),
        indexed - 1,
        "restoring must index the record again"
    );
}

#[test]
fn an_edited_name_is_found_by_the_new_name_only() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, "Globex Corporation");
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("name", json!("Initech 深圳"))],
    );
    assert!(
        finds(&fx.store, "Initech", id),
        "the new name must be found"
    );
    assert!(
        finds(&fx.store, "深圳", id),
        "the new Chinese part must be found"
    );
    assert!(
        !finds(&fx.store, "Globex", id),
        "the old name must no longer be found"
    );

    // An edit of a field outside the index must keep the index entry.
    update(
        &mut fx.store,
        EntityKind::Account,
        id,
        &[("size", json!("51-200"))],
    );
    assert!(
        finds(&fx.store, "Initech", id),
        "an edit of an unsearched field must not drop the entry"
    );
}

#[test]
fn other_searchable_fields_are_found_too() {
    let mut fx = Fixture::create();
    let id = crate::insert(
        &mut fx.store,
        EntityKind::Account,
        &[
            ("name", json!("ACME")),
            ("email", json!("sales@acme-industrial.example.com")),
            ("tags", json!(["重点客户", "vip"])),
            ("notes", json!("Prefers visits on Tuesdays")),
        ],
    );
    for query in ["acme-industrial", "sales@acme", "重点", "vip", "tuesdays"] {
        assert!(
            finds(&fx.store, query, id),
            "{query:?} is in a searchable field and must find the account"
        );
    }
}

#[test]
fn punctuation_and_fts_syntax_are_plain_text_not_errors() {
    let mut fx = Fixture::create();
    let id = account(&mut fx.store, "NEAR OR Partners");
    for query in [
        "\"",
        "*",
        "OR",
        "NEAR(",
        "NEAR(a b)",
        "\"unterminated",
        "a AND",
        "(",
        ")",
        "^",
        ":",
        "-",
        "+",
        "{}",
        "title:acme",
        "NOT",
        "AND OR NOT",
        "'",
        "''",
        "''''",
        "@",
        ".",
        "，。",
        "",
        "   ",
        "*)(\"",
    ] {
        let result = fx.store.search(query, 10);
        assert!(
            result.is_ok(),
            "search for {query:?} must not fail: {:?}",
            result.err()
        );
    }
    assert!(
        finds(&fx.store, "OR", id),
        "OR is a word in the name, not an operator"
    );
    assert!(
        finds(&fx.store, "NEAR(", id),
        "NEAR( is the word NEAR, not a function"
    );
    assert!(
        found(&fx.store, "\"").is_empty(),
        "a lone quote matches nothing"
    );
}

#[test]
fn the_account_list_filters_by_the_same_search() {
    let mut fx = Fixture::create();
    let xingchen = account(&mut fx.store, XINGCHEN);
    let gone = account(&mut fx.store, "深圳星辰科技有限公司");
    account(&mut fx.store, "ACME Ltd");
    fx.store
        .write(|w| w.delete(EntityKind::Account, gone))
        .unwrap();
    let list = |query: &str| {
        let filter = crm_store::AccountFilter {
            query: Some(query.into()),
            ..Default::default()
        };
        let accounts = fx.store.accounts(&filter);
        let accounts =
            accounts.unwrap_or_else(|e| panic!("listing by {query:?} must not fail: {e}"));
        accounts.into_iter().map(|a| a.id).collect::<Vec<_>>()
    };
    assert_eq!(
        list("星辰科技"),
        [xingchen],
        "the list finds live accounts by a Chinese substring"
    );
    assert!(
        list("技科").is_empty(),
        "out-of-order characters match nothing"
    );
    assert!(list("NEAR(").is_empty() && list("\"").is_empty() && list("*").is_empty());
}

/// A phrase in more than RANKED records (most Chinese company names end in
/// 有限公司) is not weighed by BM25, which would read every match: the newest
/// come first, those with it in the name before those with it elsewhere.
#[test]
fn a_phrase_in_very_many_records_lists_the_newest_name_matches_first() {
    const RANKED: usize = 1_000; // crm-store's search::RANKED
    let mut fx = Fixture::create();
    let oldest_by_name = account(&mut fx.store, "北京老字号有限公司");
    for i in 0..RANKED {
        crate::insert(
            &mut fx.store,
            EntityKind::Account,
            &[
                ("name", json!(format!("Harbor {i}"))),
                ("address", json!("上海某有限公司仓库")),
            ],
        );
    }
    let newest_by_name = account(&mut fx.store, "深圳新星有限公司");
    let newest_in_notes = crate::insert(
        &mut fx.store,
        EntityKind::Account,
        &[
            ("name", json!("Harbor last")),
            ("address", json!("有限公司")),
        ],
    );

    let groups = fx.store.search("有限公司", 3).unwrap();
    let ids: Vec<_> = groups[0].hits.iter().map(|h| h.id).collect();
    assert_eq!(
        ids,
        vec![newest_by_name, oldest_by_name, newest_in_notes],
        "names first (newest first), then the newest of the rest"
    );
}
