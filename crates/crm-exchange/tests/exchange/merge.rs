//! Merging two records that are one customer: nothing of either is lost,
//! and the merge is made of ordinary synced edits.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, OpKind};
use crm_store::Side;
use serde_json::json;

use crate::{Fixture, count, id_value, insert};

#[test]
fn merging_two_accounts_keeps_every_contact_interaction_deal_and_task() {
    let mut fx = Fixture::new();
    let s = &mut fx.store;
    // Two reps created the same customer offline.
    let keep = insert(
        s,
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技有限公司")),
            ("phone", json!("+86 10 8888 9999")),
            ("industry", json!("软件")),
            ("tags", json!(["vip"])),
        ],
    );
    let other = insert(
        s,
        EntityKind::Account,
        &[
            ("name", json!("北京星辰科技")),
            ("phone", json!("010-8888 9999")),
            ("industry", json!("电子")),
            ("region", json!("北京")),
            ("tags", json!(["重点客户"])),
        ],
    );
    let mut interactions = Vec::new();
    for (account, subject) in [
        (keep, "First call"),
        (other, "Visit"),
        (other, "Quote sent"),
    ] {
        interactions.push(insert(
            s,
            EntityKind::Interaction,
            &[
                ("kind", json!("call")),
                ("subject", json!(subject)),
                ("occurred_at", json!(1_767_225_600_000_i64)),
                ("account_id", id_value(account)),
            ],
        ));
    }
    let contact = insert(
        s,
        EntityKind::Contact,
        &[("account_id", id_value(other)), ("name", json!("王伟"))],
    );
    let deal = insert(
        s,
        EntityKind::Opportunity,
        &[
            ("account_id", id_value(other)),
            ("name", json!("年度采购")),
            ("currency", json!("CNY")),
        ],
    );
    let task = insert(
        s,
        EntityKind::Task,
        &[
            ("title", json!("Send the quote")),
            ("account_id", id_value(other)),
        ],
    );

    let pairs = s.duplicates(Some(EntityKind::Account)).unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].first.id, pairs[0].second.id), (keep, other));

    let choices = BTreeMap::from([("industry".to_owned(), Side::Other)]);
    let plan = s.merge_plan(keep, other, &choices).unwrap();
    let field = |name: &str| plan.fields.iter().find(|f| f.field == name).unwrap();
    assert!(
        field("industry").conflict,
        "both have an industry: a person chooses"
    );
    assert_eq!(field("industry").result, json!("电子"));
    assert!(
        !field("region").conflict,
        "an empty field is filled without asking"
    );
    assert_eq!(
        field("tags").result,
        json!(["vip", "重点客户"]),
        "lists are joined"
    );
    assert_eq!(plan.moved.interactions, 2);
    let outbox_before = s.outbox_len().unwrap();

    s.merge(keep, other, &choices).unwrap();

    let view = s.account_view(keep, 50).unwrap();
    assert_eq!(
        view.timeline.entries.len(),
        3,
        "every interaction is on the survivor"
    );
    for id in &interactions {
        assert_eq!(s.interaction(*id).unwrap().account_id, Some(keep));
    }
    assert_eq!(s.contact(contact).unwrap().account_id, keep);
    assert_eq!(s.opportunity(deal).unwrap().account_id, keep);
    assert_eq!(
        s.record(EntityKind::Task, task).unwrap().fields["account_id"],
        json!(keep.to_string())
    );
    let merged = s.account(keep).unwrap();
    assert_eq!(merged.industry.as_deref(), Some("电子"));
    assert_eq!(merged.region.as_deref(), Some("北京"));
    assert_eq!(merged.tags, ["vip", "重点客户"]);
    assert!(s.account(other).is_err(), "the other account is deleted");
    assert_eq!(count(s, "accounts"), 1);
    assert!(s.duplicates(None).unwrap().is_empty(), "no pair is left");

    let ops = s.outbox(1000).unwrap();
    let new_ops = &ops[usize::try_from(outbox_before).unwrap()..];
    let updates = new_ops.iter().filter(|o| o.kind == OpKind::Update).count();
    assert_eq!(
        updates,
        2 + 1 + 1 + 1 + 1,
        "two interactions, the contact, the deal and the task re-pointed, and the survivor's fields"
    );
    let last = new_ops.last().unwrap();
    assert_eq!(
        (last.kind, last.record_id),
        (OpKind::Delete, other),
        "then the other is deleted"
    );
    for id in [keep, other] {
        let history = s.history(id).unwrap();
        assert!(
            history.iter().any(|h| h.op == "merge"),
            "the history of {id} records the merge"
        );
    }
    let note = s.history(other).unwrap();
    let merge = note.iter().find(|h| h.op == "merge").unwrap();
    assert_eq!(merge.new["merged_into"], json!(keep.to_string()));
}

#[test]
fn merging_leads_and_contacts_moves_their_history() {
    let mut fx = Fixture::new();
    let s = &mut fx.store;
    let a = insert(
        s,
        EntityKind::Lead,
        &[
            ("name", json!("José Méndez")),
            ("email", json!("jose@nunez.es")),
        ],
    );
    let b = insert(
        s,
        EntityKind::Lead,
        &[
            ("name", json!("Jose Mendez")),
            ("email", json!("JOSE@nunez.es")),
            ("phone", json!("+34 600 123 456")),
        ],
    );
    let note = insert(
        s,
        EntityKind::Interaction,
        &[
            ("kind", json!("note")),
            ("subject", json!("Card from the fair")),
            ("occurred_at", json!(0)),
            ("lead_id", id_value(b)),
        ],
    );
    assert_eq!(s.duplicates_of(EntityKind::Lead, a).unwrap()[0].id, b);
    s.merge(a, b, &BTreeMap::new()).unwrap();
    assert_eq!(s.interaction(note).unwrap().lead_id, Some(a));
    assert_eq!(s.lead(a).unwrap().phone.as_deref(), Some("+34 600 123 456"));

    let refused = s.merge(a, a, &BTreeMap::new()).unwrap_err();
    assert_eq!(refused.code(), "merge_self");
    let account = insert(s, EntityKind::Account, &[("name", json!("X"))]);
    let refused = s.merge(a, account, &BTreeMap::new()).unwrap_err();
    assert_eq!(
        refused.code(),
        "merge_mixed",
        "a lead and an account are not one record"
    );
}
