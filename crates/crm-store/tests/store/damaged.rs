//! A record this build cannot read (a value written by an old bug, or by a
//! newer app) is left out of lists and counted; it never fails a list.

use crm_domain::EntityKind;
use crm_store::{RecordQuery, StoreError};
use serde_json::json;

use crate::{Fixture, account, id_value, insert};

#[test]
fn one_damaged_deal_does_not_fail_the_lists_that_hold_it() {
    let mut fx = Fixture::create();
    let s = &mut fx.store;
    let acme = account(s, "Acme");
    let deal = |s: &mut crm_store::Store, name: &str| {
        insert(
            s,
            EntityKind::Opportunity,
            &[
                ("account_id", id_value(acme)),
                ("name", json!(name)),
                ("amount", json!(1000)),
                ("currency", json!("EUR")),
            ],
        )
    };
    let good = deal(s, "Renewal");
    let bad = deal(s, "Expansion");
    s.conn()
        .execute(
            "UPDATE opportunities SET currency = 'XXQ' WHERE id = ?1",
            [bad.0],
        )
        .unwrap();

    let listed = s.opportunities(None, 50).expect("the list still reads");
    assert_eq!(
        listed.iter().map(|o| o.id).collect::<Vec<_>>(),
        [good],
        "the damaged deal is left out"
    );
    assert_eq!(s.take_unreadable(), 1, "and counted, to be told");
    assert_eq!(s.take_unreadable(), 0, "once");
    let view = s.account_view(acme, 10).expect("the account page reads");
    assert_eq!(view.open_opportunities.len(), 1);
    assert_eq!(s.take_unreadable(), 1);

    let page = s
        .records(EntityKind::Opportunity, &RecordQuery::default())
        .expect("the generic list reads too");
    assert!(page.rows.iter().any(|r| r.id == good));
    assert!(
        matches!(s.opportunity(bad), Err(StoreError::Damaged(_))),
        "opening it says what is wrong with it, in a code"
    );
}
