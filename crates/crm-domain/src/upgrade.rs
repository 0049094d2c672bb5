//! Moving ops and records between synced-schema versions.
//!
//! A version adds kinds and fields (each description says `since` which) and
//! may change the meaning of a value (a renamed choice). A peer always gets
//! what its version knows: the server upgrades ops written against the
//! previous version with the steps below, and presents records to an older
//! laptop without the kinds and fields it does not know and with later
//! changes undone. A laptop stamps each op with the oldest version that can
//! carry it, so an older server still takes every op it can understand.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{change::Op, schema::EntityKind};

/// One change of meaning between a version and the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A choice value of a field was renamed.
    RenameChoice {
        /// The kind of record.
        entity: EntityKind,
        /// The field.
        field: &'static str,
        /// The value before the version.
        old: &'static str,
        /// The value from the version on.
        new: &'static str,
    },
    /// A choice value was added; older peers, which would refuse it, are
    /// shown the nearest value they know instead (a `support` user is a
    /// `rep` to a laptop that predates the role). Nothing older ever sends
    /// the new value, so ops need no upgrade.
    AddChoice {
        /// The kind of record.
        entity: EntityKind,
        /// The field.
        field: &'static str,
        /// The value added.
        value: &'static str,
        /// What older peers are shown.
        shown_as: &'static str,
    },
}

/// A step and the version that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgrade {
    /// The version that introduced the change.
    pub version: u32,
    /// What changed.
    pub step: Step,
}

/// The registry of changes of meaning, oldest first. Versions that only add
/// kinds and fields need no entry: their `since` marks say it all. (Version 2
/// added exchange rates and the account's tier, version 3 planned activities.)
pub const UPGRADES: &[Upgrade] = &[Upgrade {
    version: 5,
    step: Step::AddChoice {
        entity: EntityKind::User,
        field: "role",
        value: "support",
        shown_as: "rep",
    },
}];

impl Step {
    fn touches(&self, kind: EntityKind, name: &str) -> bool {
        match self {
            Step::RenameChoice { entity, field, .. } | Step::AddChoice { entity, field, .. } => {
                *entity == kind && *field == name
            }
        }
    }

    fn forward(&self, kind: EntityKind, name: &str, value: &mut Value) {
        match self {
            Step::RenameChoice { old, new, .. } => {
                if self.touches(kind, name) && value.as_str() == Some(old) {
                    *value = Value::String((*new).to_owned());
                }
            }
            Step::AddChoice { .. } => {}
        }
    }

    fn backward(&self, kind: EntityKind, name: &str, value: &mut Value) {
        match self {
            Step::RenameChoice { old, new, .. } => {
                if self.touches(kind, name) && value.as_str() == Some(new) {
                    *value = Value::String((*old).to_owned());
                }
            }
            Step::AddChoice {
                value: added,
                shown_as,
                ..
            } => {
                if self.touches(kind, name) && value.as_str() == Some(added) {
                    *value = Value::String((*shown_as).to_owned());
                }
            }
        }
    }
}

/// The oldest synced-schema version that can carry an op of `entity`
/// changing `fields`: the kind's, the fields', and any step that changed
/// the meaning of one of them.
pub fn version_needed<'a>(
    entity: EntityKind,
    fields: impl IntoIterator<Item = &'a str>,
    steps: &[Upgrade],
) -> u32 {
    let mut version = entity.entity().since;
    for name in fields {
        if let Some(def) = entity.field(name) {
            version = version.max(def.since);
        }
        for u in steps.iter().filter(|u| u.step.touches(entity, name)) {
            version = version.max(u.version);
        }
    }
    version
}

/// Bring an op written against an older version up to this build's.
pub fn upgrade_op(op: &mut Op, steps: &[Upgrade]) {
    for u in steps.iter().filter(|u| u.version > op.schema_version) {
        for (name, change) in &mut op.fields {
            u.step.forward(op.entity, name, &mut change.base);
            u.step.forward(op.entity, name, &mut change.new);
        }
    }
}

/// A record's fields as a peer speaking `version` knows them: fields it does
/// not know are left out (so its edits can never erase them), and changes of
/// meaning after its version are undone.
pub fn downgrade_fields(
    entity: EntityKind,
    fields: &mut BTreeMap<String, Value>,
    version: u32,
    steps: &[Upgrade],
) {
    fields.retain(|name, _| entity.field(name).is_none_or(|d| d.since <= version));
    for u in steps.iter().rev().filter(|u| u.version > version) {
        for (name, value) in fields.iter_mut() {
            u.step.backward(entity, name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{FieldChange, Hlc, Id, OpKind};

    /// A real kind of change: version 3 renames the postal channel from
    /// "mail" (easily read as email) to "post".
    const RENAME: &[Upgrade] = &[Upgrade {
        version: 3,
        step: Step::RenameChoice {
            entity: EntityKind::Contact,
            field: "preferred_channel",
            old: "mail",
            new: "post",
        },
    }];

    fn op(version: u32, value: &str) -> Op {
        Op {
            op_id: Id::new(),
            device_id: Id::new(),
            device_seq: 1,
            entity: EntityKind::Contact,
            record_id: Id::new(),
            kind: OpKind::Update,
            fields: BTreeMap::from([(
                "preferred_channel".to_owned(),
                FieldChange {
                    base: json!("email"),
                    new: json!(value),
                },
            )]),
            hlc: Hlc::zero("laptop"),
            author_id: Id::new(),
            schema_version: version,
        }
    }

    #[test]
    fn an_op_of_the_version_before_a_rename_is_upgraded_and_a_newer_one_is_not() {
        let mut old = op(2, "mail");
        upgrade_op(&mut old, RENAME);
        assert_eq!(old.fields["preferred_channel"].new, json!("post"));
        assert_eq!(old.fields["preferred_channel"].base, json!("email"));
        // Written at version 3, "mail" would be a value no one knows; it is
        // left for the field check to refuse, not silently rewritten.
        let mut new = op(3, "mail");
        upgrade_op(&mut new, RENAME);
        assert_eq!(new.fields["preferred_channel"].new, json!("mail"));
    }

    #[test]
    fn an_older_peer_gets_the_old_value_back_and_never_sees_newer_fields() {
        let mut fields = BTreeMap::from([
            ("preferred_channel".to_owned(), json!("post")),
            ("name".to_owned(), json!("Ana")),
        ]);
        downgrade_fields(EntityKind::Contact, &mut fields, 2, RENAME);
        assert_eq!(fields["preferred_channel"], json!("mail"));
        let mut fields = BTreeMap::from([("preferred_channel".to_owned(), json!("post"))]);
        downgrade_fields(EntityKind::Contact, &mut fields, 3, RENAME);
        assert_eq!(fields["preferred_channel"], json!("post"), "same version");

        let mut account = BTreeMap::from([
            ("name".to_owned(), json!("Acme")),
            ("tier".to_owned(), json!("key")),
        ]);
        downgrade_fields(EntityKind::Account, &mut account, 1, UPGRADES);
        assert!(!account.contains_key("tier"), "tier came in version 2");
        assert_eq!(account["name"], json!("Acme"));
    }

    #[test]
    fn an_op_is_stamped_with_the_oldest_version_that_can_carry_it() {
        let account = EntityKind::Account;
        assert_eq!(version_needed(account, ["phone"], UPGRADES), 1);
        assert_eq!(version_needed(account, ["phone", "tier"], UPGRADES), 2);
        assert_eq!(
            version_needed(EntityKind::ExchangeRate, ["rate"], UPGRADES),
            2
        );
        assert_eq!(
            version_needed(EntityKind::Contact, ["preferred_channel"], RENAME),
            3,
            "a renamed value means nothing to a peer before the rename"
        );
        assert_eq!(version_needed(EntityKind::Contact, ["name"], RENAME), 1);
        // A plain to-do stays an op every server takes; a plan needs 3.
        let task = EntityKind::Task;
        assert_eq!(
            version_needed(task, ["title", "due_date", "assignee_id"], UPGRADES),
            1
        );
        assert_eq!(version_needed(task, ["title", "activity"], UPGRADES), 3);
        assert_eq!(version_needed(task, ["done_at"], UPGRADES), 1);
    }

    #[test]
    fn an_added_role_is_shown_to_older_peers_as_the_nearest_one_they_know() {
        let user = |role: &str| BTreeMap::from([("role".to_owned(), json!(role))]);
        for (version, expected) in [(4, "rep"), (5, "support")] {
            let mut fields = user("support");
            downgrade_fields(EntityKind::User, &mut fields, version, UPGRADES);
            assert_eq!(fields["role"], json!(expected), "version {version}");
        }
        let mut manager = user("manager");
        downgrade_fields(EntityKind::User, &mut manager, 4, UPGRADES);
        assert_eq!(manager["role"], json!("manager"), "other roles stay");
        assert!(
            crate::schema::ROLES.contains(&"support"),
            "and the new value is one the field takes"
        );
    }
}
