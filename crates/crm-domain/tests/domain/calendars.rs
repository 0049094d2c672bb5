//! Real calendars of two teams, shared by the tests and the benchmark.

use chrono::NaiveDate;
use crm_domain::sla::Calendar;

fn dates(list: &[&str]) -> Vec<NaiveDate> {
    list.iter()
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a test date"))
        .collect()
}

/// Ranges written `from..=to` in the official notices, as single dates.
fn days(ranges: &[(&str, &str)]) -> Vec<NaiveDate> {
    ranges
        .iter()
        .flat_map(|(from, to)| {
            let (from, to) = (dates(&[from])[0], dates(&[to])[0]);
            from.iter_days().take_while(move |d| *d <= to)
        })
        .collect()
}

/// A team in Shanghai, Monday to Friday 09:00-12:00 and 13:00-18:00, with the
/// public holidays and make-up working days (调休) of 2026 and 2027.
///
/// 2026 is the State Council's notice 国务院办公厅关于2026年部分节假日安排的通知
/// of 4 November 2025 (Xinhua; e.g. politics.gmw.cn/2025-11/04/content_38391083.htm).
/// 2027 had not been announced: its dates are a plausible schedule built on
/// the 2027 festival dates (春节 6 February, 清明 5 April, 端午 9 June,
/// 中秋 15 September), not the official one.
pub fn shanghai() -> Calendar {
    let holidays = days(&[
        // 2026, official.
        ("2026-01-01", "2026-01-03"), // 元旦
        ("2026-02-15", "2026-02-23"), // 春节
        ("2026-04-04", "2026-04-06"), // 清明节
        ("2026-05-01", "2026-05-05"), // 劳动节
        ("2026-06-19", "2026-06-21"), // 端午节
        ("2026-09-25", "2026-09-27"), // 中秋节
        ("2026-10-01", "2026-10-07"), // 国庆节
        // 2027, plausible (not yet announced).
        ("2027-01-01", "2027-01-03"),
        ("2027-02-05", "2027-02-12"),
        ("2027-04-03", "2027-04-05"),
        ("2027-05-01", "2027-05-05"),
        ("2027-06-09", "2027-06-09"),
        ("2027-09-15", "2027-09-15"),
        ("2027-10-01", "2027-10-07"),
    ]);
    let workdays = dates(&[
        // 2026, official: worked although a weekend.
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
        // 2027, plausible.
        "2027-02-20",
        "2027-04-25",
        "2027-05-08",
        "2027-09-26",
        "2027-10-09",
    ]);
    Calendar::parse(
        "Asia/Shanghai",
        "mon-fri",
        "09:00-12:00,13:00-18:00",
        holidays,
        workdays,
    )
    .expect("the Shanghai calendar parses")
}

/// A team in New York, Monday to Friday 09:00-18:00, with the US federal
/// holidays of 2026 and 2027 (on the weekday observed), under daylight saving.
pub fn new_york() -> Calendar {
    let holidays = dates(&[
        "2026-01-01",
        "2026-01-19",
        "2026-02-16",
        "2026-05-25",
        "2026-06-19",
        "2026-07-03",
        "2026-09-07",
        "2026-10-12",
        "2026-11-11",
        "2026-11-26",
        "2026-12-25",
        "2027-01-01",
        "2027-01-18",
        "2027-02-15",
        "2027-05-31",
        "2027-06-18",
        "2027-07-05",
        "2027-09-06",
        "2027-10-11",
        "2027-11-11",
        "2027-11-25",
        "2027-12-24",
    ]);
    Calendar::parse("America/New_York", "mon-fri", "09:00-18:00", holidays, [])
        .expect("the New York calendar parses")
}
