//! Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter,
//! so edits made on one device are strictly ordered even when its clock stalls or
//! steps backwards, and causally later edits always compare greater.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One HLC timestamp. Ordering is (wall time, counter, node), so two devices
/// never produce equal timestamps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch, never less than the previous timestamp's.
    pub wall_ms: u64,
    /// Tie-breaker for events in the same millisecond.
    pub counter: u32,
    /// The device that produced the timestamp (16 hex digits).
    pub node: String,
}

impl Hlc {
    /// The smallest timestamp of a node, used before any event happened.
    pub fn zero(node: impl Into<String>) -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            node: node.into(),
        }
    }
}

impl fmt::Display for Hlc {
    /// Fixed-width text that sorts the same way as the timestamp itself, so the
    /// database can compare HLCs as plain strings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:05}-{}", self.wall_ms, self.counter, self.node)
    }
}

/// An HLC string that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("not a hybrid logical clock timestamp: {0:?}")]
pub struct BadHlc(String);

impl FromStr for Hlc {
    type Err = BadHlc;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadHlc(s.to_owned());
        let mut parts = s.splitn(3, '-');
        let wall_ms = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let counter = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let node = parts.next().filter(|n| !n.is_empty()).ok_or_else(bad)?;
        Ok(Hlc {
            wall_ms,
            counter,
            node: node.to_owned(),
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How far ahead of a device's own clock a timestamp it receives may be and
/// still move that clock: a day, the same bound the server puts on edits.
pub const MAX_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

/// The clock of one device. Time is passed in by the caller, never read here, so
/// tests can drive skewed and backwards-stepping clocks.
#[derive(Debug, Clone)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    /// A clock that continues after `last` (restored from storage).
    pub fn resume(last: Hlc) -> Self {
        Clock { last }
    }

    /// The last timestamp issued or observed.
    pub fn last(&self) -> &Hlc {
        &self.last
    }

    /// A timestamp for a local event at wall time `now_ms`, strictly greater than
    /// every timestamp issued or observed so far.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.last.wall_ms {
            self.last.wall_ms = now_ms;
            self.last.counter = 0;
        } else {
            self.last.counter += 1;
        }
        self.last.clone()
    }

    /// Start again from `now_ms`, as the server knows the time. Only for a
    /// clock the server refused as far in the future (the laptop's date was
    /// wrong and has been corrected): staying ahead would date every later
    /// edit in the future. A clock merely stepping back (a dead battery)
    /// keeps running forward from where it was.
    pub fn reset(&mut self, now_ms: u64) {
        self.last.wall_ms = now_ms;
        self.last.counter = 0;
    }

    /// Merge a timestamp received from elsewhere, so later local events order
    /// after it. A timestamp more than [`MAX_AHEAD_MS`] ahead of `now_ms` is
    /// not adopted: one record dated at the end of time must not stamp every
    /// later edit of this device there (the server refuses such edits).
    pub fn observe(&mut self, remote: &Hlc, now_ms: u64) {
        if remote.wall_ms > now_ms.saturating_add(MAX_AHEAD_MS) {
            return;
        }
        let wall = now_ms.max(remote.wall_ms).max(self.last.wall_ms);
        let counter = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter.max(remote.counter) + 1
        } else if wall == self.last.wall_ms {
            self.last.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        self.last.wall_ms = wall;
        self.last.counter = counter;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_from_the_far_future_is_not_adopted() {
        let now = 1_700_000_000_000;
        let mut clock = Clock::resume(Hlc::zero("a"));
        for wall_ms in [u64::MAX, i64::MAX as u64, now + MAX_AHEAD_MS + 1] {
            clock.observe(
                &Hlc {
                    wall_ms,
                    counter: 0,
                    node: "b".into(),
                },
                now,
            );
            assert!(
                clock.tick(now).wall_ms <= now,
                "the clock stays at the wall time after {wall_ms}"
            );
        }
        let near = Hlc {
            wall_ms: now + 60_000,
            counter: 3,
            node: "b".into(),
        };
        clock.observe(&near, now);
        assert!(clock.tick(now) > near, "a minute ahead is still adopted");
    }

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_steps_back() {
        let mut clock = Clock::resume(Hlc::zero("aa"));
        let a = clock.tick(1_000);
        let b = clock.tick(1_000);
        let c = clock.tick(400); // the wall clock stepped backwards
        let d = clock.tick(2_000);
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert_eq!(
            c.wall_ms, 1_000,
            "a backwards step must not move the clock back"
        );
    }

    #[test]
    fn a_reset_clock_runs_on_from_the_time_it_was_given() {
        let mut clock = Clock::resume(Hlc::zero("aa"));
        let wrong_date = clock.tick(1_000 + 365 * 24 * 3_600_000);
        clock.reset(2_000);
        let fixed = clock.tick(2_000);
        assert!(fixed < wrong_date, "no longer dated a year ahead: {fixed}");
        assert!(
            clock.tick(2_000) > fixed,
            "and strictly increasing again from there"
        );
    }

    #[test]
    fn text_form_sorts_like_the_timestamp_and_round_trips() {
        let early = Hlc {
            wall_ms: 9,
            counter: 12,
            node: "ff".into(),
        };
        let late = Hlc {
            wall_ms: 10,
            counter: 0,
            node: "00".into(),
        };
        assert!(early.to_string() < late.to_string());
        assert_eq!(early.to_string().parse::<Hlc>().unwrap(), early);
        assert!("garbage".parse::<Hlc>().is_err());
    }

    #[test]
    fn observing_a_remote_timestamp_orders_later_events_after_it() {
        let mut clock = Clock::resume(Hlc::zero("aa"));
        clock.tick(1_000);
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 3,
            node: "bb".into(),
        };
        clock.observe(&remote, 1_001);
        let next = clock.tick(1_002);
        assert!(next > remote, "{next} must follow {remote}");
    }
}
