//! How long this laptop may stay away from the team's server.
//!
//! The server's policy (`crm_protocol::lease`) comes with every login and
//! pull. Counted from the last successful sync (or the login, before the
//! first): past `offline_days` the app warns; past `grace_days` more it
//! locks, every command but syncing and entering an extension code refused
//! with `lease_expired`, until a sync succeeds or the user enters a code an
//! administrator made for this device (`crm-server device extend`). The
//! time is the later of the clock and the latest this laptop has seen, so
//! setting the clock back wins nothing. A database that never logged in
//! has no limit.

use chrono::{DateTime, NaiveDate, Utc};
use crm_protocol::lease::{LeasePolicy, check_code};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{
    Store,
    error::{Result, StoreError},
};

const DAY_MS: i64 = 86_400_000;

/// Where this laptop stands with the team's lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeaseState {
    /// No limit: never logged in, or the team sets none.
    Free,
    /// Within the time the team allows.
    Ok,
    /// Past it: warned, still working until `locks_at`.
    Warning,
    /// Past the grace period: locked until it syncs or is extended.
    Locked,
}

/// The lease as the app shows it (times in UTC ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Lease {
    /// Where it stands now.
    pub state: LeaseState,
    /// The last successful sync (or the login, before the first).
    #[ts(type = "number | null")]
    pub since: Option<i64>,
    /// When the warning starts.
    #[ts(type = "number | null")]
    pub warns_at: Option<i64>,
    /// When it locks.
    #[ts(type = "number | null")]
    pub locks_at: Option<i64>,
    /// The team's policy, in days.
    pub offline_days: Option<u32>,
    /// Days of warning before the lock.
    pub grace_days: Option<u32>,
}

struct Row {
    logged_in: bool,
    offline_days: Option<u32>,
    grace_days: Option<u32>,
    key: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    seen_at: Option<i64>,
}

impl Store {
    fn lease_row(&self) -> Result<Option<Row>> {
        Ok(self
            .conn
            .query_row(
                "SELECT token IS NOT NULL, lease_offline_days, lease_grace_days, lease_key,
                        coalesce(last_sync_at, lease_since), lease_until, seen_at
                   FROM sync_state",
                [],
                |r| {
                    Ok(Row {
                        logged_in: r.get(0)?,
                        offline_days: r.get(1)?,
                        grace_days: r.get(2)?,
                        key: r.get(3)?,
                        since: r.get(4)?,
                        until: r.get(5)?,
                        seen_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// The team's policy as the server told it at a login or a pull, and
    /// at a login the device's key for extension codes: counting starts
    /// at the first.
    pub fn set_lease(&mut self, policy: Option<LeasePolicy>, key: Option<&str>) -> Result<()> {
        let now = self.now().timestamp_millis();
        if let Some(p) = policy {
            self.conn.execute(
                "UPDATE sync_state SET lease_offline_days = ?1, lease_grace_days = ?2,
                        lease_since = coalesce(lease_since, ?3)",
                params![p.offline_days, p.grace_days, now],
            )?;
        }
        if let Some(key) = key {
            self.conn.execute(
                "UPDATE sync_state SET lease_key = ?1, lease_since = coalesce(lease_since, ?2)",
                params![key, now],
            )?;
        }
        Ok(())
    }

    /// Where this laptop stands with the team's lease now.
    pub fn lease(&self) -> Result<Lease> {
        Ok(self.lease_and_seen()?.0)
    }

    /// [`Store::lease`], and the latest time this laptop has noted.
    fn lease_and_seen(&self) -> Result<(Lease, Option<i64>)> {
        let free = Lease {
            state: LeaseState::Free,
            since: None,
            warns_at: None,
            locks_at: None,
            offline_days: None,
            grace_days: None,
        };
        let Some(row) = self.lease_row()? else {
            return Ok((free, None));
        };
        let seen = row.seen_at;
        let (Some(days), Some(since)) = (row.offline_days.filter(|d| *d > 0), row.since) else {
            return Ok((free, seen));
        };
        if !row.logged_in {
            return Ok((free, seen));
        }
        let grace = row.grace_days.unwrap_or(0);
        let mut warns_at = since + i64::from(days) * DAY_MS;
        let mut locks_at = warns_at + i64::from(grace) * DAY_MS;
        if let Some(until) = row.until.filter(|u| *u > locks_at) {
            warns_at = warns_at.max(until - i64::from(grace).min(1) * DAY_MS);
            locks_at = until;
        }
        let now = self.now().timestamp_millis().max(row.seen_at.unwrap_or(0));
        let state = if now < warns_at {
            LeaseState::Ok
        } else if now < locks_at {
            LeaseState::Warning
        } else {
            LeaseState::Locked
        };
        let lease = Lease {
            state,
            since: Some(since),
            warns_at: Some(warns_at),
            locks_at: Some(locks_at),
            offline_days: Some(days),
            grace_days: row.grace_days,
        };
        Ok((lease, seen))
    }

    /// Refuse to go on when the lease has run out (`lease_expired`): the
    /// commands that hold the team's data call this first; syncing and
    /// entering an extension code do not. Notes the time seen, so a clock
    /// set back later gains nothing.
    pub fn check_lease(&self) -> Result<Lease> {
        let now = self.now().timestamp_millis();
        let (lease, seen) = self.lease_and_seen()?;
        // Written at most once an hour, and only then: every command checks,
        // and a write would take the database's write lock each time.
        if seen.is_none_or(|seen| seen < now - 3_600_000) {
            self.conn.execute(
                "UPDATE sync_state SET seen_at = max(coalesce(seen_at, 0), ?1)",
                [now],
            )?;
        }
        if lease.state == LeaseState::Locked {
            return Err(StoreError::LeaseExpired {
                since: lease.since.unwrap_or_default(),
                locked_at: lease.locks_at.unwrap_or_default(),
            });
        }
        Ok(lease)
    }

    /// Enter an extension code an administrator made for this laptop: it
    /// may stay away until the end of the code's day (UTC). A code for
    /// another device, a mistyped or an earlier one is refused
    /// (`bad_extension_code`) and changes nothing.
    pub fn lease_extend(&mut self, code: &str) -> Result<Lease> {
        let key = self
            .lease_row()?
            .and_then(|r| r.key)
            .ok_or(StoreError::BadExtensionCode)?;
        let day = check_code(key.as_bytes(), self.device_id(), code)
            .ok_or(StoreError::BadExtensionCode)?;
        let until = (i64::from(day) + 1) * DAY_MS;
        if until <= self.now().timestamp_millis() {
            return Err(StoreError::BadExtensionCode);
        }
        self.conn.execute(
            "UPDATE sync_state SET lease_until = max(coalesce(lease_until, 0), ?1)",
            [until],
        )?;
        self.lease()
    }
}

/// The UTC date of `ms` (for messages).
pub fn day_of(ms: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive()
}
