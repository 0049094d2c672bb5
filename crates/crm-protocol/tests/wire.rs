//! The wire shapes as released. Each snapshot is the JSON a released peer
//! sends or expects; this build must read every one of them unchanged and
//! write the same JSON back, or an older laptop or server stops syncing.
//! A snapshot is never edited once released: a new shape is a new snapshot.

use std::collections::BTreeMap;

use crm_domain::{EntityKind, FieldChange, Hlc, Id, Op, OpKind};
use crm_protocol::{
    Change, ErrorBody, FetchRequest, FetchResponse, LoginRequest, MeResponse, Open, Outcome,
    PullQuery, PullResponse, PushRequest, PushResponse, RecordState, RenewRequest, RenewResponse,
    Verdict,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

const OP_ID: &str = "01900000-0000-7000-8000-000000000001";
const DEVICE: &str = "01900000-0000-7000-8000-000000000002";
const RECORD: &str = "01900000-0000-7000-8000-000000000003";
const USER: &str = "01900000-0000-7000-8000-000000000004";
const HLC: &str = "001700000000000-00000-0000000000000002";

/// Release 1's op: an account's phone changed.
fn op_v1() -> Value {
    json!({
        "op_id": OP_ID,
        "device_id": DEVICE,
        "device_seq": 7,
        "entity": "account",
        "record_id": RECORD,
        "kind": "update",
        "fields": {"phone": {"base": null, "new": "+86 10 8888 9999"}},
        "hlc": HLC,
        "author_id": USER,
        "schema_version": 1
    })
}

fn op() -> Op {
    Op {
        op_id: OP_ID.parse().unwrap(),
        device_id: DEVICE.parse().unwrap(),
        device_seq: 7,
        entity: EntityKind::Account,
        record_id: RECORD.parse().unwrap(),
        kind: OpKind::Update,
        fields: BTreeMap::from([(
            "phone".to_owned(),
            FieldChange {
                base: Value::Null,
                new: json!("+86 10 8888 9999"),
            },
        )]),
        hlc: HLC.parse::<Hlc>().unwrap(),
        author_id: USER.parse().unwrap(),
        schema_version: 1,
    }
}

fn state_v1() -> Value {
    json!({
        "entity": "account",
        "id": RECORD,
        "fields": {"name": "北京星辰科技有限公司", "phone": "+86 10 8888 9999"},
        "deleted": false,
        "hlc": HLC,
        "changed_by": USER,
        "created_by": USER,
        "change_seq": 42
    })
}

fn state() -> RecordState {
    RecordState {
        entity: EntityKind::Account,
        id: RECORD.parse().unwrap(),
        fields: BTreeMap::from([
            ("name".to_owned(), json!("北京星辰科技有限公司")),
            ("phone".to_owned(), json!("+86 10 8888 9999")),
        ]),
        deleted: false,
        hlc: HLC.parse().unwrap(),
        changed_by: Some(USER.parse().unwrap()),
        created_by: Some(USER.parse().unwrap()),
        change_seq: 42,
    }
}

/// `snapshot` reads as `value` and `value` writes as `snapshot`.
fn both_ways<T: Serialize + DeserializeOwned + std::fmt::Debug>(snapshot: &Value, value: &T) {
    let read: T = serde_json::from_value(snapshot.clone())
        .unwrap_or_else(|e| panic!("the released shape must read: {e}\n{snapshot:#}"));
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        *snapshot,
        "read and written back unchanged"
    );
    assert_eq!(
        serde_json::to_value(value).unwrap(),
        *snapshot,
        "this build writes the released shape"
    );
}

#[test]
fn release_1_push_request_and_answer() {
    both_ways(
        &json!({ "ops": [op_v1()] }),
        &PushRequest {
            ops: vec![Open::Known(op())],
        },
    );
    let verdicts = json!({
        "verdicts": [
            {"op_id": OP_ID, "device_seq": 7, "outcome": "applied"},
            {"op_id": OP_ID, "device_seq": 8, "outcome": "merged", "code": "superseded",
             "message": "a newer edit of phone won", "state": state_v1()},
            {"op_id": OP_ID, "device_seq": 9, "outcome": "rejected", "code": "server_too_old",
             "message": "this server does not know quote records yet"},
            {"op_id": OP_ID, "device_seq": 10, "outcome": "duplicate"},
            {"op_id": OP_ID, "device_seq": 11, "outcome": "conflict", "code": "conflict", "message": "m"}
        ],
        "server_time_ms": 1_700_000_000_000_i64
    });
    let read: PushResponse = serde_json::from_value(verdicts.clone()).unwrap();
    assert_eq!(read.verdicts[1].state, Some(Open::Known(state())));
    assert_eq!(read.verdicts[2].outcome, Outcome::Rejected);
    assert_eq!(serde_json::to_value(&read).unwrap(), verdicts);
    let one = Verdict {
        op_id: OP_ID.parse().unwrap(),
        device_seq: 7,
        outcome: Outcome::Applied,
        code: None,
        message: None,
        params: Default::default(),
        state: None,
    };
    assert_eq!(serde_json::to_value(&one).unwrap(), verdicts["verdicts"][0]);
}

/// Verdicts with parameters (a value too large: which field, what limit)
/// and the verdict on a reused sequence number are released shapes plus
/// optional parts: a released laptop reads them (the params ignored, a
/// reused number as an ordinary refusal, kept visible), and a released
/// server's verdicts without params read here.
#[test]
fn verdict_params_and_seq_reused_read_in_both_directions() {
    let answer = json!({
        "verdicts": [
            {"op_id": OP_ID, "device_seq": 7, "outcome": "rejected", "code": "field_too_large",
             "message": "account.notes is larger than 65536 bytes",
             "params": {"field": "notes", "limit": 65536}},
            {"op_id": OP_ID, "device_seq": 8, "outcome": "rejected", "code": "seq_reused",
             "message": "m"}
        ],
        "server_time_ms": 1
    });
    let read: PushResponse = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(read.verdicts[0].params["field"], json!("notes"));
    assert_eq!(read.verdicts[0].params["limit"], json!(65536));
    assert!(read.verdicts[1].params.is_empty());
    assert_eq!(read.verdicts[1].outcome, Outcome::Rejected);
    assert_eq!(serde_json::to_value(&read).unwrap(), answer);
    // What a released laptop's types (no `params`) make of it: the same
    // outcome and code, the rest ignored.
    #[derive(serde::Deserialize)]
    struct ReleasedVerdict {
        outcome: Outcome,
        code: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct ReleasedAnswer {
        verdicts: Vec<ReleasedVerdict>,
    }
    let old: ReleasedAnswer = serde_json::from_value(answer).unwrap();
    assert_eq!(old.verdicts[1].outcome, Outcome::Rejected);
    assert_eq!(old.verdicts[1].code.as_deref(), Some("seq_reused"));
    let renew: RenewRequest = serde_json::from_value(json!({"device_id": OP_ID})).unwrap();
    assert_eq!(renew.device_id.to_string(), OP_ID);
    let renewed: RenewResponse = serde_json::from_value(json!({"token": "t"})).unwrap();
    assert_eq!(renewed.token, "t");
}

#[test]
fn release_1_pull_page() {
    let page = json!({
        "changes": [
            {"type": "upsert", "entity": "account", "id": RECORD,
             "fields": {"name": "北京星辰科技有限公司", "phone": "+86 10 8888 9999"},
             "deleted": false, "hlc": HLC, "changed_by": USER, "created_by": USER, "change_seq": 42},
            {"type": "remove", "entity": "contact", "id": RECORD, "change_seq": 43}
        ],
        "cursor": 43,
        "more": false,
        "resync": false
    });
    both_ways(
        &page,
        &PullResponse {
            changes: vec![
                Open::Known(Change::Upsert(state())),
                Open::Known(Change::Remove {
                    entity: EntityKind::Contact,
                    id: RECORD.parse().unwrap(),
                    change_seq: 43,
                }),
            ],
            cursor: 43,
            more: false,
            resync: false,
            lease: None,
        },
    );
    // Release 1 sent no `resync` on ordinary pages' older servers.
    let mut without = page.clone();
    without.as_object_mut().unwrap().remove("resync");
    let read: PullResponse = serde_json::from_value(without).unwrap();
    assert!(!read.resync);
    let query: PullQuery = serde_json::from_value(json!({"cursor": 5})).unwrap();
    assert_eq!((query.cursor, query.limit), (5, 1_000));
}

#[test]
fn one_change_of_a_kind_this_build_does_not_know_never_fails_the_page() {
    let page = json!({
        "changes": [
            {"type": "upsert", "entity": "kind_from_the_future", "id": RECORD,
             "fields": {"quantity": "2.5"}, "deleted": false, "hlc": HLC,
             "changed_by": USER, "created_by": USER, "change_seq": 41},
            state_v1().as_object().unwrap().clone().into_iter()
                .chain([("type".to_owned(), json!("upsert"))]).collect::<serde_json::Map<_, _>>(),
            {"type": "remove", "entity": "another_future_kind", "id": RECORD, "change_seq": 43}
        ],
        "cursor": 43,
        "more": false,
        "resync": false
    });
    let read: PullResponse = serde_json::from_value(page.clone()).expect("the page reads");
    assert!(matches!(read.changes[0], Open::Unknown(_)));
    assert_eq!(
        read.changes[0].unknown_entity(),
        Some("kind_from_the_future")
    );
    assert_eq!(read.changes[1], Open::Known(Change::Upsert(state())));
    assert!(matches!(read.changes[2], Open::Unknown(_)));
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        page,
        "kept as it came"
    );
    // A newer field on a known kind is just one more entry: it reads, and
    // is carried along untouched.
    let mut newer = state_v1();
    newer["fields"]["loyalty_level"] = json!("gold");
    let read: RecordState = serde_json::from_value(newer).unwrap();
    assert_eq!(read.fields["loyalty_level"], json!("gold"));

    // A push naming a kind the server does not know reads too.
    let mut unknown = op_v1();
    unknown["entity"] = json!("purchase_order");
    let push: PushRequest =
        serde_json::from_value(json!({ "ops": [op_v1(), unknown] })).expect("the push reads");
    assert_eq!(push.ops[0], Open::Known(op()));
    assert_eq!(push.ops[1].unknown_entity(), Some("purchase_order"));
}

#[test]
fn release_1_login_me_fetch_and_errors() {
    let login = json!({
        "email": "ana@example.com", "password": "pw", "device_id": DEVICE, "device_name": "laptop"
    });
    let read: LoginRequest = serde_json::from_value(login.clone()).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), login);

    let user = json!({
        "id": USER, "name": "Ana Méndez", "email": "ana@example.com", "role": "rep",
        "team": "North", "active": true
    });
    // Release 1's `me` said nothing of the schema: version 1.
    let me_v1 = json!({ "user": user, "device_id": DEVICE, "server_time_ms": 5 });
    let me: MeResponse = serde_json::from_value(me_v1).unwrap();
    assert_eq!(me.schema_version, 1);
    let me_v2 =
        json!({ "user": user, "device_id": DEVICE, "server_time_ms": 5, "schema_version": 2 });
    let me: MeResponse = serde_json::from_value(me_v2.clone()).unwrap();
    assert_eq!(serde_json::to_value(&me).unwrap(), me_v2);

    both_ways(
        &json!({ "ids": [RECORD] }),
        &FetchRequest {
            ids: vec![RECORD.parse::<Id>().unwrap()],
        },
    );
    both_ways(
        &json!({ "records": [state_v1()] }),
        &FetchResponse {
            records: vec![Open::Known(state())],
        },
    );
    let error = json!({"error": {"code": "server_too_old", "message": "update the server"}});
    let read: ErrorBody = serde_json::from_value(error.clone()).unwrap();
    assert_eq!(read.error.code, "server_too_old");
    assert_eq!(serde_json::to_value(&read).unwrap(), error);
}

#[test]
fn the_schema_header_of_a_peer_that_says_nothing_is_the_first_release() {
    assert_eq!(crm_protocol::schema_of(None), 1);
    assert_eq!(crm_protocol::schema_of(Some("2")), 2);
    assert_eq!(crm_protocol::schema_of(Some(" 3 ")), 3);
    assert_eq!(crm_protocol::schema_of(Some("0")), 1);
    assert_eq!(crm_protocol::schema_of(Some("soon")), 1);
}
