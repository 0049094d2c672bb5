//! Conversion between canonical field values (JSON) and SQLite values.

use crm_domain::{Id, schema::Storage};
use rusqlite::types::{Value as Sql, ValueRef};
use serde_json::Value;
use uuid::Uuid;

/// The SQL value that stores canonical `value` in a column of `storage`.
pub fn to_sql(storage: Storage, value: &Value) -> Sql {
    match (storage, value) {
        (_, Value::Null) => Sql::Null,
        (Storage::Uuid, Value::String(s)) => Uuid::parse_str(s)
            .map(|u| Sql::Blob(u.as_bytes().to_vec()))
            .unwrap_or(Sql::Null),
        (Storage::JsonList | Storage::Json, v) => Sql::Text(v.to_string()),
        (_, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (_, Value::Number(n)) => n.as_i64().map_or(Sql::Null, Sql::Integer),
        (_, Value::String(s)) => Sql::Text(s.clone()),
        (_, v) => Sql::Text(v.to_string()),
    }
}

/// The canonical value held in a column of `storage`.
pub fn from_sql(storage: Storage, value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => match storage {
            Storage::JsonList => Value::Array(vec![]),
            _ => Value::Null,
        },
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t);
            match storage {
                Storage::JsonList => serde_json::from_str(&text).unwrap_or(Value::Array(vec![])),
                Storage::Json => {
                    serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
                }
                _ => Value::String(text.into_owned()),
            }
        }
        ValueRef::Blob(b) => match Uuid::from_slice(b) {
            Ok(u) => Value::String(u.to_string()),
            Err(_) => Value::Null,
        },
    }
}

/// The canonical value of a field held in SQL: as [`from_sql`], and yes/no
/// fields (held as 0/1) as `true`/`false`.
pub fn field_from_sql(def: &crm_domain::FieldDef, value: ValueRef<'_>) -> Value {
    match (def.ty, from_sql(def.ty.storage(), value)) {
        (crm_domain::FieldType::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        (_, v) => v,
    }
}

/// The columns of a queued op, in the order [`op_from_row`] reads them (the
/// outbox and the refused ops keep the same ones).
pub const OP_COLUMNS: &str =
    "device_seq, op_id, entity, record_id, kind, fields, hlc, author_id, schema_version";

/// A queued op from a row whose first columns are [`OP_COLUMNS`].
pub fn op_from_row(r: &rusqlite::Row<'_>, device_id: Id) -> rusqlite::Result<crm_domain::Op> {
    let bad = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    let entity: String = r.get(2)?;
    let kind: String = r.get(4)?;
    let fields: String = r.get(5)?;
    let hlc: String = r.get(6)?;
    Ok(crm_domain::Op {
        device_seq: r.get(0)?,
        op_id: Id(r.get(1)?),
        entity: entity.parse().map_err(|_| bad(2, entity.clone()))?,
        record_id: Id(r.get(3)?),
        kind: kind.parse().map_err(|e| bad(4, e))?,
        fields: serde_json::from_str(&fields).map_err(|e| bad(5, e.to_string()))?,
        hlc: hlc.parse().map_err(|_| bad(6, hlc.clone()))?,
        author_id: Id(r.get(7)?),
        schema_version: r.get(8)?,
        device_id,
    })
}

/// An id held in canonical form, if it is one.
pub fn id_of(value: &Value) -> Option<Id> {
    value.as_str().and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_values_round_trip_through_sql() {
        let id = Id::new().to_string();
        let cases = [
            (Storage::Text, json!("北京")),
            (Storage::Integer, json!(1_200_050)),
            (Storage::JsonList, json!(["vip", "重点"])),
            (Storage::Uuid, json!(id)),
            (Storage::Text, Value::Null),
        ];
        for (storage, value) in cases {
            let sql = to_sql(storage, &value);
            let back = from_sql(storage, ValueRef::from(&sql));
            assert_eq!(back, value, "{storage:?}");
        }
    }
}
