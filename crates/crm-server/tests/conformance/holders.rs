//! Cases follow their account's book plus their owner: the engineer a case
//! is given to, and the support staff and manager of its team, hold it and
//! what hangs under it (its events, replies and surveys) without holding
//! the account; handing it on moves all of that, and the old holders lose
//! it. An older laptop sees a support engineer as a rep.

use crm_domain::{EntityKind, Id, OpKind};
use crm_protocol::{Change, Outcome, codes};
use crm_server::backend::Backend;
use serde_json::json;

use crate::support::{Laptop, MINUTE, NOW, Team, conformance, removed, stored, upserted};

conformance!(db:
    support_staff_hold_the_cases_given_to_them_and_their_team,
    a_case_handed_to_another_team_leaves_the_old_holders,
    an_older_laptop_sees_support_staff_as_reps,
);

/// Ana's team (north), and a service team: Sam and Sue (support), Mo (its
/// manager); Sid does support in the south.
struct Desk {
    team: Team,
    sam: Laptop,
    sue: Laptop,
    mo: Laptop,
    sid: Laptop,
}

fn desk(db: &impl Backend) -> Desk {
    Desk {
        team: Team::create(db),
        sam: Team::join(db, "sam@example.com", "sam", "support", Some("service"), 6),
        sue: Team::join(db, "sue@example.com", "sue", "support", Some("service"), 7),
        mo: Team::join(db, "mo@example.com", "mo", "manager", Some("service"), 8),
        sid: Team::join(db, "sid@example.com", "sid", "support", Some("south"), 9),
    }
}

/// Ana's account and contact, and a case on it given to `owner` (with its
/// first status move): ids of the account, contact, case and event.
fn case_for(db: &impl Backend, desk: &Desk, owner: &Laptop) -> [Id; 4] {
    let ana = &desk.team.ana;
    let account = ana.insert(EntityKind::Account, &[("name", json!("深圳水务"))], NOW);
    let contact = ana.insert(
        EntityKind::Contact,
        &[
            ("account_id", json!(account.record_id.to_string())),
            ("name", json!("王工")),
        ],
        NOW,
    );
    let case = ana.insert(
        EntityKind::Case,
        &[
            ("account_id", json!(account.record_id.to_string())),
            ("contact_id", json!(contact.record_id.to_string())),
            ("subject", json!("水泵漏水")),
            ("status", json!("new")),
            ("opened_at", json!(NOW)),
            ("number", json!("C3-00001")),
            ("owner_id", json!(owner.user.id.to_string())),
        ],
        NOW,
    );
    let event = ana.insert(
        EntityKind::CaseEvent,
        &[
            ("case_id", json!(case.record_id.to_string())),
            ("kind", json!("status")),
            ("at", json!(NOW + MINUTE)),
            ("from_status", json!("new")),
            ("to_status", json!("in_progress")),
        ],
        NOW + MINUTE,
    );
    let ids = [
        account.record_id,
        contact.record_id,
        case.record_id,
        event.record_id,
    ];
    let verdicts = ana.push(db, &[account, contact, case, event]);
    assert!(
        verdicts.iter().all(|v| v.outcome == Outcome::Applied),
        "a rep gives a case on her account to support staff of another team: {verdicts:?}"
    );
    ids
}

fn reply(who: &Laptop, case: Id, account: Id, at: i64) -> crm_domain::Op {
    who.insert(
        EntityKind::Interaction,
        &[
            ("kind", json!("email")),
            ("direction", json!("outbound")),
            ("occurred_at", json!(at)),
            ("subject", json!("请更换机械密封")),
            ("account_id", json!(account.to_string())),
            ("case_id", json!(case.to_string())),
            ("author_id", json!(who.user.id.to_string())),
        ],
        at,
    )
}

fn pulled(db: &impl Backend, who: &Laptop, cursor: i64) -> (Vec<Id>, Vec<Id>, i64) {
    let (changes, next): (Vec<Change>, i64) = who.pull_all(db, cursor);
    (upserted(&changes), removed(&changes), next)
}

fn support_staff_hold_the_cases_given_to_them_and_their_team(db: &impl Backend) {
    let desk = desk(db);
    let [account, contact, case, event] = case_for(db, &desk, &desk.sam);
    let (sam_has, _, _) = pulled(db, &desk.sam, 0);
    assert!(
        sam_has.contains(&case) && sam_has.contains(&event),
        "the engineer holds the case and its history"
    );
    assert!(
        !sam_has.contains(&account) && !sam_has.contains(&contact),
        "but not the account or its people: they stay in Ana's book"
    );
    for (who, why) in [
        (&desk.sue, "support staff of the case's team"),
        (&desk.mo, "the service team's manager"),
        (&desk.team.manager, "Ana's manager (the account's book)"),
        (&desk.team.ana, "the account's owner"),
    ] {
        let (has, _, _) = pulled(db, who, 0);
        assert!(has.contains(&case) && has.contains(&event), "{why} sees it");
    }
    for (who, why) in [
        (&desk.sid, "support staff of another team"),
        (&desk.team.ben, "a rep of Ana's team"),
        (&desk.team.cy, "a rep of another team"),
    ] {
        let (has, _, _) = pulled(db, who, 0);
        assert!(!has.contains(&case), "{why} does not");
    }

    // Sam answers the case: the reply names the account he does not hold,
    // reached through the case he does.
    let (_, _, ana_at) = pulled(db, &desk.team.ana, 0);
    let (_, _, sue_at) = pulled(db, &desk.sue, 0);
    let answer = reply(&desk.sam, case, account, NOW + 10 * MINUTE);
    let answered = answer.record_id;
    let v = desk.sam.push_one(db, &answer);
    assert_eq!(v.outcome, Outcome::Applied, "{v:?}");
    assert_eq!(stored(db, answered).parent_id, Some(case), "under the case");
    let (ana_has, _, _) = pulled(db, &desk.team.ana, ana_at);
    assert!(
        ana_has.contains(&answered),
        "the reply is in Ana's timeline"
    );
    let (sue_has, _, _) = pulled(db, &desk.sue, sue_at);
    assert!(sue_has.contains(&answered), "and the service team's");
    let (ben_has, _, _) = pulled(db, &desk.team.ben, 0);
    assert!(!ben_has.contains(&answered));

    // He may not reach the account other than through the case.
    let stray = desk.sam.insert(
        EntityKind::Interaction,
        &[
            ("kind", json!("note")),
            ("occurred_at", json!(NOW)),
            ("subject", json!("顺便看看")),
            ("account_id", json!(account.to_string())),
        ],
        NOW + 11 * MINUTE,
    );
    let refused = desk.sam.push_one(db, &stray);
    assert_eq!(
        (refused.outcome, refused.code.as_deref()),
        (Outcome::Rejected, Some(codes::PARENT_OUT_OF_SCOPE)),
        "a note on the account without the case"
    );
    let own_case = desk.sam.insert(
        EntityKind::Case,
        &[
            ("account_id", json!(account.to_string())),
            ("subject", json!("另一个问题")),
            ("status", json!("new")),
            ("opened_at", json!(NOW)),
            ("number", json!("C6-00001")),
        ],
        NOW + 12 * MINUTE,
    );
    let refused = desk.sam.push_one(db, &own_case);
    assert_eq!(
        (refused.outcome, refused.code.as_deref()),
        (Outcome::Rejected, Some(codes::PARENT_OUT_OF_SCOPE)),
        "a case of his own on an account he does not hold"
    );
    // Nor write another case's reply under an account the case is not on.
    let other_account = desk
        .team
        .ana
        .insert(EntityKind::Account, &[("name", json!("Otra"))], NOW);
    let other = other_account.record_id;
    assert_eq!(
        desk.team.ana.push_one(db, &other_account).outcome,
        Outcome::Applied
    );
    let crossed = reply(&desk.sam, case, other, NOW + 13 * MINUTE);
    assert_eq!(
        desk.sam.push_one(db, &crossed).code.as_deref(),
        Some(codes::PARENT_OUT_OF_SCOPE),
        "a reply naming an account its case is not about"
    );

    // Sue, in Sam's team, works the case too: she raises its priority.
    let raise = desk.sue.op(
        EntityKind::Case,
        case,
        OpKind::Update,
        &[("priority", json!("normal"), json!("high"))],
        NOW + 14 * MINUTE,
    );
    assert_eq!(desk.sue.push_one(db, &raise).outcome, Outcome::Applied);
    // Sid, in the south, may not.
    let meddle = desk.sid.op(
        EntityKind::Case,
        case,
        OpKind::Update,
        &[("priority", json!("high"), json!("low"))],
        NOW + 15 * MINUTE,
    );
    assert_eq!(
        desk.sid.push_one(db, &meddle).code.as_deref(),
        Some(codes::OUT_OF_SCOPE)
    );
}

fn a_case_handed_to_another_team_leaves_the_old_holders(db: &impl Backend) {
    let desk = desk(db);
    let [account, _, case, event] = case_for(db, &desk, &desk.sam);
    let answer = reply(&desk.sam, case, account, NOW + 10 * MINUTE);
    let answered = answer.record_id;
    assert_eq!(desk.sam.push_one(db, &answer).outcome, Outcome::Applied);
    let (_, _, sam_at) = pulled(db, &desk.sam, 0);
    let (_, _, sue_at) = pulled(db, &desk.sue, 0);
    let (_, _, mo_at) = pulled(db, &desk.mo, 0);
    let (_, _, sid_at) = pulled(db, &desk.sid, 0);
    let (_, _, ana_at) = pulled(db, &desk.team.ana, 0);

    // Ana gives the case to Sid's team in the south.
    let hand = desk.team.ana.op(
        EntityKind::Case,
        case,
        OpKind::Update,
        &[(
            "owner_id",
            json!(desk.sam.user.id.to_string()),
            json!(desk.sid.user.id.to_string()),
        )],
        NOW + 20 * MINUTE,
    );
    let v = desk.team.ana.push_one(db, &hand);
    assert_eq!(v.outcome, Outcome::Applied, "{v:?}");
    let held = [case, event, answered];
    for (who, at, why) in [
        (&desk.sam, sam_at, "Sam, who held it"),
        (&desk.sue, sue_at, "his team"),
        (&desk.mo, mo_at, "their manager"),
    ] {
        let (has, gone, _) = pulled(db, who, at);
        for id in held {
            assert!(
                gone.contains(&id) && !has.contains(&id),
                "{why} loses the case, its history and its replies"
            );
        }
    }
    let (sid_has, _, _) = pulled(db, &desk.sid, sid_at);
    for id in held {
        assert!(sid_has.contains(&id), "Sid gets all of it");
    }
    let (ana_has, ana_gone, _) = pulled(db, &desk.team.ana, ana_at);
    assert!(
        ana_has.contains(&case) && ana_gone.is_empty(),
        "the account's owner keeps it"
    );

    // A rep may not give a case to a rep of another team (only to support
    // staff): it would put it in a book she does not write.
    let to_cy = desk.team.ana.op(
        EntityKind::Case,
        case,
        OpKind::Update,
        &[(
            "owner_id",
            json!(desk.sid.user.id.to_string()),
            json!(desk.team.cy.user.id.to_string()),
        )],
        NOW + 21 * MINUTE,
    );
    assert_eq!(
        desk.team.ana.push_one(db, &to_cy).code.as_deref(),
        Some(codes::HAND_OVER_REFUSED)
    );
}

fn an_older_laptop_sees_support_staff_as_reps(db: &impl Backend) {
    let desk = desk(db);
    let role_of = |schema: u32| {
        let page = desk.team.ana.pull_as(db, schema, 0, 1000);
        page.changes
            .iter()
            .find_map(|c| match c {
                Change::Upsert(state) if state.id == desk.sam.user.id => {
                    Some(state.fields["role"].clone())
                }
                _ => None,
            })
            .expect("the directory lists Sam")
    };
    assert_eq!(
        role_of(crm_domain::change::SCHEMA_VERSION),
        json!("support")
    );
    assert_eq!(
        role_of(4),
        json!("rep"),
        "a laptop that predates the role would refuse the value"
    );
}
