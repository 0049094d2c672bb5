//! Criterion benchmark of the SLA clock: one due time (or time left) per
//! case, under calendars with two years of holidays: Shanghai with the
//! 2026 public holidays and make-up working days (2027 plausible), and New
//! York with the federal holidays and daylight saving. Cases open at 1,200
//! moments spread over 2026 (day and night, weekdays, weekends, holidays),
//! taken in turn.
//!
//! `cargo bench -p crm-domain --bench sla`

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_domain::sla::Pause;

#[path = "../tests/domain/calendars.rs"]
mod calendars;

/// Moments every 7 h 17 min through 2026, so they land at every hour of
/// every weekday.
fn openings() -> Vec<DateTime<Utc>> {
    let first = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    (0..1200)
        .map(|i| first + Duration::minutes(i * (7 * 60 + 17)))
        .collect()
}

fn due_times(c: &mut Criterion) {
    let openings = openings();
    let calendars = [
        ("shanghai", calendars::shanghai()),
        ("new_york", calendars::new_york()),
    ];
    let mut group = c.benchmark_group("sla");
    group.throughput(Throughput::Elements(1));
    for (name, cal) in &calendars {
        for length in ["4h", "2d", "10d", "30d"] {
            let minutes = cal.parse_duration(length).unwrap();
            let mut i = 0;
            group.bench_function(format!("{name}/due/{length}"), |b| {
                b.iter(|| {
                    i = (i + 1) % openings.len();
                    black_box(cal.add(black_box(openings[i]), minutes, &[]))
                })
            });
        }
        // A case that waited on the customer twice.
        let minutes = cal.parse_duration("2d").unwrap();
        let pauses: Vec<Vec<Pause>> = openings
            .iter()
            .map(|&t| {
                vec![
                    (t + Duration::hours(3), Some(t + Duration::hours(20))),
                    (t + Duration::hours(30), Some(t + Duration::hours(50))),
                ]
            })
            .collect();
        let mut i = 0;
        group.bench_function(format!("{name}/due/2d_two_pauses"), |b| {
            b.iter(|| {
                i = (i + 1) % openings.len();
                black_box(cal.add(black_box(openings[i]), minutes, &pauses[i]))
            })
        });
        // Time left on a case opened a month ago.
        let mut i = 0;
        group.bench_function(format!("{name}/elapsed/30_days"), |b| {
            b.iter(|| {
                i = (i + 1) % openings.len();
                let from = openings[i];
                black_box(cal.elapsed(black_box(from), from + Duration::days(30), &[]))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, due_times);
criterion_main!(benches);
