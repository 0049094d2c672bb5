//! Sales documents on the server, whoever pushes: the catalogue and price
//! lists are changed only by managers and admins; no two products share a
//! code (two managers adding one offline); a quote that left its draft never
//! changes but for its status, nor do its lines (a line edited offline while
//! a colleague sent the quote is refused, naming the quote).

use crm_domain::{EntityKind, OpKind};
use crm_protocol::{Outcome, codes};
use crm_server::backend::Backend;
use serde_json::{Value, json};

use crate::support::{NOW, Team, conformance, stored};

conformance!(db:
    only_managers_and_admins_change_the_catalogue_and_price_lists,
    no_two_products_share_a_code,
    a_sent_quote_changes_only_its_status,
);

fn code(v: &crm_protocol::Verdict) -> (Outcome, Option<&str>) {
    (v.outcome, v.code.as_deref())
}

fn only_managers_and_admins_change_the_catalogue_and_price_lists(db: &impl Backend) {
    let team = Team::create(db);
    let list = team.manager.insert(
        EntityKind::PriceList,
        &[
            ("name", json!("Standard CNY")),
            ("currency", json!("CNY")),
            ("is_default", json!(true)),
        ],
        NOW,
    );
    let product = team.manager.insert(
        EntityKind::Product,
        &[
            ("code", json!("P-1")),
            ("name", json!("离心泵")),
            ("active", json!(true)),
        ],
        NOW,
    );
    let verdicts = team.manager.push(db, &[list.clone(), product.clone()]);
    assert!(
        verdicts.iter().all(|v| v.outcome == Outcome::Applied),
        "{verdicts:?}"
    );

    // A rep may read the catalogue but neither add to nor change it.
    let rep_list = team.ana.insert(
        EntityKind::PriceList,
        &[
            ("name", json!("My own prices")),
            ("currency", json!("CNY")),
            ("is_default", json!(false)),
        ],
        NOW,
    );
    let rep_price = team.ana.insert(
        EntityKind::Price,
        &[
            ("price_list_id", json!(list.record_id.to_string())),
            ("product_id", json!(product.record_id.to_string())),
            ("unit_price", json!(1)),
        ],
        NOW,
    );
    let rep_edit = team.ana.op(
        EntityKind::PriceList,
        list.record_id,
        OpKind::Update,
        &[("is_default", json!(true), json!(false))],
        NOW,
    );
    for verdict in team.ana.push(db, &[rep_list.clone(), rep_price, rep_edit]) {
        assert_eq!(code(&verdict), (Outcome::Rejected, Some(codes::FORBIDDEN)));
    }
    assert_eq!(
        stored(db, list.record_id).data["is_default"],
        json!(true),
        "unchanged"
    );
    assert!(
        db.read(|tx| tx.record(rep_list.record_id))
            .unwrap()
            .is_none()
    );
    // Every rep pulls the team-wide catalogue.
    let (changes, _) = team.cy.pull_all(db, 0);
    let ids = crate::support::upserted(&changes);
    assert!(ids.contains(&list.record_id) && ids.contains(&product.record_id));
}

fn no_two_products_share_a_code(db: &impl Backend) {
    let team = Team::create(db);
    let first = team.manager.insert(
        EntityKind::Product,
        &[
            ("code", json!("P-1")),
            ("name", json!("Pump")),
            ("active", json!(true)),
        ],
        NOW,
    );
    // The admin added the same code offline.
    let second = team.admin.insert(
        EntityKind::Product,
        &[
            ("code", json!("P-1")),
            ("name", json!("Another pump")),
            ("active", json!(true)),
        ],
        NOW,
    );
    assert_eq!(
        code(&team.manager.push_one(db, &first)),
        (Outcome::Applied, None)
    );
    let refused = team.admin.push_one(db, &second);
    assert_eq!(code(&refused), (Outcome::Rejected, Some(codes::TAKEN)));
    assert_eq!(refused.params.get("field"), Some(&json!("code")));
    // Another code goes through; renaming it onto the taken one does not;
    // the first product keeps its own code in an edit of its name.
    let third = team.admin.insert(
        EntityKind::Product,
        &[
            ("code", json!("P-2")),
            ("name", json!("Valve")),
            ("active", json!(true)),
        ],
        NOW,
    );
    assert_eq!(
        code(&team.admin.push_one(db, &third)),
        (Outcome::Applied, None)
    );
    let onto = team.admin.op(
        EntityKind::Product,
        third.record_id,
        OpKind::Update,
        &[("code", json!("P-2"), json!("P-1"))],
        NOW,
    );
    assert_eq!(
        code(&team.admin.push_one(db, &onto)),
        (Outcome::Rejected, Some(codes::TAKEN))
    );
    let rename = team.manager.op(
        EntityKind::Product,
        first.record_id,
        OpKind::Update,
        &[
            ("code", json!("P-1"), json!("P-1")),
            ("name", json!("Pump"), json!("离心泵")),
        ],
        NOW,
    );
    assert_eq!(
        code(&team.manager.push_one(db, &rename)),
        (Outcome::Applied, None)
    );
}

fn a_sent_quote_changes_only_its_status(db: &impl Backend) {
    let team = Team::create(db);
    let list = team.manager.insert(
        EntityKind::PriceList,
        &[
            ("name", json!("Standard")),
            ("currency", json!("CNY")),
            ("is_default", json!(true)),
        ],
        NOW,
    );
    team.manager.push_one(db, &list);
    let ana = &team.ana;
    let account = ana.insert(EntityKind::Account, &[("name", json!("Acme"))], NOW);
    let quote = ana.insert(
        EntityKind::Quote,
        &[
            ("number", json!("Q3-00001")),
            ("revision", json!(1)),
            ("account_id", json!(account.record_id.to_string())),
            ("price_list_id", json!(list.record_id.to_string())),
            ("currency", json!("CNY")),
            ("status", json!("draft")),
        ],
        NOW,
    );
    let line = |qty: &str| {
        ana.insert(
            EntityKind::QuoteLine,
            &[
                ("quote_id", json!(quote.record_id.to_string())),
                ("position", json!(1)),
                ("description", json!("Installation")),
                ("quantity", json!(qty)),
                ("unit_price", json!(50_000)),
            ],
            NOW,
        )
    };
    let first = line("1");
    let status = |from: &str, to: &str| {
        ana.op(
            EntityKind::Quote,
            quote.record_id,
            OpKind::Update,
            &[("status", json!(from), json!(to))],
            NOW,
        )
    };
    let verdicts = ana.push(
        db,
        &[
            account,
            quote.clone(),
            first.clone(),
            status("draft", "sent"),
        ],
    );
    assert!(
        verdicts.iter().all(|v| v.outcome == Outcome::Applied),
        "{verdicts:?}"
    );

    // Edits of the draft made offline on her other laptop arrive after it
    // was sent: a new line, a quantity, the terms, a deletion.
    let late_line = line("2");
    let late_qty = ana.op(
        EntityKind::QuoteLine,
        first.record_id,
        OpKind::Update,
        &[("quantity", json!("1"), json!("5"))],
        NOW,
    );
    let late_terms = ana.op(
        EntityKind::Quote,
        quote.record_id,
        OpKind::Update,
        &[("terms", Value::Null, json!("50 % upfront"))],
        NOW,
    );
    let late_delete = ana.delete(EntityKind::QuoteLine, first.record_id, &first.hlc, NOW);
    for verdict in ana.push(db, &[late_line, late_qty, late_terms, late_delete]) {
        assert_eq!(
            code(&verdict),
            (Outcome::Rejected, Some(codes::DOCUMENT_LOCKED))
        );
        assert_eq!(verdict.params.get("number"), Some(&json!("Q3-00001")));
    }
    assert_eq!(stored(db, first.record_id).data["quantity"], json!("1"));
    assert!(!stored(db, first.record_id).deleted);
    // Its status still moves: the customer accepts.
    assert_eq!(
        code(&ana.push_one(db, &status("sent", "accepted"))),
        (Outcome::Applied, None)
    );
    assert_eq!(
        stored(db, quote.record_id).data["status"],
        json!("accepted")
    );
}
