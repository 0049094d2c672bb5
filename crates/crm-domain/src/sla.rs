//! The SLA clock: business calendars and working time, as pure functions.
//!
//! A case's due times are a function of synced facts only (when it was
//! opened, when it waited on the customer, the policy, the team's calendar),
//! never of the machine computing them, so every laptop and the server agree.
//!
//! # The rules
//!
//! - **Working time.** A moment is working time when the wall clock of the
//!   calendar's zone shows a time inside one of the daily spans, on a date that
//!   is worked: a make-up working day (调休), or else a day of the working week
//!   that is not a holiday. A date cannot be both a holiday and a make-up day.
//! - **Daylight saving.** The rule above is applied to real moments, so a
//!   local time that does not exist is never worked and one that happens twice
//!   is worked twice: in New York on 8 March 2026 (02:00 -> 03:00) a span
//!   01:30-03:00 holds 30 minutes; on 1 November 2026 (02:00 -> 01:00) a span
//!   00:00-03:00 holds 4 hours, and a span starting at 01:30 is worked from
//!   01:30 to 02:00 summer time, then again from 01:30 standard time. This is a
//!   desk staffed by the wall clock, and it matches a minute-by-minute count.
//! - **Pauses.** While a case waits on the customer its clock stops: paused
//!   moments are never working time. Pauses may overlap and come in any order;
//!   one with no end is still running.
//! - **Days as lengths.** In a [`WorkingTime`] such as `2d`, a day is the
//!   calendar's daily hours (`09:00-12:00,13:00-18:00` makes `1d` = 8h), so
//!   `2d` from 10:00 on a working day falls due at 10:00 two working days
//!   later. Hours and minutes are working hours and minutes.
//! - **Precision.** Moments are taken to the millisecond, as the store keeps
//!   them; durations are whole minutes.
//!
//! Whole days are counted from their spans, not minute by minute, and a week
//! without holidays, make-up days, offset changes or pauses is taken in one
//! step, so a due time weeks away costs a few microseconds.

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

use crate::error::{Invalid, Problem};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// Days from 0001-01-01 (day 1 in chrono's count) to 1970-01-01.
const EPOCH_FROM_CE: i64 = 719_163;
/// 9999-12-31 as days since 1970-01-01: no due time is looked for beyond it.
const LAST_DAY: i64 = 2_932_896;
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A moment the clock stops and, if known, the moment it starts again
/// (waiting on the customer). `None` as the end: still waiting.
pub type Pause = (DateTime<Utc>, Option<DateTime<Utc>>);

/// A team's business hours: its time zone, working week, daily hours,
/// holidays and make-up working days. Built by [`Calendar::parse`], so every
/// calendar has some working time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
    /// Monday first.
    days: [bool; 7],
    /// Minutes from local midnight, in order, not overlapping; an end may be
    /// 1440 (24:00).
    hours: Vec<(u32, u32)>,
    /// Days since 1970-01-01, sorted.
    holidays: Vec<i64>,
    /// Days since 1970-01-01, sorted.
    workdays: Vec<i64>,
}

impl Calendar {
    /// Parses a calendar as a person writes one.
    ///
    /// - `tz`: an IANA zone name, `Asia/Shanghai`.
    /// - `days`: the working week, `mon-fri`, `mon,tue,sat` or `sun-thu`
    ///   (a range may wrap past Sunday).
    /// - `hours`: one or more spans of a day, `09:00-18:00` or
    ///   `09:00-12:00,13:00-18:00`; `24:00` may end the last. A night shift is
    ///   written as the spans of each date (`00:00-06:00,22:00-24:00`).
    /// - `holidays`: dates not worked although in the working week.
    /// - `workdays`: dates worked although not in it (调休).
    ///
    /// The refusal names the field (`tz`, `days`, `hours`, `workdays`).
    pub fn parse(
        tz: &str,
        days: &str,
        hours: &str,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Calendar, Invalid> {
        let tz: Tz = tz
            .trim()
            .parse()
            .map_err(|_| Invalid::new("tz", Problem::TimeZone))?;
        let days = parse_days(days).map_err(|p| Invalid::new("days", p))?;
        let hours = parse_hours(hours).map_err(|p| Invalid::new("hours", p))?;
        let sorted = |dates: &mut Vec<i64>| {
            dates.sort_unstable();
            dates.dedup();
        };
        let mut holidays: Vec<i64> = holidays.into_iter().map(epoch_day).collect();
        let mut workdays: Vec<i64> = workdays.into_iter().map(epoch_day).collect();
        sorted(&mut holidays);
        sorted(&mut workdays);
        if let Some(&both) = workdays.iter().find(|d| holidays.binary_search(d).is_ok()) {
            let date = date_of(both).map_or_else(String::new, |d| d.to_string());
            return Err(Invalid::new(
                "workdays",
                Problem::HolidayAndWorkday { date },
            ));
        }
        Ok(Calendar {
            tz,
            days,
            hours,
            holidays,
            workdays,
        })
    }

    /// The time zone whose wall clock the hours are read on.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The working week, Monday first.
    pub fn days(&self) -> [bool; 7] {
        self.days
    }

    /// The working week as [`Calendar::parse`] reads it, `mon-fri`.
    pub fn days_text(&self) -> String {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            if !self.days[i] {
                i += 1;
                continue;
            }
            let first = i;
            while i + 1 < 7 && self.days[i + 1] {
                i += 1;
            }
            parts.push(match i - first {
                0 => WEEKDAYS[first].to_owned(),
                1 => format!("{},{}", WEEKDAYS[first], WEEKDAYS[i]),
                _ => format!("{}-{}", WEEKDAYS[first], WEEKDAYS[i]),
            });
            i += 1;
        }
        parts.join(",")
    }

    /// The daily hours as [`Calendar::parse`] reads them,
    /// `09:00-12:00,13:00-18:00`.
    pub fn hours_text(&self) -> String {
        let clock = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let spans: Vec<String> = self
            .hours
            .iter()
            .map(|&(s, e)| format!("{}-{}", clock(s), clock(e)))
            .collect();
        spans.join(",")
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().filter_map(|&d| date_of(d))
    }

    /// The make-up working days, in order.
    pub fn workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.workdays.iter().filter_map(|&d| date_of(d))
    }

    /// Working minutes of one working day: what `1d` means under this
    /// calendar.
    pub fn day_minutes(&self) -> i64 {
        self.hours.iter().map(|&(s, e)| i64::from(e - s)).sum()
    }

    /// A length of working time in minutes under this calendar.
    pub fn minutes(&self, time: WorkingTime) -> i64 {
        i64::from(time.days) * self.day_minutes() + i64::from(time.minutes)
    }

    /// Parses an SLA length (`4h`, `2d`, `90m`, `1d4h`) into working minutes
    /// under this calendar. See [`WorkingTime::parse`].
    pub fn parse_duration(&self, text: &str) -> Result<i64, Problem> {
        WorkingTime::parse(text).map(|t| self.minutes(t))
    }

    /// When `minutes` of working time have passed since `start`, not counting
    /// `pauses`: the end of the last minute needed, so 17:30 plus 30 minutes
    /// on a day ending at 18:00 is 18:00 that day. `minutes` of zero or less
    /// give `start`.
    ///
    /// `None` when a pause with no end stops the clock before the time is
    /// used up (the due time is not known until the customer answers), or
    /// when the due time would fall after the year 9999.
    pub fn add(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
        pauses: &[Pause],
    ) -> Option<DateTime<Utc>> {
        if minutes <= 0 {
            return Some(start);
        }
        let mut due = Due {
            left: minutes.saturating_mul(MINUTE),
            at: None,
        };
        self.walk(start.timestamp_millis(), i64::MAX, &stops(pauses), &mut due);
        due.at.and_then(DateTime::from_timestamp_millis)
    }

    /// Whole minutes of working time from `from` to `to`, not counting
    /// `pauses` (a pause with no end counts nothing from its start). Negative
    /// when `to` is before `from`, so `elapsed(now, due)` is the time left and
    /// turns negative once the due time has passed.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>, pauses: &[Pause]) -> i64 {
        if to < from {
            return -self.elapsed(to, from, pauses);
        }
        let mut worked = Worked { ms: 0 };
        self.walk(
            from.timestamp_millis(),
            to.timestamp_millis(),
            &stops(pauses),
            &mut worked,
        );
        worked.ms / MINUTE
    }

    /// Feeds `tally` the working time from `from` up to `horizon`, in order,
    /// outside `stops` (sorted, disjoint), until it has enough.
    ///
    /// The walk goes through stretches of constant UTC offset. Within one,
    /// local time is UTC plus the offset, so a local date's spans map to UTC
    /// by subtraction. An offset is taken as constant over a local day (or a
    /// week) when it is the same at both ends: no zone changes its offset and
    /// back within one day. Where it differs, the change is found by
    /// bisection and the walk resumes from it under the new offset, which
    /// reads the wall clock as it really went, skipped or repeated hours
    /// included.
    fn walk(&self, from: i64, horizon: i64, stops: &[(i64, i64)], tally: &mut impl Tally) {
        let mut at = from;
        let mut offset = self.offset(at);
        let mut next = 0;
        while at < horizon {
            while stops.get(next).is_some_and(|&(_, end)| end <= at) {
                next += 1;
            }
            let next_stop = match stops.get(next) {
                Some(&(start, end)) if start <= at => {
                    at = end;
                    if at < horizon {
                        offset = self.offset(at);
                    }
                    continue;
                }
                Some(&(start, _)) => start,
                None => i64::MAX,
            };
            let day = (at + offset).div_euclid(DAY);
            if day > LAST_DAY {
                return;
            }
            let midnight = day * DAY - offset;
            if at == midnight {
                let week_end = midnight + 7 * DAY;
                if week_end <= horizon.min(next_stop)
                    && self.plain_week(day, midnight, offset)
                    && tally.whole_week(self.week_ms())
                {
                    at = week_end;
                    continue;
                }
            }
            let mut end = midnight + DAY;
            let mut next_offset = offset;
            if self.offset(end) != offset {
                end = self.offset_change(at, end, offset);
                next_offset = self.offset(end);
            }
            let stop = end.min(horizon).min(next_stop);
            if self.is_worked(day) {
                for &(s, e) in &self.hours {
                    let a = (midnight + i64::from(s) * MINUTE).max(at);
                    let b = (midnight + i64::from(e) * MINUTE).min(stop);
                    if a < b && tally.work(a, b) {
                        return;
                    }
                }
            }
            if stop == end {
                offset = next_offset;
            }
            at = stop;
        }
    }

    /// The UTC offset at `at` (UTC milliseconds), in milliseconds.
    fn offset(&self, at: i64) -> i64 {
        DateTime::from_timestamp_millis(at).map_or(0, |t| {
            let fixed = self.tz.offset_from_utc_datetime(&t.naive_utc()).fix();
            i64::from(fixed.local_minus_utc()) * 1000
        })
    }

    /// The first moment in `(after, until]` whose offset differs from
    /// `offset`, given that the offset at `until` does. Offsets change on
    /// whole seconds.
    fn offset_change(&self, after: i64, until: i64, offset: i64) -> i64 {
        let mut lo = after.div_euclid(1000);
        let mut hi = until.div_euclid(1000);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset(mid * 1000) == offset {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi * 1000
    }

    /// Whether the seven local days from `day` (starting at UTC `midnight`)
    /// hold no holiday, no make-up day and no offset change, so their working
    /// time is that of a normal week.
    fn plain_week(&self, day: i64, midnight: i64, offset: i64) -> bool {
        let none_in = |dates: &[i64]| {
            let i = dates.partition_point(|&d| d < day);
            dates.get(i).is_none_or(|&d| d >= day + 7)
        };
        none_in(&self.holidays)
            && none_in(&self.workdays)
            && (1..=7).all(|k| self.offset(midnight + k * DAY) == offset)
    }

    /// Working milliseconds of a normal week.
    fn week_ms(&self) -> i64 {
        let days = self.days.iter().filter(|&&d| d).count() as i64;
        days * self.day_minutes() * MINUTE
    }

    /// Whether a local date (days since 1970-01-01) is worked.
    fn is_worked(&self, day: i64) -> bool {
        if self.holidays.binary_search(&day).is_ok() {
            return false;
        }
        self.workdays.binary_search(&day).is_ok() || self.days[(day + 3).rem_euclid(7) as usize]
    }
}

/// What a walk over working time counts.
trait Tally {
    /// Takes a whole normal week of `ms` working time at once, if that does
    /// not overshoot.
    fn whole_week(&mut self, ms: i64) -> bool;
    /// Takes the working time `[a, b)`; true once nothing more is needed.
    fn work(&mut self, a: i64, b: i64) -> bool;
}

/// Counts down to a due time.
struct Due {
    left: i64,
    at: Option<i64>,
}

impl Tally for Due {
    fn whole_week(&mut self, ms: i64) -> bool {
        // Strictly more, so the due time itself is found inside a day.
        let take = self.left > ms;
        if take {
            self.left -= ms;
        }
        take
    }

    fn work(&mut self, a: i64, b: i64) -> bool {
        if b - a >= self.left {
            self.at = Some(a + self.left);
            return true;
        }
        self.left -= b - a;
        false
    }
}

/// Adds up working time.
struct Worked {
    ms: i64,
}

impl Tally for Worked {
    fn whole_week(&mut self, ms: i64) -> bool {
        self.ms += ms;
        true
    }

    fn work(&mut self, a: i64, b: i64) -> bool {
        self.ms += b - a;
        false
    }
}

/// Pauses as sorted, disjoint UTC millisecond intervals; one still running
/// ends at `i64::MAX`. Empty or inverted pauses stop nothing.
fn stops(pauses: &[Pause]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = pauses
        .iter()
        .map(|(start, end)| {
            let end = end.map_or(i64::MAX, |e| e.timestamp_millis());
            (start.timestamp_millis(), end)
        })
        .filter(|(start, end)| start < end)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn epoch_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_FROM_CE
}

fn date_of(day: i64) -> Option<NaiveDate> {
    i32::try_from(day + EPOCH_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn parse_days(text: &str) -> Result<[bool; 7], Problem> {
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() || text == "none" {
        return Err(Problem::NoWorkingTime);
    }
    let weekday = |name: &str| {
        WEEKDAYS
            .iter()
            .position(|w| *w == name.trim())
            .ok_or(Problem::WorkingDays)
    };
    let mut days = [false; 7];
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (weekday(first)?, weekday(last)?);
                // A range may wrap past Sunday: sun-thu.
                let mut d = first;
                loop {
                    days[d] = true;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days[weekday(part)?] = true,
        }
    }
    Ok(days)
}

fn parse_hours(text: &str) -> Result<Vec<(u32, u32)>, Problem> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Err(Problem::NoWorkingTime);
    }
    let mut spans = Vec::new();
    for part in text.split(',') {
        let (start, end) = part.split_once('-').ok_or(Problem::WorkingHours)?;
        let (start, end) = (clock_minutes(start)?, clock_minutes(end)?);
        if end <= start || start >= 1440 {
            return Err(Problem::WorkingHours);
        }
        spans.push((start, end));
    }
    spans.sort_unstable();
    if spans.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(Problem::WorkingHours);
    }
    Ok(spans)
}

/// `HH:MM` (or `H:MM`) as minutes from midnight; `24:00` is the day's end.
fn clock_minutes(text: &str) -> Result<u32, Problem> {
    let (h, m) = text.trim().split_once(':').ok_or(Problem::WorkingHours)?;
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        if len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u32>().map_err(|_| Problem::WorkingHours)
        } else {
            Err(Problem::WorkingHours)
        }
    };
    let (h, m) = (digits(h, 1..=2)?, digits(m, 2..=2)?);
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(Problem::WorkingHours);
    }
    Ok(h * 60 + m)
}

/// A length of working time as an SLA policy states it: whole working days
/// (each as long as the calendar's daily hours) plus working minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingTime {
    days: u32,
    minutes: u32,
}

impl WorkingTime {
    /// The longest accepted, counting a day as 24 hours: a year.
    pub const MAX_DAYS: u32 = 366;

    /// Parses `4h`, `2d`, `90m`, `1d4h`, `1h30m` (units d, h, m in that
    /// order, each at most once, spaces allowed between them). Refuses
    /// anything else, zero, and more than [`WorkingTime::MAX_DAYS`].
    pub fn parse(text: &str) -> Result<WorkingTime, Problem> {
        let bad = Problem::Duration {
            max_days: Self::MAX_DAYS,
        };
        let text = text.trim().to_ascii_lowercase();
        let mut rest = text.as_str();
        let mut amounts = [None::<u64>; 3];
        let mut last_unit = None;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 6 {
                return Err(bad);
            }
            let amount: u64 = rest[..digits].parse().map_err(|_| bad.clone())?;
            let unit = match rest[digits..].chars().next() {
                Some('d') => 0,
                Some('h') => 1,
                Some('m') => 2,
                _ => return Err(bad),
            };
            if last_unit.is_some_and(|u| u >= unit) {
                return Err(bad);
            }
            last_unit = Some(unit);
            amounts[unit] = Some(amount);
            rest = rest[digits + 1..].trim_start();
        }
        let [d, h, m] = amounts.map(|a| a.unwrap_or(0));
        let as_minutes = d * 1440 + h * 60 + m;
        if last_unit.is_none() || as_minutes == 0 || as_minutes > u64::from(Self::MAX_DAYS) * 1440 {
            return Err(bad);
        }
        // Bounded above, so both fit.
        Ok(WorkingTime {
            days: d as u32,
            minutes: (h * 60 + m) as u32,
        })
    }

    /// Whole working days.
    pub fn days(self) -> u32 {
        self.days
    }

    /// Working minutes beyond the whole days.
    pub fn minutes(self) -> u32 {
        self.minutes
    }
}

impl fmt::Display for WorkingTime {
    /// The text [`WorkingTime::parse`] reads back: `1d4h`, `1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m) = (self.minutes / 60, self.minutes % 60);
        if self.days > 0 {
            write!(f, "{}d", self.days)?;
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(days: &str, hours: &str) -> Result<Calendar, Invalid> {
        Calendar::parse("Asia/Shanghai", days, hours, [], [])
    }

    #[test]
    fn days_and_hours_parse_and_print_back() {
        let cal = calendar("mon-fri", "13:00-18:00, 09:00-12:00").unwrap();
        assert_eq!(cal.days_text(), "mon-fri");
        assert_eq!(cal.hours_text(), "09:00-12:00,13:00-18:00");
        assert_eq!(cal.day_minutes(), 8 * 60);
        let cal = calendar("Sun-Thu", "00:00-24:00").unwrap();
        assert_eq!(cal.days(), [true, true, true, true, false, false, true]);
        assert_eq!(cal.days_text(), "mon-thu,sun");
        assert_eq!(
            calendar("mon,tue,sat", "9:00-17:30").unwrap().days_text(),
            "mon,tue,sat"
        );
    }

    #[test]
    fn a_calendar_without_working_time_is_refused() {
        let field = |r: Result<Calendar, Invalid>| r.map(|_| ()).unwrap_err();
        assert_eq!(
            field(calendar("", "09:00-18:00")),
            Invalid::new("days", Problem::NoWorkingTime)
        );
        assert_eq!(
            field(calendar("mon-fri", " ")),
            Invalid::new("hours", Problem::NoWorkingTime)
        );
        for days in ["monday", "mon-", "mon;tue", "mon--fri"] {
            assert_eq!(
                field(calendar(days, "09:00-18:00")).problem,
                Problem::WorkingDays,
                "{days}"
            );
        }
        for hours in [
            "18:00-09:00",
            "09:00-09:00",
            "09:00-12:00,11:00-13:00",
            "9-18",
            "09:00-24:30",
            "24:00-24:00",
            "09:60-10:00",
            "09:00",
        ] {
            assert_eq!(
                field(calendar("mon-fri", hours)).problem,
                Problem::WorkingHours,
                "{hours}"
            );
        }
        assert_eq!(
            field(Calendar::parse(
                "Mars/Olympus",
                "mon-fri",
                "09:00-18:00",
                [],
                []
            )),
            Invalid::new("tz", Problem::TimeZone)
        );
        let day = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
        let both = field(Calendar::parse(
            "UTC",
            "mon-fri",
            "09:00-18:00",
            [day],
            [day],
        ));
        assert_eq!(both.problem.code(), "holiday_and_workday");
        assert_eq!(both.problem.params()["date"], "2026-02-14");
    }

    #[test]
    fn working_time_reads_days_hours_and_minutes() {
        let cal = calendar("mon-fri", "09:00-12:00,13:00-18:00").unwrap();
        assert_eq!(cal.parse_duration("4h"), Ok(240));
        assert_eq!(
            cal.parse_duration("2d"),
            Ok(2 * 480),
            "a day is the calendar's 8 hours"
        );
        assert_eq!(cal.parse_duration("90m"), Ok(90));
        assert_eq!(cal.parse_duration(" 1D 4h "), Ok(480 + 240));
        assert_eq!(cal.parse_duration("1d4h30m"), Ok(480 + 270));
        for text in ["1d4h", "36h", "1h30m", "90m"] {
            let time = WorkingTime::parse(text).unwrap();
            assert_eq!(WorkingTime::parse(&time.to_string()), Ok(time), "{text}");
        }
        assert_eq!(WorkingTime::parse("90m").unwrap().to_string(), "1h30m");
    }

    #[test]
    fn malformed_working_time_is_refused_with_a_code() {
        for text in [
            "", "4", "h", "4x", "4h2d", "1h1h", "-1h", "1.5h", "0h", "0d0m", "367d", "9000h",
            "1234567m", "4 h",
        ] {
            let err = WorkingTime::parse(text).unwrap_err();
            assert_eq!(err.code(), "duration", "{text:?}");
            assert_eq!(err.params()["max_days"], 366);
        }
        assert!(WorkingTime::parse("366d").is_ok());
    }
}
