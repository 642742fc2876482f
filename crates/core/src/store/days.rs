//! Local days as SQL: which day an instant falls on in a time zone, computed by the database
//! from a plan made here with the time zone database, so SQLite (which has none) and
//! PostgreSQL group orders into exactly the same days.

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::Dialect;

/// The instants a range of local days covers, and how to name the day of any instant in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    /// The first day's local midnight.
    pub start: DateTime<Utc>,
    /// The local midnight after the last day (exclusive).
    pub end: DateTime<Utc>,
    /// Consecutive, in order, covering `start..end`.
    pub spans: Vec<DaySpan>,
}

/// Instants up to `until` (exclusive) whose day is found one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySpan {
    pub until: DateTime<Utc>,
    pub day: SpanDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanDay {
    /// Days that are 24 hours long at one UTC offset: the day is the date of instant + offset.
    Offset(i32),
    /// A day on which the offset changes (daylight saving): named outright.
    Fixed(NaiveDate),
}

/// When `day` begins in `zone`. Where midnight does not exist (a zone that springs forward at
/// midnight) the day begins at the first local time that does.
pub fn day_start(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    // Transitions move clocks by at most a few hours; try quarter hours until one exists.
    (0..=16)
        .find_map(|quarter| {
            zone.from_local_datetime(&(midnight + Duration::minutes(15 * quarter)))
                .earliest()
        })
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

fn offset_at(zone: Tz, at: DateTime<Utc>) -> i32 {
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

impl DayPlan {
    /// The plan for the days `from..=to` (callers check `from <= to`).
    pub fn new(zone: Tz, from: NaiveDate, to: NaiveDate) -> Self {
        let start = day_start(zone, from);
        let mut spans: Vec<DaySpan> = Vec::new();
        let mut day = from;
        let mut day_begins = start;
        while day <= to {
            let next = day.succ_opt().expect("dates in range");
            let next_begins = day_start(zone, next);
            let offset = offset_at(zone, day_begins);
            let regular = next_begins - day_begins == Duration::days(1)
                && offset_at(zone, next_begins - Duration::seconds(1)) == offset;
            let rule = if regular {
                SpanDay::Offset(offset)
            } else {
                SpanDay::Fixed(day)
            };
            match spans.last_mut() {
                Some(last) if regular && last.day == rule => last.until = next_begins,
                _ => spans.push(DaySpan {
                    until: next_begins,
                    day: rule,
                }),
            }
            day = next;
            day_begins = next_begins;
        }
        DayPlan {
            start,
            end: day_begins,
            spans,
        }
    }

    /// An SQL expression for the local day of the timestamp `column`, valid for rows already
    /// limited to `start..end`: `YYYY-MM-DD` text in SQLite, a `date` in PostgreSQL (whose
    /// planner groups dates by hashing, where it would sort the same days as text).
    ///
    /// The literals are formatted here from dates, instants and integers, never from user
    /// text, so splicing them into the statement cannot inject anything.
    pub fn day_sql(&self, dialect: Dialect, column: &str) -> String {
        let expr = |day: SpanDay| match day {
            SpanDay::Offset(seconds) => dialect.shifted_date(column, seconds),
            SpanDay::Fixed(date) => dialect.date(date),
        };
        let (last, earlier) = self.spans.split_last().expect("a plan has a day");
        if earlier.is_empty() {
            return expr(last.day);
        }
        let mut sql = String::from("CASE");
        for span in earlier {
            sql.push_str(&format!(
                " WHEN {column} < {} THEN {}",
                dialect.instant(span.until),
                expr(span.day)
            ));
        }
        sql.push_str(&format!(" ELSE {} END", expr(last.day)));
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn plan(zone: Tz, from: &str, to: &str) -> DayPlan {
        DayPlan::new(zone, date(from), date(to))
    }

    #[test]
    fn vietnam_is_one_span_at_seven_hours() {
        let plan = plan(chrono_tz::Asia::Ho_Chi_Minh, "2026-11-01", "2026-11-30");
        assert_eq!(plan.start.to_rfc3339(), "2026-10-31T17:00:00+00:00");
        assert_eq!(plan.end.to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(
            plan.spans,
            vec![DaySpan {
                until: plan.end,
                day: SpanDay::Offset(7 * 3600)
            }]
        );
        assert_eq!(
            plan.day_sql(Dialect::Sqlite, "inserted_at"),
            "date(substr(inserted_at, 1, 19), '+25200 seconds')"
        );
    }

    #[test]
    fn a_daylight_saving_day_is_named_outright() {
        // New York springs forward on 2026-03-08: that day is 23 hours long.
        let plan = plan(chrono_tz::America::New_York, "2026-03-07", "2026-03-09");
        assert_eq!(
            plan.spans.iter().map(|s| s.day).collect::<Vec<_>>(),
            vec![
                SpanDay::Offset(-5 * 3600),
                SpanDay::Fixed(date("2026-03-08")),
                SpanDay::Offset(-4 * 3600)
            ]
        );
        assert_eq!(plan.end - plan.start, Duration::hours(71));
        let sql = plan.day_sql(Dialect::Postgres, "t");
        assert!(
            sql.starts_with("CASE WHEN t < '2026-03-08T05:00:00.000000Z'::timestamptz"),
            "{sql}"
        );
        assert!(sql.contains("THEN DATE '2026-03-08'"), "{sql}");
    }

    #[test]
    fn a_missing_midnight_starts_the_day_at_the_first_real_time() {
        // Havana springs forward at midnight: 2026-03-08 00:00 does not exist there.
        let zone = chrono_tz::America::Havana;
        let begins = day_start(zone, date("2026-03-08"));
        assert_eq!(
            begins.with_timezone(&zone).format("%H:%M").to_string(),
            "01:00"
        );
    }
}
