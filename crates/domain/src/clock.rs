//! Instants are stored in UTC; people see them in Europe/Brussels, always
//! with the offset. Belgium follows the EU rule: summer time (+02:00) from
//! the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

const CET: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};
const CEST: UtcOffset = match UtcOffset::from_hms(2, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

fn last_sunday(year: i32, month: Month) -> Date {
    let next_month_first = match month {
        Month::December => Date::from_calendar_date(year + 1, Month::January, 1),
        m => Date::from_calendar_date(year, m.next(), 1),
    }
    .unwrap_or(Date::MIN);
    let mut d = next_month_first - Duration::days(1);
    while d.weekday() != Weekday::Sunday {
        d -= Duration::days(1);
    }
    d
}

fn transition(year: i32, month: Month) -> OffsetDateTime {
    PrimitiveDateTime::new(last_sunday(year, month), Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT)).assume_utc()
}

/// The years ciao accepts in dates and instants it is given (days of a
/// search, registration dates): wide enough for any register, and far
/// enough from the ends of the calendar that moving an instant by an offset
/// or a day never leaves it.
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// `t` shown with `offset`; the same instant unchanged (with its own offset)
/// where that would leave the calendar (a certificate "valid until
/// 9999-12-31T23:59:59Z" seen from Brussels).
fn with_offset(t: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
    t.checked_to_offset(offset).unwrap_or(t)
}

/// The offset of Belgian legal time at instant `t`.
pub fn brussels_offset(t: OffsetDateTime) -> UtcOffset {
    let year = with_offset(t, UtcOffset::UTC).year();
    if t >= transition(year, Month::March) && t < transition(year, Month::October) { CEST } else { CET }
}

/// The instant `t` as Belgian legal time.
pub fn to_brussels(t: OffsetDateTime) -> OffsetDateTime {
    with_offset(t, brussels_offset(t))
}

/// The UTC instant at which day `date` starts in Brussels.
pub fn brussels_start_of_day(date: Date) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(date, Time::MIDNIGHT);
    // Midnight is never inside a transition (they happen at 02:00/03:00).
    let guess = local.assume_offset(CET);
    if brussels_offset(guess) == CET {
        with_offset(guess, UtcOffset::UTC)
    } else {
        with_offset(local.assume_offset(CEST), UtcOffset::UTC)
    }
}

/// The end of Brussels day `date` (exclusive): the start of the next day
/// (the day itself for the last representable date).
pub fn brussels_end_of_day(date: Date) -> OffsetDateTime {
    brussels_start_of_day(date.next_day().unwrap_or(date))
}

/// RFC 3339 in UTC with microseconds: `2024-09-02T06:58:00.000000Z`.
pub fn format_utc(t: OffsetDateTime) -> String {
    let t = with_offset(t, UtcOffset::UTC);
    t.format(UTC_MICROS).unwrap_or_else(|_| t.to_string())
}

/// RFC 3339 in Brussels time with its offset, to the microsecond:
/// `2024-09-02T08:58:00.000000+02:00`.
pub fn format_brussels(t: OffsetDateTime) -> String {
    let t = to_brussels(t);
    t.format(OFFSET_MICROS).unwrap_or_else(|_| t.to_string())
}

/// Instants are written with six fractional digits always (the precision
/// the register keeps), so that clients parsing with a fixed pattern (PHP's
/// `Y-m-d\TH:i:s.u\Z`) read every one of them.
const UTC_MICROS: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const OFFSET_MICROS: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6][offset_hour sign:mandatory]:[offset_minute]"
);

/// The instant at microsecond precision, in UTC: what the databases keep.
pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t))
}

/// Microseconds since the Unix epoch: how both databases store instants.
pub fn to_micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

pub fn from_micros(m: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn winter_and_summer_time() {
        assert_eq!(brussels_offset(datetime!(2026-01-15 12:00 UTC)), CET);
        assert_eq!(brussels_offset(datetime!(2026-07-15 12:00 UTC)), CEST);
        // 2026: last Sunday of March is the 29th, of October the 25th.
        assert_eq!(brussels_offset(datetime!(2026-03-29 00:59:59 UTC)), CET);
        assert_eq!(brussels_offset(datetime!(2026-03-29 01:00 UTC)), CEST);
        assert_eq!(brussels_offset(datetime!(2026-10-25 00:59:59 UTC)), CEST);
        assert_eq!(brussels_offset(datetime!(2026-10-25 01:00 UTC)), CET);
    }

    #[test]
    fn formatting_keeps_the_offset() {
        assert_eq!(format_brussels(datetime!(2024-09-02 06:58 UTC)), "2024-09-02T08:58:00.000000+02:00");
        assert_eq!(format_brussels(datetime!(2024-12-02 06:58 UTC)), "2024-12-02T07:58:00.000000+01:00");
        // Always six fractional digits, whatever the instant's.
        assert_eq!(format_utc(datetime!(2024-12-02 06:58:00.5 +01:00)), "2024-12-02T05:58:00.500000Z");
        assert_eq!(format_utc(datetime!(2024-12-02 06:58:00.18904 UTC)), "2024-12-02T06:58:00.189040Z");
        assert_eq!(format_utc(datetime!(2024-12-02 06:58:00.123456789 UTC)), "2024-12-02T06:58:00.123456Z");
        assert_eq!(format_utc(datetime!(9999-12-31 23:59:59.999999 UTC)), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn start_of_day() {
        assert_eq!(brussels_start_of_day(date!(2026 - 07 - 01)), datetime!(2026-06-30 22:00 UTC));
        assert_eq!(brussels_start_of_day(date!(2026 - 01 - 01)), datetime!(2025-12-31 23:00 UTC));
    }

    #[test]
    fn micros_round_trip() {
        let t = datetime!(2026-03-02 06:58:00.123456 UTC);
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
