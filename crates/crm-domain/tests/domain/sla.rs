//! The SLA clock against the calendar a person would read, and against a
//! minute-by-minute count.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use crm_domain::sla::{Calendar, Pause};
use proptest::prelude::*;

use crate::calendars;

/// A wall-clock time in `tz`, which must exist and be unambiguous.
fn local(tz: Tz, text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn around_the_clock(tz: &str) -> Calendar {
    Calendar::parse(tz, "mon-sun", "00:00-24:00", [], []).unwrap()
}

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
const NEW_YORK: Tz = chrono_tz::America::New_York;

#[test]
fn friday_evening_plus_an_hour_is_monday_morning_in_shanghai() {
    let cal = Calendar::parse("Asia/Shanghai", "mon-fri", "09:00-18:00", [], []).unwrap();
    let friday = local(SHANGHAI, "2026-03-13 17:30");
    let due = cal.add(friday, 60, &[]).unwrap();
    assert_eq!(due, local(SHANGHAI, "2026-03-16 09:30"));
    assert_eq!(cal.elapsed(friday, due, &[]), 60);
    // The end of the last minute needed, not the start of the next day.
    assert_eq!(
        cal.add(friday, 30, &[]),
        Some(local(SHANGHAI, "2026-03-13 18:00"))
    );
}

#[test]
fn a_make_up_saturday_counts_and_the_spring_festival_does_not() {
    let cal = calendars::shanghai();
    // Saturday 14 February 2026 is worked (调休); 15-23 February are the holiday.
    let friday = local(SHANGHAI, "2026-02-13 17:00");
    assert_eq!(
        cal.add(friday, 120, &[]),
        Some(local(SHANGHAI, "2026-02-14 10:00"))
    );
    let saturday = local(SHANGHAI, "2026-02-14 17:00");
    assert_eq!(
        cal.add(saturday, 120, &[]),
        Some(local(SHANGHAI, "2026-02-24 10:00"))
    );
    // Sunday 4 January 2026 is worked too, after the New Year holiday.
    let new_year = local(SHANGHAI, "2025-12-31 17:00");
    assert_eq!(
        cal.add(new_year, 120, &[]),
        Some(local(SHANGHAI, "2026-01-04 10:00"))
    );
}

#[test]
fn a_holiday_monday_is_skipped() {
    // 清明节: Monday 6 April 2026.
    let cal = calendars::shanghai();
    let friday = local(SHANGHAI, "2026-04-03 17:00");
    assert_eq!(
        cal.add(friday, 120, &[]),
        Some(local(SHANGHAI, "2026-04-07 10:00"))
    );
    // Martin Luther King Jr. Day: Monday 19 January 2026.
    let cal = calendars::new_york();
    let friday = local(NEW_YORK, "2026-01-16 17:00");
    assert_eq!(
        cal.add(friday, 120, &[]),
        Some(local(NEW_YORK, "2026-01-20 10:00"))
    );
}

#[test]
fn days_are_the_calendars_working_days() {
    let cal = calendars::shanghai();
    let tuesday = local(SHANGHAI, "2026-03-10 10:00");
    let two_days = cal.parse_duration("2d").unwrap();
    assert_eq!(
        cal.add(tuesday, two_days, &[]),
        Some(local(SHANGHAI, "2026-03-12 10:00"))
    );
}

#[test]
fn new_york_spring_forward_loses_an_hour_of_the_wall_clock() {
    // Sunday 8 March 2026: 02:00 EST becomes 03:00 EDT.
    let cal = around_the_clock("America/New_York");
    let day = local(NEW_YORK, "2026-03-08 00:00");
    let next = local(NEW_YORK, "2026-03-09 00:00");
    assert_eq!(cal.elapsed(day, next, &[]), 23 * 60);
    let saturday_night = local(NEW_YORK, "2026-03-07 23:00");
    assert_eq!(
        cal.add(saturday_night, 180, &[]),
        Some(local(NEW_YORK, "2026-03-08 03:00"))
    );
    // A span that starts before the gap and ends at its far side holds
    // only its first half hour.
    let short = Calendar::parse("America/New_York", "sun", "01:30-03:00", [], []).unwrap();
    assert_eq!(short.elapsed(day, next, &[]), 30);
    // Office hours keep to the wall clock: 17:00 Friday is 22:00 UTC,
    // 10:00 Monday is 14:00 UTC.
    let cal = calendars::new_york();
    let friday = local(NEW_YORK, "2026-03-06 17:00");
    let due = cal.add(friday, 120, &[]).unwrap();
    assert_eq!(due, local(NEW_YORK, "2026-03-09 10:00"));
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 9, 14, 0, 0).unwrap());
}

#[test]
fn new_york_fall_back_works_the_repeated_hour_twice() {
    // Sunday 1 November 2026: 02:00 EDT becomes 01:00 EST.
    let cal = around_the_clock("America/New_York");
    let day = local(NEW_YORK, "2026-11-01 00:00");
    let next = local(NEW_YORK, "2026-11-02 00:00");
    assert_eq!(cal.elapsed(day, next, &[]), 25 * 60);
    let early = Calendar::parse("America/New_York", "sun", "00:00-03:00", [], []).unwrap();
    assert_eq!(early.elapsed(day, next, &[]), 4 * 60);
    // 01:30-02:00 EDT, then 01:30-03:00 EST: the wall clock shows 01:00-01:30
    // in between, outside the span.
    let late = Calendar::parse("America/New_York", "sun", "01:30-03:00", [], []).unwrap();
    assert_eq!(late.elapsed(day, next, &[]), 30 + 90);
    let first_half_hour = late.add(day, 30, &[]).unwrap();
    assert_eq!(
        first_half_hour,
        Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap()
    );
    let resumed = late.add(day, 31, &[]).unwrap();
    assert_eq!(
        resumed,
        Utc.with_ymd_and_hms(2026, 11, 1, 6, 31, 0).unwrap()
    );
}

#[test]
fn a_pause_over_the_weekend_stops_the_clock() {
    let cal = Calendar::parse("Asia/Shanghai", "mon-fri", "09:00-18:00", [], []).unwrap();
    let opened = local(SHANGHAI, "2026-03-13 17:00");
    assert_eq!(
        cal.add(opened, 240, &[]),
        Some(local(SHANGHAI, "2026-03-16 12:00"))
    );
    // Waiting on the customer from 17:30 Friday to 11:00 Monday.
    let waited: Pause = (
        local(SHANGHAI, "2026-03-13 17:30"),
        Some(local(SHANGHAI, "2026-03-16 11:00")),
    );
    let due = cal.add(opened, 240, &[waited]).unwrap();
    assert_eq!(due, local(SHANGHAI, "2026-03-16 14:30"));
    assert_eq!(cal.elapsed(opened, due, &[waited]), 240);
    // Still waiting: no due time yet, and the clock stands at 30 minutes.
    let waiting: Pause = (waited.0, None);
    assert_eq!(cal.add(opened, 240, &[waiting]), None);
    let monday_noon = local(SHANGHAI, "2026-03-16 12:00");
    assert_eq!(cal.elapsed(opened, monday_noon, &[waiting]), 30);
    // A pause that begins after the time is used up changes nothing.
    let later: Pause = (local(SHANGHAI, "2026-03-17 09:00"), None);
    assert_eq!(
        cal.add(opened, 240, &[later]),
        Some(local(SHANGHAI, "2026-03-16 12:00"))
    );
}

#[test]
fn time_left_turns_negative_once_due() {
    let cal = calendars::new_york();
    let opened = local(NEW_YORK, "2026-03-10 09:00");
    let due = cal.add(opened, 240, &[]).unwrap();
    let now = local(NEW_YORK, "2026-03-10 15:00");
    assert_eq!(
        cal.elapsed(now, due, &[]),
        -120,
        "two working hours past due"
    );
    assert_eq!(cal.elapsed(opened, due, &[]), 240);
}

#[test]
fn seconds_are_carried_and_partial_minutes_not_counted() {
    let cal = calendars::new_york();
    let start = local(NEW_YORK, "2026-03-10 10:00") + Duration::seconds(30);
    let due = cal.add(start, 1, &[]).unwrap();
    assert_eq!(due, start + Duration::minutes(1));
    assert_eq!(cal.elapsed(start, due - Duration::seconds(1), &[]), 0);
}

#[test]
fn a_year_of_working_time_ends_in_the_right_week() {
    // 52 weeks of 5 x 8h under Shanghai's calendar crosses every holiday of
    // 2026; a minute-exact answer comes from elapsed agreeing.
    let cal = calendars::shanghai();
    let start = local(SHANGHAI, "2026-01-05 09:00");
    let minutes = 52 * 5 * 8 * 60;
    let due = cal.add(start, minutes, &[]).unwrap();
    assert_eq!(cal.elapsed(start, due, &[]), minutes);
    assert!(
        due > local(SHANGHAI, "2027-01-01 00:00"),
        "holidays push it past new year: {due}"
    );
}

// ---- Against a minute-by-minute count ----

/// A calendar as the reference reads it: one minute at a time.
#[derive(Debug, Clone)]
struct Plan {
    tz: Tz,
    days: [bool; 7],
    hours: Vec<(u32, u32)>,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl Plan {
    fn calendar(&self) -> Calendar {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let days: Vec<&str> = (0..7).filter(|&d| self.days[d]).map(|d| names[d]).collect();
        let clock = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let hours: Vec<String> = self
            .hours
            .iter()
            .map(|&(s, e)| format!("{}-{}", clock(s), clock(e)))
            .collect();
        Calendar::parse(
            self.tz.name(),
            &days.join(","),
            &hours.join(","),
            self.holidays.iter().copied(),
            self.workdays.iter().copied(),
        )
        .unwrap()
    }

    /// Whether the minute starting at `t` is working time, by the wall clock.
    fn works(&self, t: DateTime<Utc>, pauses: &[Pause]) -> bool {
        if pauses
            .iter()
            .any(|&(a, b)| a <= t && b.is_none_or(|b| t < b))
        {
            return false;
        }
        let wall = t.with_timezone(&self.tz).naive_local();
        let date = wall.date();
        let worked = !self.holidays.contains(&date)
            && (self.workdays.contains(&date)
                || self.days[date.weekday().num_days_from_monday() as usize]);
        let minute = wall.hour() * 60 + wall.minute();
        worked && self.hours.iter().any(|&(s, e)| s <= minute && minute < e)
    }

    /// The due time, minute by minute; `Err` when the walk gives up.
    fn add(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
        pauses: &[Pause],
    ) -> Result<Option<DateTime<Utc>>, ()> {
        if minutes <= 0 {
            return Ok(Some(start));
        }
        let mut counted = 0;
        let mut t = start;
        for _ in 0..LIMIT {
            if pauses.iter().any(|&(a, b)| b.is_none() && a <= t) {
                return Ok(None);
            }
            if self.works(t, pauses) {
                counted += 1;
                if counted == minutes {
                    return Ok(Some(t + Duration::minutes(1)));
                }
            }
            t += Duration::minutes(1);
        }
        Err(())
    }

    fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>, pauses: &[Pause]) -> i64 {
        let mut counted = 0;
        let mut t = from;
        while t < to {
            counted += i64::from(self.works(t, pauses));
            t += Duration::minutes(1);
        }
        counted
    }
}

/// The longest the reference walks: 70 days of minutes.
const LIMIT: usize = 70 * 1440;

/// Days near offset changes of the zones tested, and ordinary ones.
const ANCHORS: [(i32, u32, u32); 10] = [
    (2026, 3, 8),   // New York springs forward
    (2026, 11, 1),  // New York falls back
    (2026, 3, 29),  // Madrid springs forward
    (2026, 10, 25), // Madrid falls back
    (2026, 4, 5),   // Lord Howe falls back half an hour
    (2026, 10, 4),  // Lord Howe springs forward half an hour
    (2026, 2, 17),  // the Spring Festival
    (2025, 12, 31), // a year's end
    (2027, 6, 15),
    (2024, 2, 29),
];

const ZONES: [Tz; 5] = [
    chrono_tz::Asia::Shanghai,
    chrono_tz::America::New_York,
    chrono_tz::Europe::Madrid,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::UTC,
];

fn plan() -> impl Strategy<Value = (Plan, NaiveDate)> {
    (
        0..ZONES.len(),
        prop::array::uniform7(any::<bool>()),
        prop::collection::btree_set(0u32..=96, 1..=3).prop_flat_map(|points| {
            // An even number of distinct quarter hours, paired into spans.
            let n = points.len() * 2;
            prop::collection::btree_set(0u32..=96, n..=n)
        }),
        0..ANCHORS.len(),
        prop::collection::vec((-15i64..40, 0u8..3), 0..8),
    )
        .prop_map(|(zone, mut days, points, anchor, specials)| {
            if !days.contains(&true) {
                days[0] = true;
            }
            let points: Vec<u32> = points.into_iter().map(|p| p * 15).collect();
            let hours = points.chunks(2).map(|c| (c[0], c[1])).collect();
            let (y, m, d) = ANCHORS[anchor];
            let anchor = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let mut holidays = BTreeSet::new();
            let mut workdays = BTreeSet::new();
            for (offset, kind) in specials {
                let date = anchor + Duration::days(offset);
                holidays.remove(&date);
                workdays.remove(&date);
                match kind {
                    0 => holidays.insert(date),
                    1 => workdays.insert(date),
                    _ => false,
                };
            }
            let plan = Plan {
                tz: ZONES[zone],
                days,
                hours,
                holidays,
                workdays,
            };
            (plan, anchor)
        })
}

/// Pauses from minutes after `start`; the last may still be running.
fn pauses(start: DateTime<Utc>, raw: &[(i64, i64)], open: bool) -> Vec<Pause> {
    let n = raw.len();
    raw.iter()
        .enumerate()
        .map(|(i, &(from, len))| {
            let a = start + Duration::minutes(from);
            let end = (open && i + 1 == n)
                .then_some(())
                .map_or(Some(a + Duration::minutes(len)), |_| None);
            (a, end)
        })
        .collect()
}

fn week_minutes(plan: &Plan) -> i64 {
    let day: i64 = plan.hours.iter().map(|&(s, e)| i64::from(e - s)).sum();
    day * plan.days.iter().filter(|&&d| d).count() as i64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// add() agrees with the minute-by-minute count, and elapsed() measures
    /// back exactly what add() counted.
    #[test]
    fn add_matches_the_minute_count(
        (plan, anchor) in plan(),
        from in -10i64 * 1440..3 * 1440,
        share in 0.0f64..=1.0,
        raw in prop::collection::vec((-2i64 * 1440..15 * 1440, 0i64..4 * 1440), 0..3),
        open in prop::bool::weighted(0.15),
    ) {
        let cal = plan.calendar();
        let start = Utc.from_utc_datetime(&anchor.and_hms_opt(0, 0, 0).unwrap()) + Duration::minutes(from);
        let minutes = (share * (3 * week_minutes(&plan)) as f64) as i64;
        let pauses = pauses(start, &raw, open);
        let Ok(expected) = plan.add(start, minutes, &pauses) else {
            return Err(TestCaseError::reject("beyond the reference's walk"));
        };
        let due = cal.add(start, minutes, &pauses);
        prop_assert_eq!(due, expected, "{} minutes from {} under {:?}", minutes, start, cal);
        if let Some(due) = due {
            prop_assert_eq!(cal.elapsed(start, due, &pauses), minutes);
        }
    }

    /// elapsed() agrees with the minute-by-minute count, in both directions.
    #[test]
    fn elapsed_matches_the_minute_count(
        (plan, anchor) in plan(),
        from in -10i64 * 1440..3 * 1440,
        span in 0i64..21 * 1440,
        raw in prop::collection::vec((-2i64 * 1440..15 * 1440, 0i64..4 * 1440), 0..3),
        open in prop::bool::weighted(0.15),
    ) {
        let cal = plan.calendar();
        let from = Utc.from_utc_datetime(&anchor.and_hms_opt(0, 0, 0).unwrap()) + Duration::minutes(from);
        let to = from + Duration::minutes(span);
        let pauses = pauses(from, &raw, open);
        let worked = cal.elapsed(from, to, &pauses);
        prop_assert_eq!(worked, plan.elapsed(from, to, &pauses), "{} to {} under {:?}", from, to, cal);
        prop_assert_eq!(cal.elapsed(to, from, &pauses), -worked);
        if worked > 0 {
            let due = cal.add(from, worked, &pauses).unwrap();
            prop_assert!(due <= to, "the time worked was used up by {} <= {}", due, to);
        }
    }
}
