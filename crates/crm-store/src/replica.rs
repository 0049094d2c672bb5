//! The laptop's side of sync, inside the store: which server it syncs with,
//! settling pushed ops by their verdicts, applying pulled pages with their
//! cursor in one transaction, rejected ops, and resolving conflicts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use crm_domain::{EntityKind, Hlc, Id, Op, Problem, User, schema::Storage};
use crm_protocol::{Change, Open, Outcome, RecordState, Verdict, codes};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value as Sql};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    Store, duplicates,
    error::{Result, StoreError},
    read::millis,
    search,
    sql::{OP_COLUMNS, field_from_sql, from_sql, op_from_row, to_sql},
};

/// What the token column holds when the token is in the keychain.
const TOKEN_IN_KEYCHAIN: &str = "@keychain";

/// The team server this laptop syncs with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncConfig {
    /// Base URL.
    pub server_url: String,
    /// Login email.
    pub email: String,
    /// `Some` while signed in: the device token, or, when the database's
    /// key is in the keychain, a mark that the token is there too
    /// ([`Store::device_token`] reads it).
    #[serde(skip)]
    pub token: Option<String>,
    /// Last change sequence applied.
    pub cursor: i64,
    /// When the last sync succeeded.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// What went wrong last time, if it did.
    pub last_error: Option<String>,
}

/// A change the server refused, kept for the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedOp {
    /// The op as it was pushed.
    pub op: Op,
    /// Why (stable code).
    pub code: String,
    /// Why (for a person).
    pub message: String,
    /// What a translation of `code` needs (`field` and `limit` of
    /// `field_too_large`...), as the verdict gave it.
    pub params: BTreeMap<String, Value>,
    /// When.
    pub rejected_at: DateTime<Utc>,
}

/// An open conflict, both values side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictView {
    /// The conflict.
    pub id: Id,
    /// Kind of the record.
    pub entity: String,
    /// The record.
    pub record_id: Option<Id>,
    /// Its name or subject, if it is on this laptop.
    pub record_name: Option<String>,
    /// The field (`*` for delete against edit).
    pub field: String,
    /// The value before both edits.
    pub base: Value,
    /// The value that was not applied (the pushing laptop's).
    pub mine: Value,
    /// The value the server kept.
    pub theirs: Value,
    /// Who made the edit that was not applied.
    pub mine_by: Option<String>,
    /// Who made the edit that was kept.
    pub theirs_by: Option<String>,
    /// When the conflict arose.
    pub created_at: DateTime<Utc>,
}

/// Which value a resolution keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The value that was not applied.
    Mine,
    /// The value the server kept.
    Theirs,
}

/// What one pulled page did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Records created or updated.
    pub upserts: usize,
    /// Records that left this laptop.
    pub removals: usize,
    /// New conflicts among them.
    pub conflicts: usize,
    /// Records this laptop could not read (a value no check accepts, a
    /// required value missing): left as they were here, counted, and taken
    /// by the next change that repairs them.
    pub damaged: usize,
    /// The records of kinds checked for duplicates that were created or
    /// changed: what to look for duplicates of ([`Store::duplicates_among`]).
    pub arrived: Vec<(EntityKind, Id)>,
}

/// How many ops each verdict settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// Applied as sent.
    pub applied: usize,
    /// Replays of ops applied before (their answer was lost).
    pub replayed: usize,
    /// Merged field by field.
    pub merged: usize,
    /// Kept aside as conflicts.
    pub conflicts: usize,
    /// Refused.
    pub rejected: usize,
}

fn kind_of(text: &str) -> Result<EntityKind> {
    text.parse()
        .map_err(|_| StoreError::Refused(format!("unknown record kind {text:?}")))
}

impl Store {
    /// The server this laptop syncs with, if it has logged in.
    pub fn sync_config(&self) -> Result<Option<SyncConfig>> {
        Ok(self
            .conn
            .query_row(
                "SELECT server_url, email, token, cursor, last_sync_at, last_error FROM sync_state",
                [],
                |r| {
                    Ok(SyncConfig {
                        server_url: r.get(0)?,
                        email: r.get(1)?,
                        token: r.get(2)?,
                        cursor: r.get(3)?,
                        last_sync_at: r.get::<_, Option<i64>>(4)?.map(millis),
                        last_error: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Remember a login, and become the server's user: records made here
    /// before the first login change hands from the local placeholder user to
    /// the server's user, queued changes included. `series` is the one the
    /// server gave this device ([`Store::series`]); `None` from a server that
    /// gives none, and then this laptop holds none.
    pub fn record_login(
        &mut self,
        server_url: &str,
        email: &str,
        token: &str,
        user: &User,
        series: Option<u32>,
    ) -> Result<()> {
        self.refuse_demo_data()?;
        let old = self.device.user_id;
        let new = user.id;
        let previous = self.sync_config()?;
        if let Some(p) = &previous
            && p.server_url != server_url
            && p.cursor > 0
        {
            return Err(StoreError::Refused(format!(
                "this database syncs with {}; make a new one (crm init --data-dir ...) for {server_url}",
                p.server_url
            )));
        }
        let now = self.now().timestamp_millis();
        let hlc = self.device.clock.last().to_string();
        let token = self.keep_token(token)?;
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = (|| -> Result<()> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if old != new {
                adopt_identity(&tx, old, new)?;
            }
            tx.execute(
                "INSERT INTO users (id, name, email, role, team, active, created_at, updated_at, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, email = ?3, role = ?4, team = ?5, active = ?6",
                params![
                    new.0,
                    user.name,
                    user.email,
                    user.role,
                    user.team,
                    user.active,
                    now,
                    hlc
                ],
            )?;
            tx.execute(
                "INSERT INTO sync_state (id, server_url, email, token, series) VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET server_url = ?1, email = ?2, token = ?3, series = ?4,
                     last_error = NULL",
                params![server_url, email, token, series],
            )?;
            tx.commit()?;
            Ok(())
        })();
        self.conn.pragma_update(None, "foreign_keys", true)?;
        result?;
        self.device.user_id = new;
        Ok(())
    }

    /// Go on as a new device: this laptop's data folder was copied back (an
    /// OS backup, a disk image) and its change numbers were spent before, so
    /// the server registered `new_id` with a fresh sequence and gave it
    /// `token` and `series` (`None` from a server that gives none). In one
    /// transaction: the device id (and its clock's node), the queued changes
    /// renumbered from 1 in their order (they carry the device id they are
    /// sent with), the sequence, the token and the series. Data and queued
    /// changes stay.
    pub fn renew_device(&mut self, new_id: Id, token: &str, series: Option<u32>) -> Result<()> {
        let token = self.keep_token(token)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let queued: Vec<i64> = tx
            .prepare("SELECT device_seq FROM outbox ORDER BY device_seq")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // Through negative numbers, so no two rows ever share one.
        for (i, old) in queued.iter().enumerate() {
            tx.execute(
                "UPDATE outbox SET device_seq = ?1 WHERE device_seq = ?2",
                params![-(i as i64) - 1, old],
            )?;
        }
        tx.execute("UPDATE outbox SET device_seq = -device_seq", [])?;
        let hlc: String = tx.query_row("SELECT hlc FROM device", [], |r| r.get(0))?;
        let mut hlc: Hlc = hlc
            .parse()
            .map_err(|e: crm_domain::hlc::BadHlc| StoreError::Refused(e.to_string()))?;
        hlc.node = crate::node_of(new_id);
        tx.execute(
            "UPDATE device SET id = ?1, seq = ?2, hlc = ?3",
            params![new_id.0, queued.len() as i64, hlc.to_string()],
        )?;
        // Never the old device's series: the copy it was made from may go
        // on numbering documents under it.
        tx.execute(
            "UPDATE sync_state SET token = ?1, series = ?2",
            params![token, series],
        )?;
        tx.commit()?;
        self.device = crate::load_device(&self.conn)?
            .ok_or_else(|| StoreError::Missing(self.path.clone()))?;
        Ok(())
    }

    /// This device's series: the number the team server gave it, which no
    /// other device of the team has, to number the documents made here
    /// (`Q7-00012`). `None` before the first login, after a restore until
    /// the next one, and with a server that gives none.
    pub fn series(&self) -> Result<Option<u32>> {
        Ok(self
            .conn
            .prepare_cached("SELECT series FROM sync_state")?
            .query_row([], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Start this device's clock again from the server's time, after the
    /// server refused its changes as dated in the future (see `Clock::reset`).
    pub fn reset_clock(&mut self, server_time_ms: i64) -> Result<()> {
        let mut clock = self.device.clock.clone();
        clock.reset(server_time_ms.max(0).unsigned_abs());
        self.conn
            .execute("UPDATE device SET hlc = ?1", [clock.last().to_string()])?;
        self.device.clock = clock;
        Ok(())
    }

    /// Forget the token (the outbox and all data stay).
    pub fn record_logout(&mut self) -> Result<()> {
        self.conn
            .execute("UPDATE sync_state SET token = NULL", [])?;
        if let Some(vault) = self.keychain_vault()? {
            vault.delete_secret(crm_vault::Secret::DeviceToken)?;
        }
        Ok(())
    }

    /// The vault of this database when its key, and so its device token,
    /// is in the OS keychain.
    fn keychain_vault(&self) -> Result<Option<crm_vault::Vault>> {
        if crate::protection(&self.path) != Some(crate::Protection::Keychain) {
            return Ok(None);
        }
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        Ok(crm_vault::Vault::open(dir)?)
    }

    /// What the database keeps for `token`: the token itself (plain, or
    /// encrypted under a passphrase), or, with a keychain vault, a mark
    /// that it is in the keychain beside the database's key.
    fn keep_token(&self, token: &str) -> Result<String> {
        match self.keychain_vault()? {
            Some(vault) => {
                vault.set_secret(crm_vault::Secret::DeviceToken, token)?;
                Ok(TOKEN_IN_KEYCHAIN.to_owned())
            }
            None => Ok(token.to_owned()),
        }
    }

    /// The device token the server gave this laptop (`None`: signed out).
    pub fn device_token(&self) -> Result<Option<zeroize::Zeroizing<String>>> {
        let kept: Option<String> = self
            .conn
            .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
            .optional()?
            .flatten();
        match kept.as_deref() {
            None => Ok(None),
            Some(TOKEN_IN_KEYCHAIN) => Ok(match self.keychain_vault()? {
                Some(vault) => vault.secret(crm_vault::Secret::DeviceToken)?,
                None => None,
            }),
            Some(token) => Ok(Some(zeroize::Zeroizing::new(token.to_owned()))),
        }
    }

    /// A database whose key went to the keychain (converted from plain)
    /// moves its device token there too.
    pub(crate) fn move_token_to_keychain(&mut self) -> Result<()> {
        let kept: Option<String> = self
            .conn
            .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
            .optional()?
            .flatten();
        if let Some(token) = kept.filter(|t| t != TOKEN_IN_KEYCHAIN)
            && self.keychain_vault()?.is_some()
        {
            let mark = self.keep_token(&token)?;
            self.conn
                .execute("UPDATE sync_state SET token = ?1", [mark])?;
        }
        Ok(())
    }

    /// Note how a sync ended.
    pub fn record_sync_result(&mut self, error: Option<&str>) -> Result<()> {
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_sync_at = ?1, last_error = NULL",
                [self.now().timestamp_millis()],
            )?,
            Some(e) => self
                .conn
                .execute("UPDATE sync_state SET last_error = ?1", [e])?,
        };
        Ok(())
    }

    /// Remove the ops the server gave a verdict on; keep rejected ones aside
    /// for the user. Ops without a verdict stay queued.
    pub fn settle(&mut self, verdicts: &[Verdict]) -> Result<Settled> {
        let now = self.now().timestamp_millis();
        self.without_foreign_keys(|conn| settle(conn, verdicts, now))
    }

    /// Run `f` with foreign-key checks off: records from the server may point
    /// at records this user does not hold (the server keeps integrity).
    fn without_foreign_keys<T>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = f(&mut self.conn);
        self.conn.pragma_update(None, "foreign_keys", true)?;
        result
    }

    /// Apply one pulled page and save its cursor, in one transaction: a crash
    /// in between replays the page harmlessly. Fields with queued local edits
    /// keep their local value (the edit is on its way to the server).
    ///
    /// A first sync (from cursor 0) loads in bulk: rows go in without their
    /// index entries or creation history, and the search index is built once
    /// when the last page (`more == false`) arrives.
    pub fn apply_pull(&mut self, changes: &[Change], cursor: i64, more: bool) -> Result<Applied> {
        let me = self.device.user_id;
        let now_ms = self.now().timestamp_millis().max(0).unsigned_abs();
        let mut applied = Applied::default();
        let mut clock = self.device.clock.clone();
        // Referential integrity is the server's: a task may point at an
        // account this user may not hold.
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = (|| -> Result<()> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (before, loading): (i64, bool) =
                tx.query_row("SELECT cursor, initial_load FROM sync_state", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let bulk = loading || before == 0;
            if bulk && !loading {
                tx.execute("UPDATE sync_state SET initial_load = 1", [])?;
            }
            if bulk {
                crate::storage::cipher::bulk_cache(&tx, &self.path, true)?;
            }
            for change in changes {
                match change {
                    Change::Upsert(state) => {
                        clock.observe(&state.hlc, now_ms);
                        match upsert(&tx, state, bulk)? {
                            Some(new) => {
                                applied.upserts += 1;
                                if duplicates::CHECKED.contains(&state.entity) {
                                    applied.arrived.push((state.entity, state.id));
                                }
                                if new
                                    && state.entity == EntityKind::Conflict
                                    && involves(state, me)
                                {
                                    applied.conflicts += 1;
                                }
                            }
                            None => applied.damaged += 1,
                        }
                    }
                    Change::Remove { entity, id, .. } => {
                        remove(&tx, *entity, *id)?;
                        applied.removals += 1;
                    }
                }
            }
            tx.execute("UPDATE sync_state SET cursor = ?1", [cursor])?;
            tx.execute("UPDATE device SET hlc = ?1", [clock.last().to_string()])?;
            if bulk && !more {
                search::rebuild_all(&tx)?;
                // The book's duplicate keys too, once, so the first lookup
                // (a preview, a new record, the next sync) finds them made.
                duplicates::refresh(&tx)?;
                tx.execute("UPDATE sync_state SET initial_load = 0", [])?;
            }
            crm_domain::fault::point("pull_before_commit");
            tx.commit()?;
            Ok(())
        })();
        self.conn.pragma_update(None, "foreign_keys", true)?;
        if !more {
            crate::storage::cipher::bulk_cache(&self.conn, &self.path, false)?;
        }
        result?;
        self.device.clock = clock;
        Ok(applied)
    }

    /// The server lost track of this laptop's cursor (offline longer than its
    /// tombstone retention): drop the server's records held here, except those
    /// with queued changes, and start pulling from the beginning. The outbox
    /// is kept whole.
    pub fn reset_for_resync(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let pending: BTreeSet<Uuid> = tx
            .prepare("SELECT DISTINCT record_id FROM outbox")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for entity in EntityKind::ALL {
            if entity == EntityKind::User {
                continue;
            }
            let ids: Vec<Uuid> = tx
                .prepare(&format!("SELECT id FROM {}", entity.table()))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids.into_iter().filter(|id| !pending.contains(id)) {
                remove(&tx, entity, Id(id))?;
            }
        }
        tx.execute("UPDATE sync_state SET cursor = 0", [])?;
        tx.commit()?;
        Ok(())
    }

    /// The synced-schema version the team server said it speaks (1 until it
    /// says: the first release did not).
    pub fn server_schema(&self) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT server_schema FROM sync_state")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(1))
    }

    /// Note the version the server says it speaks.
    pub fn set_server_schema(&mut self, version: u32) -> Result<()> {
        self.conn
            .execute("UPDATE sync_state SET server_schema = ?1", [version])?;
        Ok(())
    }

    /// Hold back the queued changes the server's version could not
    /// understand (a kind or field it does not know yet), and every later
    /// change of the same records, so the rest can go and nothing arrives
    /// out of order. Held changes stay visible among the refused ones (code
    /// `server_too_old`), count as queued for pulled records, and go again
    /// by themselves, with their own time, once the server is updated
    /// ([`Store::release_held`]). Returns how many were held now.
    pub fn hold_for_server(&mut self, server_schema: u32) -> Result<usize> {
        // The usual case, at any queue length: nothing newer than the server.
        let any: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE schema_version > ?1)
                     OR EXISTS (SELECT 1 FROM rejected_ops WHERE code = 'server_too_old')",
            )?
            .query_row([server_schema], |r| r.get(0))?;
        if !any {
            return Ok(0);
        }
        let now = self.now().timestamp_millis();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held = tx.execute(
            "INSERT OR REPLACE INTO rejected_ops
               (op_id, device_seq, entity, record_id, kind, fields, hlc, author_id, schema_version,
                code, message, rejected_at)
             SELECT o.op_id, o.device_seq, o.entity, o.record_id, o.kind, o.fields, o.hlc, o.author_id,
                    o.schema_version, 'server_too_old',
                    'the team server is older than this app and does not know this yet; it is kept and goes by itself once the server is updated',
                    ?2
             FROM outbox o
             WHERE o.schema_version > ?1
                OR EXISTS (SELECT 1 FROM rejected_ops r
                           WHERE r.record_id = o.record_id AND r.code = 'server_too_old')
                OR EXISTS (SELECT 1 FROM outbox h
                           WHERE h.record_id = o.record_id AND h.schema_version > ?1
                             AND h.device_seq < o.device_seq)",
            params![server_schema, now],
        )?;
        if held > 0 {
            tx.execute(
                "DELETE FROM outbox WHERE op_id IN
                   (SELECT op_id FROM rejected_ops WHERE code = 'server_too_old')",
                [],
            )?;
        }
        tx.commit()?;
        Ok(held)
    }

    /// Queue again, in their order and with their own time, the held changes
    /// of every record whose held changes the server now understands.
    /// Returns how many.
    pub fn release_held(&mut self, server_schema: u32) -> Result<usize> {
        if self.held_count()? == 0 {
            return Ok(0);
        }
        let held: Vec<RejectedOp> = self
            .rejected()?
            .into_iter()
            .filter(|r| r.code == "server_too_old")
            .collect();
        let blocked: BTreeSet<Id> = held
            .iter()
            .filter(|r| r.op.schema_version > server_schema)
            .map(|r| r.op.record_id)
            .collect();
        let mut ready: Vec<RejectedOp> = held
            .into_iter()
            .filter(|r| !blocked.contains(&r.op.record_id))
            .collect();
        if ready.is_empty() {
            return Ok(0);
        }
        ready.sort_by_key(|r| r.op.device_seq);
        self.write(|w| {
            for r in &ready {
                w.conn()
                    .execute("DELETE FROM rejected_ops WHERE op_id = ?1", [r.op.op_id.0])?;
                w.requeue(
                    r.op.entity,
                    r.op.record_id,
                    r.op.kind,
                    &r.op.fields,
                    Some(&r.op.hlc),
                )?;
            }
            Ok(())
        })?;
        Ok(ready.len())
    }

    /// Before a pull: when this laptop's copy was pulled at an older version
    /// than the one it and the server now share (either was updated), pull
    /// again from the start, keeping everything, to take the kinds and
    /// fields that were skipped. Returns whether it will.
    pub fn prepare_pull(&mut self, shared_schema: u32) -> Result<bool> {
        let Some((cursor, pulled)): Option<(i64, u32)> = self
            .conn
            .prepare_cached("SELECT cursor, pulled_schema FROM sync_state")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        else {
            return Ok(false);
        };
        let again = cursor > 0 && shared_schema > pulled;
        if cursor == 0 || again {
            self.conn.execute(
                "UPDATE sync_state SET cursor = 0, pulled_schema = ?1",
                [shared_schema],
            )?;
        }
        Ok(again)
    }

    /// How many changes wait for the team server to be updated.
    pub fn held_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM rejected_ops WHERE code = 'server_too_old'")?
            .query_row([], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or_default())
    }

    /// How many changes the server refused.
    pub fn rejected_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM rejected_ops", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or_default())
    }

    /// Changes the server refused, newest first.
    pub fn rejected(&self) -> Result<Vec<RejectedOp>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OP_COLUMNS}, code, message, rejected_at, params
             FROM rejected_ops ORDER BY rejected_at DESC, device_seq DESC"
        ))?;
        let device = self.device.id;
        let rows = stmt.query_map([], |r| {
            Ok(RejectedOp {
                op: op_from_row(r, device)?,
                code: r.get(9)?,
                message: r.get(10)?,
                rejected_at: millis(r.get(11)?),
                params: serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Queue a rejected change again, as a new op with the record's current
    /// values (for example after the record was given back to you).
    pub fn retry_rejected(&mut self, op_id: Id) -> Result<()> {
        let rejected = self.rejected()?;
        let Some(r) = rejected.into_iter().find(|r| r.op.op_id == op_id) else {
            return Err(StoreError::NoMatch {
                what: "rejected change",
                given: op_id.to_string(),
            });
        };
        let entity = r.op.entity;
        let record = r.op.record_id;
        self.write(|w| {
            w.conn()
                .execute("DELETE FROM rejected_ops WHERE op_id = ?1", [op_id.0])?;
            w.requeue(entity, record, r.op.kind, &r.op.fields, None)
        })
    }

    /// Drop a rejected change for good; returns the record, whose server
    /// version the caller should fetch to put back.
    ///
    /// A refused insert takes its record off the laptop (the server has no
    /// version of it to give back, or none this user may hold), with the
    /// records created under it here that the server never took either
    /// (their own inserts queued or refused: they could only be refused in
    /// turn), and every change of theirs still waiting.
    pub fn discard_rejected(&mut self, op_id: Id) -> Result<Id> {
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = (|| -> Result<Option<Uuid>> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let dropped: Option<(Uuid, String, String)> = tx
                .query_row(
                    "DELETE FROM rejected_ops WHERE op_id = ?1 RETURNING record_id, entity, kind",
                    [op_id.0],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((record, entity, kind)) = &dropped
                && kind == "insert"
                && let Ok(entity) = entity.parse::<EntityKind>()
            {
                forget_unsynced(&tx, entity, Id(*record))?;
            }
            tx.commit()?;
            Ok(dropped.map(|(record, _, _)| record))
        })();
        self.conn.pragma_update(None, "foreign_keys", true)?;
        result?.map(Id).ok_or_else(|| StoreError::NoMatch {
            what: "rejected change",
            given: op_id.to_string(),
        })
    }

    /// Put the server's version of records back (after a discard).
    pub fn apply_fetched(&mut self, states: &[Open<RecordState>]) -> Result<()> {
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let result = (|| -> Result<()> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for state in states.iter().filter_map(Open::known) {
                upsert(&tx, state, false)?;
            }
            tx.commit()?;
            Ok(())
        })();
        self.conn.pragma_update(None, "foreign_keys", true)?;
        result
    }

    /// Conflicts nobody has resolved yet, newest first, with the names of
    /// their records.
    pub fn open_conflicts(&self) -> Result<Vec<ConflictView>> {
        self.open_conflicts_unnamed()?
            .into_iter()
            .map(|mut c| {
                c.record_name = self.record_name(&c.entity, c.record_id)?;
                Ok(c)
            })
            .collect()
    }

    /// [`Store::open_conflicts`] without looking up record names (for
    /// counting them).
    pub fn open_conflicts_unnamed(&self) -> Result<Vec<ConflictView>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.entity, c.record_id, c.field, c.base, c.mine, c.theirs, m.name, t.name, c.created_at
             FROM conflicts c LEFT JOIN users m ON m.id = c.mine_by LEFT JOIN users t ON t.id = c.theirs_by
             WHERE c.resolution IS NULL AND c.deleted_at IS NULL ORDER BY c.created_at DESC",
        )?;
        let rows: Vec<ConflictView> = stmt
            .query_map([], |r| {
                let json = |i: usize| -> rusqlite::Result<Value> {
                    Ok(from_sql(Storage::Json, r.get_ref(i)?))
                };
                Ok(ConflictView {
                    id: Id(r.get(0)?),
                    entity: r.get(1)?,
                    record_id: r.get::<_, Option<Uuid>>(2)?.map(Id),
                    record_name: None,
                    field: r.get(3)?,
                    base: json(4)?,
                    mine: json(5)?,
                    theirs: json(6)?,
                    mine_by: r.get(7)?,
                    theirs_by: r.get(8)?,
                    created_at: millis(r.get(9)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The name (or subject, or title) of a record, if it is on this laptop.
    pub fn record_name(&self, entity: &str, id: Option<Id>) -> Result<Option<String>> {
        let (Ok(entity), Some(id)) = (entity.parse::<EntityKind>(), id) else {
            return Ok(None);
        };
        let Some(column) = entity.entity().title else {
            return Ok(None);
        };
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {column} FROM {} WHERE id = ?1", entity.table()),
                [id.0],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Settle a conflict by keeping one value. Keeping mine writes it as an
    /// ordinary edit; either way the resolution syncs to everyone involved.
    pub fn resolve_conflict(&mut self, conflict_id: Id, keep: Keep) -> Result<()> {
        let open = self.open_conflicts()?;
        let Some(c) = open.into_iter().find(|c| c.id == conflict_id) else {
            return Err(StoreError::NoMatch {
                what: "open conflict",
                given: conflict_id.to_string(),
            });
        };
        let entity = kind_of(&c.entity)?;
        self.write(|w| {
            if keep == Keep::Mine
                && let Some(record) = c.record_id
            {
                let deleted_here: Option<bool> = w
                    .conn()
                    .query_row(
                        &format!(
                            "SELECT deleted_at IS NOT NULL FROM {} WHERE id = ?1",
                            entity.table()
                        ),
                        [record.0],
                        |r| r.get(0),
                    )
                    .optional()?;
                match (c.field.as_str(), &c.mine, deleted_here) {
                    // I deleted it, they edited it: delete it after all.
                    ("*", Value::String(s), Some(false)) if s == "deleted" => {
                        w.delete(entity, record)?
                    }
                    // I edited it, they deleted it: bring it back with my edits.
                    ("*", Value::Object(fields), Some(deleted)) => {
                        if deleted {
                            w.restore(entity, record)?;
                        }
                        // My edits, if it was edits (not a record added under it).
                        let changes: Vec<(&str, Value)> = fields
                            .iter()
                            .filter(|(k, _)| entity.field(k).is_some())
                            .map(|(k, v)| (k.as_str(), v.clone()))
                            .collect();
                        if !changes.is_empty() {
                            w.update(entity, record, &changes)?;
                        }
                    }
                    // Gone, or deleted since: the deletion is its own decision.
                    ("*", _, _) | (_, _, None | Some(true)) => {}
                    (field, mine, Some(false)) => {
                        w.update(entity, record, &[(field, mine.clone())])?;
                    }
                }
            }
            let who = w.user_id().to_string();
            let now = w.now().timestamp_millis();
            let resolution = match keep {
                Keep::Mine => "mine",
                Keep::Theirs => "theirs",
            };
            w.update(
                EntityKind::Conflict,
                conflict_id,
                &[
                    ("resolution", json!(resolution)),
                    ("resolved_by", json!(who)),
                    ("resolved_at", json!(now)),
                ],
            )?;
            Ok(())
        })
    }
}

fn involves(state: &RecordState, me: Id) -> bool {
    let me = me.to_string();
    state.fields.get("resolution").is_none_or(Value::is_null)
        && ["mine_by", "theirs_by"]
            .iter()
            .any(|f| state.fields.get(*f).and_then(Value::as_str) == Some(me.as_str()))
}

/// Every column that refers to a user, by table.
fn user_columns() -> Vec<(&'static str, &'static str)> {
    let mut columns = Vec::new();
    for entity in EntityKind::ALL {
        for def in entity.fields() {
            if def.ty == crm_domain::FieldType::Ref(EntityKind::User) {
                columns.push((entity.table(), def.name));
            }
        }
        columns.push((entity.table(), "created_by"));
        columns.push((entity.table(), "deleted_by"));
    }
    columns.push(("field_history", "changed_by"));
    columns.push(("outbox", "author_id"));
    columns.push(("rejected_ops", "author_id"));
    columns.push(("device", "user_id"));
    columns
}

fn adopt_identity(tx: &Connection, old: Id, new: Id) -> Result<()> {
    let exists: bool = tx
        .prepare("SELECT 1 FROM users WHERE id = ?1")?
        .exists([new.0])?;
    if exists {
        tx.execute("DELETE FROM users WHERE id = ?1", [old.0])?;
    } else {
        tx.execute(
            "UPDATE users SET id = ?2 WHERE id = ?1",
            params![old.0, new.0],
        )?;
    }
    for (table, column) in user_columns() {
        tx.execute(
            &format!("UPDATE {table} SET {column} = ?2 WHERE {column} = ?1"),
            params![old.0, new.0],
        )?;
    }
    // Queued ops name the user inside their field values too.
    tx.execute(
        "UPDATE outbox SET fields = replace(fields, ?1, ?2)",
        params![old.to_string(), new.to_string()],
    )?;
    Ok(())
}

/// Write a pulled record; returns whether it is new here, or `None` when the
/// record cannot be read (a required value missing or refused by its check:
/// it is left as it was). A value that fails its field's check keeps the
/// local value, or takes the default. In `bulk` mode (a first sync) the
/// index entry and the creation history are left out.
fn upsert(tx: &Connection, state: &RecordState, bulk: bool) -> Result<Option<bool>> {
    let entity = state.entity;
    let table = entity.table();
    let defs = entity.fields();
    let columns: Vec<&str> = defs.iter().map(|d| d.name).collect();
    let existing = tx
        .prepare_cached(&format!(
            "SELECT rowid, {}, created_at FROM {table} WHERE id = ?1",
            columns.join(", ")
        ))?
        .query_row([state.id.0], |r| {
            let values = defs
                .iter()
                .enumerate()
                .map(|(i, d)| Ok(field_from_sql(d, r.get_ref(i + 1)?)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((
                r.get::<_, i64>(0)?,
                values,
                r.get::<_, i64>(defs.len() + 1)?,
            ))
        })
        .optional()?;
    // Fields with a queued local edit keep the local value.
    let pending: BTreeSet<String> = {
        // Changes held for a server update count as queued.
        let mut stmt = tx.prepare_cached(
            "SELECT fields FROM outbox WHERE record_id = ?1
             UNION ALL SELECT fields FROM rejected_ops WHERE record_id = ?1 AND code = 'server_too_old'",
        )?;
        let rows = stmt.query_map([state.id.0], |r| r.get::<_, String>(0))?;
        let mut names = BTreeSet::new();
        for fields in rows {
            let map: BTreeMap<String, Value> = serde_json::from_str(&fields?).unwrap_or_default();
            names.extend(map.into_keys());
        }
        names
    };
    let mut values: Vec<Value> = Vec::with_capacity(defs.len());
    for (i, d) in defs.iter().enumerate() {
        let local = existing.as_ref().map(|(_, local, _)| &local[i]);
        let value = match (local, state.fields.get(d.name)) {
            // A queued local edit of the field, or a field the sender did not
            // know (an older app): the local value stays.
            (Some(local), _) if pending.contains(d.name) => local.clone(),
            (Some(local), None) => local.clone(),
            // The usual case: the server's value, which its check accepts.
            (_, Some(v)) if !v.is_null() && pulled_value_ok(d, v) => {
                values.push(v.clone());
                continue;
            }
            (_, Some(Value::Null)) | (None, None) => d.empty(),
            // A value no check here accepts: keep what is here, if anything.
            (Some(local), Some(_)) => local.clone(),
            (None, Some(_)) => d.empty(),
        };
        // A list is never null in a table.
        let value = if value.is_null() { d.empty() } else { value };
        if !pulled_value_ok(d, &value) {
            return Ok(None);
        }
        values.push(value);
    }
    let hlc_ms = i64::try_from(state.hlc.wall_ms).unwrap_or(i64::MAX);
    let changed_by = state.changed_by.map(|u| u.0);
    let deleted_at = state.deleted.then_some(hlc_ms);
    let deleted_by = if state.deleted { changed_by } else { None };
    let rowid = match &existing {
        Some((rowid, _, _)) => {
            let sets: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
            let sql = format!(
                "UPDATE {table} SET {}, updated_at = ?, hlc = ?, deleted_at = ?, deleted_by = ? WHERE rowid = ?",
                sets.join(", ")
            );
            let mut args: Vec<Sql> = defs
                .iter()
                .zip(&values)
                .map(|(d, v)| to_sql(d.ty.storage(), v))
                .collect();
            args.extend([
                Sql::Integer(hlc_ms),
                Sql::Text(state.hlc.to_string()),
                deleted_at.map_or(Sql::Null, Sql::Integer),
                deleted_by.map_or(Sql::Null, |u| Sql::Blob(u.as_bytes().to_vec())),
                Sql::Integer(*rowid),
            ]);
            tx.prepare_cached(&sql)?.execute(params_from_iter(args))?;
            *rowid
        }
        None => {
            // Null fields are left out so the column defaults apply.
            let given: Vec<usize> = (0..defs.len()).filter(|i| !values[*i].is_null()).collect();
            let mut cols: Vec<&str> = given.iter().map(|i| columns[*i]).collect();
            cols.extend([
                "id",
                "created_at",
                "created_by",
                "updated_at",
                "hlc",
                "deleted_at",
                "deleted_by",
            ]);
            let mut args: Vec<Sql> = given
                .iter()
                .map(|i| to_sql(defs[*i].ty.storage(), &values[*i]))
                .collect();
            args.extend([
                Sql::Blob(state.id.0.as_bytes().to_vec()),
                Sql::Integer(hlc_ms),
                state
                    .created_by
                    .map_or(Sql::Null, |u| Sql::Blob(u.0.as_bytes().to_vec())),
                Sql::Integer(hlc_ms),
                Sql::Text(state.hlc.to_string()),
                deleted_at.map_or(Sql::Null, Sql::Integer),
                deleted_by.map_or(Sql::Null, |u| Sql::Blob(u.as_bytes().to_vec())),
            ]);
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.join(", "),
                vec!["?"; cols.len()].join(", ")
            );
            tx.prepare_cached(&sql)?.execute(params_from_iter(args))?;
            tx.last_insert_rowid()
        }
    };
    // Field history: who changed what, as the server reports it.
    let mut history = tx.prepare_cached(
        "INSERT INTO field_history (entity, record_id, field, old, new, op, changed_by, changed_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let text = |v: &Value| (!v.is_null()).then(|| v.to_string());
    match &existing {
        Some((_, old, _)) => {
            for ((def, before), after) in defs.iter().zip(old).zip(&values) {
                if before != after {
                    history.execute(params![
                        entity.name(),
                        state.id.0,
                        def.name,
                        text(before),
                        text(after),
                        "sync",
                        changed_by,
                        hlc_ms,
                        state.hlc.to_string()
                    ])?;
                }
            }
        }
        None if bulk => {}
        None => {
            let created: serde_json::Map<String, Value> = defs
                .iter()
                .zip(&values)
                .filter(|(_, v)| !v.is_null())
                .map(|(d, v)| (d.name.to_owned(), v.clone()))
                .collect();
            history.execute(params![
                entity.name(),
                state.id.0,
                "*",
                Option::<String>::None,
                Value::Object(created).to_string(),
                "insert",
                state.created_by.map(|u| u.0),
                hlc_ms,
                state.hlc.to_string()
            ])?;
        }
    }
    if !bulk {
        search::reindex(tx, entity, rowid)?;
    }
    Ok(Some(existing.is_none()))
}

/// A record leaves this laptop: row, index entry and history.
/// Take a record the server never took off the laptop, with its waiting
/// changes and the records under it (by the descriptions' parent
/// references) that the server never took either, down the tree. Records
/// under it that came from the server stay: they show it as missing.
fn forget_unsynced(tx: &Connection, entity: EntityKind, id: Id) -> Result<()> {
    for child in EntityKind::ALL {
        for parent in child.entity().parents() {
            if child.field(parent).map(|d| d.ty) != Some(crm_domain::schema::FieldType::Ref(entity))
            {
                continue;
            }
            let sql = format!(
                "SELECT id FROM {table} WHERE {parent} = ?1 AND id IN (
                     SELECT record_id FROM outbox WHERE kind = 'insert'
                     UNION SELECT record_id FROM rejected_ops WHERE kind = 'insert')",
                table = child.table()
            );
            let ids = tx
                .prepare(&sql)?
                .query_map([id.0], |r| r.get::<_, Uuid>(0).map(Id))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for child_id in ids {
                forget_unsynced(tx, child, child_id)?;
            }
        }
    }
    tx.execute("DELETE FROM outbox WHERE record_id = ?1", [id.0])?;
    tx.execute("DELETE FROM rejected_ops WHERE record_id = ?1", [id.0])?;
    remove(tx, entity, id)
}

fn remove(tx: &Connection, entity: EntityKind, id: Id) -> Result<()> {
    let table = entity.table();
    let rowid: Option<i64> = tx
        .prepare_cached(&format!("SELECT rowid FROM {table} WHERE id = ?1"))?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE rowid = ?1"))?
            .execute([rowid])?;
        search::reindex(tx, entity, rowid)?;
        tx.prepare_cached("DELETE FROM field_history WHERE record_id = ?1")?
            .execute([id.0])?;
    }
    Ok(())
}

/// Whether a pulled value may be held here: what the field check accepts,
/// and a value larger than the field now holds, which the server kept from
/// before values were limited (the limit is on writing: hiding it here would
/// lose it on this laptop, and the server's pages carry it).
fn pulled_value_ok(def: &crm_domain::FieldDef, value: &Value) -> bool {
    matches!(def.check(value), Ok(()) | Err(Problem::TooLarge { .. }))
}

fn settle(conn: &mut Connection, verdicts: &[Verdict], now: i64) -> Result<Settled> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut settled = Settled::default();
    for v in verdicts {
        match v.outcome {
            // Another op already had the number: this laptop was restored
            // from a copy of its data folder. The op stays queued, to be
            // sent again once the laptop is a new device.
            Outcome::Rejected if v.code.as_deref() == Some(codes::SEQ_REUSED) => continue,
            Outcome::Applied => settled.applied += 1,
            Outcome::Duplicate => settled.replayed += 1,
            Outcome::Merged => settled.merged += 1,
            Outcome::Conflict => settled.conflicts += 1,
            Outcome::Rejected => {
                settled.rejected += 1;
                tx.execute(
                    "INSERT OR REPLACE INTO rejected_ops
                       (op_id, device_seq, entity, record_id, kind, fields, hlc, author_id, schema_version,
                        code, message, rejected_at, params)
                     SELECT op_id, device_seq, entity, record_id, kind, fields, hlc, author_id, schema_version,
                            ?2, ?3, ?4, ?5
                     FROM outbox WHERE op_id = ?1",
                    params![
                        v.op_id.0,
                        v.code.as_deref().unwrap_or("rejected"),
                        v.message.as_deref().unwrap_or("the server refused the change"),
                        now,
                        json!(v.params).to_string()
                    ],
                )?;
            }
        }
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [v.op_id.0])?;
        if let Some(Open::Known(state)) = &v.state {
            upsert(&tx, state, false)?;
        }
    }
    tx.commit()?;
    Ok(settled)
}
