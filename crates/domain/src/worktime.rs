//! Worked time from IN/OUT registrations, and presence per hour of a
//! Brussels day. Pure: the caller picks the marks (cancelled registrations
//! left out) and passes the current instant.
//!
//! Instants are compared as instants, whatever their offset; the Brussels
//! day only matters for [`presence_per_hour`] and [`day_hours`].

use std::collections::BTreeSet;

use time::{Date, Duration, OffsetDateTime};

use crate::clock::brussels_start_of_day;
use crate::registration::RegistrationType;

/// One registration as the computation needs it (cancelled ones are left out
/// by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub at: OffsetDateTime,
    pub kind: RegistrationType,
}

impl Mark {
    pub fn new(at: OffsetDateTime, kind: RegistrationType) -> Self {
        Self { at, kind }
    }

    pub fn in_at(at: OffsetDateTime) -> Self {
        Self::new(at, RegistrationType::In)
    }

    pub fn out_at(at: OffsetDateTime) -> Self {
        Self::new(at, RegistrationType::Out)
    }
}

/// The worked time of one person on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkedDay {
    /// Sum of the IN→OUT intervals.
    pub worked: Duration,
    /// Sum of the OUT→IN gaps between two consecutive pairs of the day.
    pub breaks: Duration,
    /// Complete IN→OUT pairs.
    pub pairs: u32,
    /// What breaks the pairing, in time order.
    pub missing: Vec<Missing>,
    /// Two pairs overlap (IN on two workplaces at once, what the
    /// validation calls PRESENT_ON_TWO_WORKPLACES): the time they share is
    /// counted once.
    pub overlap: bool,
}

impl WorkedDay {
    /// Nothing worked, nothing missing.
    pub fn empty() -> Self {
        Self { worked: Duration::ZERO, breaks: Duration::ZERO, pairs: 0, missing: Vec::new(), overlap: false }
    }

    /// True when every IN has its OUT, every OUT its IN, and no two pairs
    /// overlap.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && !self.overlap
    }
}

/// A registration that has no partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// An OUT while the person was not IN.
    OutWithoutIn { at: OffsetDateTime },
    /// An IN never closed by an OUT (followed by another IN, or the last
    /// mark of the day).
    InWithoutOut { at: OffsetDateTime },
}

impl Missing {
    pub fn at(&self) -> OffsetDateTime {
        match *self {
            Self::OutWithoutIn { at } | Self::InWithoutOut { at } => at,
        }
    }
}

/// The marks sorted by instant, IN before OUT at the same instant.
fn sorted(marks: &[Mark]) -> Vec<Mark> {
    let mut v = marks.to_vec();
    v.sort_by_key(|m| (m.at, kind_rank(m.kind)));
    v
}

fn kind_rank(kind: RegistrationType) -> u8 {
    match kind {
        RegistrationType::In => 0,
        RegistrationType::Out => 1,
    }
}

/// The marks of ONE person on ONE workplace, in any order (sorted inside by
/// `at`, IN before OUT at the same instant): [`worked_day_on`] with every
/// mark counted.
pub fn worked_day(marks: &[Mark]) -> WorkedDay {
    let marks: Vec<(&str, Mark)> = marks.iter().map(|m| ("", *m)).collect();
    paired(&marks, |_| true)
}

/// The worked time of one person on the Brussels day `[day_start,
/// day_end)`, paired as the validation pairs the IN/OUT sequence (see
/// [`crate::remarks::SHIFT_MAX`]): per workplace, an OUT closes the IN on
/// the same workplace less than `SHIFT_MAX` before it, across midnight.
/// `marks` are the person's marks, each with its workplace, from
/// `SHIFT_MAX` before the day to `SHIFT_MAX` after it. A pair counts on the
/// day its shift started ([`shift_start`]: back through breaks of at most
/// [`SHIFT_BREAK_MAX`], within `SHIFT_MAX` of the pair's OUT), so a night
/// shift counts on the day it started, with its pairs after a break; an
/// unpaired mark counts on its own day, even within a shift.
pub fn worked_day_on(marks: &[(&str, Mark)], day_start: OffsetDateTime, day_end: OffsetDateTime) -> WorkedDay {
    paired(marks, |at| at >= day_start && at < day_end)
}

/// The longest break that keeps two pairs in one shift: an IN at most this
/// long after an OUT continues its shift (a meal break, a change of
/// workplace), as long as the shift's first IN is less than `SHIFT_MAX`
/// before the pair's OUT; after a longer gap a new shift starts (a split
/// shift's morning and evening are two).
pub const SHIFT_BREAK_MAX: Duration = Duration::hours(3);

/// The first IN of the shift of the pair `(start, end)`, given the pairs
/// that start before it (`earlier`, sorted by start): the earliest IN
/// reached going back from it through breaks of at most
/// [`SHIFT_BREAK_MAX`] (a pair that ends at most that long before the
/// shift's earliest IN found so far joins it), among the INs less than
/// `SHIFT_MAX` before its own OUT. It looks back a bounded time, so every
/// caller that passes the marks from `SHIFT_MAX` before a day finds the
/// same first IN for a pair of that day: no pair counts on two days or on
/// none.
fn shift_start(
    earlier: &[(OffsetDateTime, OffsetDateTime)],
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> OffsetDateTime {
    let mut first = start;
    for &(s, e) in earlier.iter().rev() {
        if end - s >= crate::remarks::SHIFT_MAX {
            break;
        }
        if first - e <= SHIFT_BREAK_MAX {
            first = first.min(s);
        }
    }
    first
}

/// Pairing: on each workplace an IN opens; the next OUT there closes it if
/// it comes less than `SHIFT_MAX` later. An IN while open makes the first IN
/// an [`Missing::InWithoutOut`] and the new IN opens. An OUT while closed
/// (or after `SHIFT_MAX`) is an [`Missing::OutWithoutIn`]. An IN still open
/// at the end is an [`Missing::InWithoutOut`]. Only pairs whose shift's
/// first IN (see [`SHIFT_BREAK_MAX`]), and unpaired marks, that `counted`
/// keeps are reported.
///
/// Breaks are the gaps between the OUT that closes a pair and the IN that
/// opens the next pair, when no other mark of the person (on any workplace)
/// lies between them: a gap with an unpaired mark in it is not counted as a
/// break (it is reported in `missing` instead).
fn paired(marks: &[(&str, Mark)], counted: impl Fn(OffsetDateTime) -> bool) -> WorkedDay {
    let mut day = WorkedDay::empty();
    let mut all = marks.to_vec();
    all.sort_by_key(|(_, m)| (m.at, kind_rank(m.kind)));
    let mut open: std::collections::HashMap<&str, OffsetDateTime> = std::collections::HashMap::new();
    let mut all_pairs: Vec<(OffsetDateTime, OffsetDateTime)> = Vec::new();
    let unpaired_in = |day: &mut WorkedDay, at: OffsetDateTime| {
        if counted(at) {
            day.missing.push(Missing::InWithoutOut { at });
        }
    };
    for (workplace, m) in &all {
        match m.kind {
            RegistrationType::In => {
                if let Some(start) = open.insert(workplace, m.at) {
                    unpaired_in(&mut day, start);
                }
            }
            RegistrationType::Out => match open.remove(workplace) {
                Some(start) if m.at - start < crate::remarks::SHIFT_MAX => all_pairs.push((start, m.at)),
                expired => {
                    if let Some(start) = expired {
                        unpaired_in(&mut day, start);
                    }
                    if counted(m.at) {
                        day.missing.push(Missing::OutWithoutIn { at: m.at });
                    }
                }
            },
        }
    }
    for start in open.into_values() {
        unpaired_in(&mut day, start);
    }
    day.missing.sort_by_key(Missing::at);
    all_pairs.sort();
    // Each pair counted on the day of its shift's first IN.
    let mut pairs: Vec<(OffsetDateTime, OffsetDateTime)> = Vec::new();
    for (i, &(start, end)) in all_pairs.iter().enumerate() {
        if counted(shift_start(&all_pairs[..i], start, end)) {
            day.pairs = day.pairs.saturating_add(1);
            pairs.push((start, end));
        }
    }
    // Worked: the union of the pairs (two workplaces at once count once).
    let mut covered_until: Option<OffsetDateTime> = None;
    for &(start, end) in &pairs {
        let from = match covered_until {
            Some(until) if start < until => {
                day.overlap = true;
                until
            }
            _ => start,
        };
        if end > from {
            day.worked = day.worked.saturating_add(end - from);
        }
        covered_until = Some(covered_until.map_or(end, |u| u.max(end)));
    }
    for w in pairs.windows(2) {
        let ((_, out), (start, _)) = (w[0], w[1]);
        if start >= out && !all.iter().any(|(_, m)| m.at > out && m.at < start) {
            day.breaks = day.breaks.saturating_add(start - out);
        }
    }
    day
}

/// The instants at which the local hours of Brussels day `day` start: 24
/// of them, 23 on the day summer time starts, 25 on the day it ends (where
/// two of them read 02:00 in local time). Index `i` is the `i`-th hour
/// since local midnight, the index used by [`presence_per_hour`].
pub fn day_hours(day: Date) -> Vec<OffsetDateTime> {
    let Some((start, end)) = day_bounds(day) else {
        return Vec::new();
    };
    let mut hours = Vec::with_capacity(25);
    let mut h = start;
    while h < end {
        hours.push(h);
        match h.checked_add(Duration::HOUR) {
            Some(next) => h = next,
            None => break,
        }
    }
    hours
}

/// Start (inclusive) and end (exclusive) of Brussels day `day`; `None` for
/// the first and last representable days, whose bounds may not exist.
fn day_bounds(day: Date) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let previous = day.previous_day()?;
    let next = day.next_day()?;
    previous.previous_day()?;
    next.next_day()?;
    Some((brussels_start_of_day(day), brussels_start_of_day(next)))
}

/// The intervals a person is IN, as `[start, end]` (a zero-length interval
/// still means IN at that instant): from an IN while not IN up to the next
/// OUT. A second IN while IN does not end the presence; an IN never closed
/// lasts until `until` (or only its own instant if `until` is earlier). An
/// OUT without IN counts nothing.
fn presence_intervals(marks: &[Mark], until: OffsetDateTime) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let mut intervals = Vec::new();
    let mut open: Option<OffsetDateTime> = None;
    for m in sorted(marks) {
        match m.kind {
            RegistrationType::In => {
                if open.is_none() {
                    open = Some(m.at);
                }
            }
            RegistrationType::Out => {
                if let Some(start) = open.take() {
                    intervals.push((start, m.at));
                }
            }
        }
    }
    if let Some(start) = open {
        intervals.push((start, until.max(start)));
    }
    intervals
}

/// People present per hour of Brussels day `day`: one entry per local hour
/// of that day (24, or 23 / 25 on the days summer time starts / ends; index
/// 0 is 00:00–01:00 local time, see [`day_hours`]), each the number of
/// distinct persons who were IN at some moment within that hour.
///
/// Input: (person key, marks of that person on that day); a key given twice
/// is one person. An IN without OUT counts as present until `until` (the
/// caller passes now for today, or the end of the day for past days); a
/// second IN while already IN does not end the presence. An OUT without IN
/// counts nothing. Someone leaving at 09:00 sharp is not counted in hour 9.
pub fn presence_per_hour<K: Ord>(day: Date, people: &[(K, Vec<Mark>)], until: OffsetDateTime) -> Vec<u32> {
    let hours = day_hours(day);
    let Some(day_end) = day_bounds(day).map(|(_, end)| end) else {
        return vec![0; 24];
    };
    let mut present: Vec<BTreeSet<&K>> = hours.iter().map(|_| BTreeSet::new()).collect();
    for (key, marks) in people {
        for (start, end) in presence_intervals(marks, until) {
            for (i, &hour_start) in hours.iter().enumerate() {
                let hour_end = hours.get(i + 1).copied().unwrap_or(day_end);
                let overlaps = if start == end {
                    hour_start <= start && start < hour_end
                } else {
                    start < hour_end && end > hour_start
                };
                if overlaps && let Some(set) = present.get_mut(i) {
                    set.insert(key);
                }
            }
        }
    }
    present.iter().map(|set| u32::try_from(set.len()).unwrap_or(u32::MAX)).collect()
}

/// Whole minutes of a duration (rounded towards zero); the UI layer turns
/// them into "7 h 45 min".
pub fn minutes(d: Duration) -> i64 {
    d.whole_minutes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    fn i(at: OffsetDateTime) -> Mark {
        Mark::in_at(at)
    }

    fn o(at: OffsetDateTime) -> Mark {
        Mark::out_at(at)
    }

    #[test]
    fn ordinary_day() {
        let marks = [
            i(datetime!(2026-03-02 08:00 +01:00)),
            o(datetime!(2026-03-02 12:00 +01:00)),
            i(datetime!(2026-03-02 12:30 +01:00)),
            o(datetime!(2026-03-02 16:30 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(8));
        assert_eq!(day.breaks, Duration::minutes(30));
        assert_eq!(day.pairs, 2);
        assert!(day.missing.is_empty());
        assert!(day.is_complete());
        assert_eq!(minutes(day.worked), 480);
    }

    #[test]
    fn missing_out_at_the_end() {
        let marks = [
            i(datetime!(2026-03-02 08:00 +01:00)),
            o(datetime!(2026-03-02 12:00 +01:00)),
            i(datetime!(2026-03-02 12:30 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(4));
        assert_eq!(day.breaks, Duration::ZERO);
        assert_eq!(day.pairs, 1);
        assert_eq!(day.missing, vec![Missing::InWithoutOut { at: datetime!(2026-03-02 12:30 +01:00) }]);
    }

    #[test]
    fn out_without_in_at_the_start() {
        let marks = [
            o(datetime!(2026-03-02 07:00 +01:00)),
            i(datetime!(2026-03-02 08:00 +01:00)),
            o(datetime!(2026-03-02 12:00 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(4));
        assert_eq!(day.breaks, Duration::ZERO);
        assert_eq!(day.pairs, 1);
        assert_eq!(day.missing, vec![Missing::OutWithoutIn { at: datetime!(2026-03-02 07:00 +01:00) }]);
        assert_eq!(day.missing[0].at(), datetime!(2026-03-02 07:00 +01:00));
    }

    #[test]
    fn double_in() {
        let marks = [
            i(datetime!(2026-03-02 08:00 +01:00)),
            i(datetime!(2026-03-02 09:00 +01:00)),
            o(datetime!(2026-03-02 12:00 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(3));
        assert_eq!(day.pairs, 1);
        assert_eq!(day.missing, vec![Missing::InWithoutOut { at: datetime!(2026-03-02 08:00 +01:00) }]);
    }

    #[test]
    fn gap_with_an_unpaired_mark_is_not_a_break() {
        let marks = [
            i(datetime!(2026-03-02 08:00 +01:00)),
            o(datetime!(2026-03-02 12:00 +01:00)),
            o(datetime!(2026-03-02 12:10 +01:00)),
            i(datetime!(2026-03-02 12:30 +01:00)),
            o(datetime!(2026-03-02 16:30 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(8));
        assert_eq!(day.breaks, Duration::ZERO);
        assert_eq!(day.pairs, 2);
        assert_eq!(day.missing, vec![Missing::OutWithoutIn { at: datetime!(2026-03-02 12:10 +01:00) }]);
    }

    #[test]
    fn unsorted_input_and_mixed_offsets() {
        let marks = [
            o(datetime!(2026-03-02 15:30 UTC)),
            i(datetime!(2026-03-02 12:30 +01:00)),
            o(datetime!(2026-03-02 11:00 UTC)),
            i(datetime!(2026-03-02 08:00 +01:00)),
        ];
        let day = worked_day(&marks);
        assert_eq!(day.worked, Duration::hours(8));
        assert_eq!(day.breaks, Duration::minutes(30));
        assert_eq!(day.pairs, 2);
        assert!(day.missing.is_empty());
    }

    #[test]
    fn same_instant_is_in_before_out() {
        let t = datetime!(2026-03-02 08:00 +01:00);
        let day = worked_day(&[o(t), i(t)]);
        assert_eq!(day.pairs, 1);
        assert_eq!(day.worked, Duration::ZERO);
        assert!(day.missing.is_empty());
    }

    #[test]
    fn empty_day() {
        assert_eq!(worked_day(&[]), WorkedDay::empty());
        let hours = presence_per_hour::<u32>(date!(2026 - 03 - 02), &[], datetime!(2026-03-03 00:00 +01:00));
        assert_eq!(hours, vec![0; 24]);
    }

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let none: &[(u32, Vec<Mark>)] = &[];
        assert_eq!(presence_per_hour(date!(2026 - 03 - 29), none, datetime!(2026-03-30 00:00 +02:00)).len(), 23);
        assert_eq!(presence_per_hour(date!(2026 - 10 - 25), none, datetime!(2026-10-26 00:00 +01:00)).len(), 25);
        assert_eq!(presence_per_hour(date!(2026 - 07 - 01), none, datetime!(2026-07-02 00:00 +02:00)).len(), 24);
        let local: Vec<u8> =
            day_hours(date!(2026 - 10 - 25)).into_iter().map(|h| crate::clock::to_brussels(h).hour()).collect();
        assert_eq!(&local[..5], &[0, 1, 2, 2, 3]);
        let local: Vec<u8> =
            day_hours(date!(2026 - 03 - 29)).into_iter().map(|h| crate::clock::to_brussels(h).hour()).collect();
        assert_eq!(&local[..4], &[0, 1, 3, 4]);
    }

    #[test]
    fn presence_on_a_dst_day_uses_elapsed_hours() {
        // 2026-03-29: 03:30 local (+02:00) is the third hour of the day (index 2).
        let people = [(1, vec![i(datetime!(2026-03-29 03:30 +02:00)), o(datetime!(2026-03-29 03:45 +02:00))])];
        let hours = presence_per_hour(date!(2026 - 03 - 29), &people, datetime!(2026-03-30 00:00 +02:00));
        let mut expected = vec![0; 23];
        expected[2] = 1;
        assert_eq!(hours, expected);
    }

    #[test]
    fn presence_spans_the_hours_touched() {
        let people = [("a", vec![i(datetime!(2026-03-02 07:50 +01:00)), o(datetime!(2026-03-02 09:10 +01:00))])];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[7] = 1;
        expected[8] = 1;
        expected[9] = 1;
        assert_eq!(hours, expected);
    }

    #[test]
    fn leaving_on_the_hour_does_not_count_the_next_hour() {
        let people = [("a", vec![i(datetime!(2026-03-02 08:00 +01:00)), o(datetime!(2026-03-02 09:00 +01:00))])];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[8] = 1;
        assert_eq!(hours, expected);
    }

    #[test]
    fn two_people_and_a_repeated_key() {
        let people = [
            ("a", vec![i(datetime!(2026-03-02 08:00 +01:00)), o(datetime!(2026-03-02 10:30 +01:00))]),
            ("b", vec![i(datetime!(2026-03-02 10:00 +01:00)), o(datetime!(2026-03-02 11:30 +01:00))]),
            ("a", vec![i(datetime!(2026-03-02 10:45 +01:00)), o(datetime!(2026-03-02 10:50 +01:00))]),
        ];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[8] = 1;
        expected[9] = 1;
        expected[10] = 2;
        expected[11] = 1;
        assert_eq!(hours, expected);
    }

    #[test]
    fn open_in_counts_until_until() {
        let people =
            [(1, vec![i(datetime!(2026-03-02 08:15 +01:00))]), (2, vec![o(datetime!(2026-03-02 09:15 +01:00))])];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-02 11:20 +01:00));
        let mut expected = vec![0; 24];
        expected[8..=11].fill(1);
        assert_eq!(hours, expected);
        // A past day: until the end of the day.
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[8..].fill(1);
        assert_eq!(hours, expected);
    }

    #[test]
    fn double_in_keeps_presence() {
        let people = [(
            1,
            vec![
                i(datetime!(2026-03-02 08:15 +01:00)),
                i(datetime!(2026-03-02 10:15 +01:00)),
                o(datetime!(2026-03-02 11:15 +01:00)),
            ],
        )];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[8..=11].fill(1);
        assert_eq!(hours, expected);
    }

    #[test]
    fn marks_outside_the_day_are_clipped() {
        let people = [(1, vec![i(datetime!(2026-03-01 22:00 +01:00)), o(datetime!(2026-03-02 01:30 +01:00))])];
        let hours = presence_per_hour(date!(2026 - 03 - 02), &people, datetime!(2026-03-03 00:00 +01:00));
        let mut expected = vec![0; 24];
        expected[0] = 1;
        expected[1] = 1;
        assert_eq!(hours, expected);
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let people = [(1, vec![i(datetime!(2026-03-02 08:15 +01:00))])];
        assert_eq!(presence_per_hour(Date::MIN, &people, datetime!(2026-03-02 11:20 +01:00)).len(), 24);
        assert_eq!(presence_per_hour(Date::MAX, &people, datetime!(2026-03-02 11:20 +01:00)).len(), 24);
        assert!(day_hours(Date::MIN).is_empty());
    }

    /// A night shift with a break after midnight counts whole on the day it
    /// started, the break included; after a gap longer than
    /// SHIFT_BREAK_MAX the next pair is a shift of its own, on its own day.
    #[test]
    fn a_night_shift_with_a_break_counts_on_the_day_it_started() {
        let day = |d: Date| (brussels_start_of_day(d), brussels_start_of_day(d.next_day().unwrap()));
        let (mon, tue) = (date!(2026 - 03 - 02), date!(2026 - 03 - 03));
        // 22:00 Monday to 02:00, break, 02:30 to 06:00 Tuesday (UTC+1).
        let night = [
            ("A", Mark::in_at(datetime!(2026-03-02 21:00 UTC))),
            ("A", Mark::out_at(datetime!(2026-03-03 01:00 UTC))),
            ("A", Mark::in_at(datetime!(2026-03-03 01:30 UTC))),
            ("A", Mark::out_at(datetime!(2026-03-03 05:00 UTC))),
        ];
        let (from, to) = day(mon);
        let monday = worked_day_on(&night, from, to);
        assert_eq!(
            (monday.worked, monday.breaks, monday.pairs, monday.missing.len()),
            (Duration::minutes(7 * 60 + 30), Duration::minutes(30), 2, 0)
        );
        let (from, to) = day(tue);
        assert_eq!(worked_day_on(&night, from, to), WorkedDay::empty(), "nothing of it on Tuesday");
        // Back at 05:01 after an OUT at 02:00 (Brussels; a gap over
        // SHIFT_BREAK_MAX): a shift of its own, on Tuesday.
        let apart = [
            ("A", Mark::in_at(datetime!(2026-03-02 21:00 UTC))),
            ("A", Mark::out_at(datetime!(2026-03-03 01:00 UTC))),
            ("A", Mark::in_at(datetime!(2026-03-03 04:00 UTC) + Duration::minutes(1))),
            ("A", Mark::out_at(datetime!(2026-03-03 08:00 UTC))),
        ];
        let (from, to) = day(mon);
        let monday = worked_day_on(&apart, from, to);
        assert_eq!((monday.worked, monday.pairs), (Duration::hours(4), 1));
        let (from, to) = day(tue);
        let tuesday = worked_day_on(&apart, from, to);
        assert_eq!((tuesday.worked, tuesday.pairs), (Duration::minutes(239), 1));
        // A chain of short breaks stops at SHIFT_MAX from its first IN.
        let long: Vec<(&str, Mark)> = (0..12)
            .flat_map(|k| {
                let start = datetime!(2026-03-02 21:00 UTC) + Duration::hours(4 * k);
                [("A", Mark::in_at(start)), ("A", Mark::out_at(start + Duration::hours(3)))]
            })
            .collect();
        let (from, to) = day(mon);
        let monday = worked_day_on(&long, from, to);
        // Pairs starting 21:00, 01:00, 05:00, 09:00 (UTC) reach back to
        // Monday's 21:00; the fifth ends 19 h after it, and its shift starts
        // at 01:00 UTC (02:00 Tuesday in Brussels): each pair looks back at
        // most SHIFT_MAX from its OUT.
        assert_eq!((monday.pairs, monday.worked), (4, Duration::hours(12)));
        let (from, to) = day(tue);
        let tuesday = worked_day_on(&long, from, to);
        assert_eq!(tuesday.pairs, 6, "13:00 to 09:00 UTC the next day, each reaching back into Tuesday");
        // At the edges: a break of exactly SHIFT_BREAK_MAX keeps the shift;
        // a pair whose OUT is SHIFT_MAX after the first IN does not join.
        let at = datetime!(2026-03-02 21:00 UTC);
        let edge = [
            ("A", Mark::in_at(at)),
            ("A", Mark::out_at(at + Duration::hours(2))),
            ("A", Mark::in_at(at + Duration::hours(5))),
            ("A", Mark::out_at(at + Duration::hours(6))),
        ];
        let (from, to) = day(mon);
        assert_eq!(worked_day_on(&edge, from, to).pairs, 2, "a break of exactly 3 h");
        let split = [
            ("A", Mark::in_at(at)),
            ("A", Mark::out_at(at + Duration::hours(2))),
            ("A", Mark::in_at(at + Duration::hours(5))),
            ("A", Mark::out_at(at + Duration::hours(16))),
        ];
        assert_eq!(worked_day_on(&split, from, to).pairs, 1, "its OUT 16 h after the first IN");
    }

    /// Every pair counts on exactly one day when each day is computed, as
    /// the employer's pages do, from the marks of `SHIFT_MAX` before it to
    /// `SHIFT_MAX` after it: chains of short breaks going on for days, and
    /// a pair that a later window would join to a shift begun before that
    /// window if shifts were chained forward from the window's start.
    #[test]
    fn every_pair_counts_on_exactly_one_day_with_the_callers_window() {
        use crate::remarks::SHIFT_MAX;
        let cases: Vec<Vec<(&str, Mark)>> = vec![
            // 3 h on, 1 h off, for three days.
            (0..18)
                .flat_map(|k| {
                    let start = datetime!(2026-03-02 06:00 UTC) + Duration::hours(4 * k);
                    [("A", Mark::in_at(start)), ("A", Mark::out_at(start + Duration::hours(3)))]
                })
                .collect(),
            // Tue 07:00-08:30, 09:00-13:00, 14:00-22:00, Wed 00:00-00:45 (Brussels).
            [(6, 0, 7, 30), (8, 0, 12, 0), (13, 0, 21, 0), (23, 0, 23, 45)]
                .iter()
                .flat_map(|&(h1, m1, h2, m2)| {
                    let base = datetime!(2026-03-03 00:00 UTC);
                    [
                        ("A", Mark::in_at(base + Duration::hours(h1) + Duration::minutes(m1))),
                        ("A", Mark::out_at(base + Duration::hours(h2) + Duration::minutes(m2))),
                    ]
                })
                .collect(),
        ];
        for marks in &cases {
            let all = worked_day(&marks.iter().map(|(_, m)| *m).collect::<Vec<_>>());
            assert_eq!(all.missing, Vec::new());
            let mut counted = 0;
            let mut d = date!(2026 - 03 - 01);
            while d <= date!(2026 - 03 - 06) {
                let (from, to) = (brussels_start_of_day(d), brussels_start_of_day(d.next_day().unwrap()));
                let window: Vec<(&str, Mark)> =
                    marks.iter().copied().filter(|(_, m)| m.at >= from - SHIFT_MAX && m.at < to + SHIFT_MAX).collect();
                counted += worked_day_on(&window, from, to).pairs;
                d = d.next_day().unwrap();
            }
            assert_eq!(counted, all.pairs, "{marks:?}");
        }
    }

    /// Paired per workplace and across midnight, as the validation pairs
    /// them: a night shift counts on the day it started; an OUT on another
    /// workplace closes nothing; an IN older than SHIFT_MAX is left open.
    #[test]
    fn pairs_per_workplace_and_across_midnight() {
        let day = |d: Date| (brussels_start_of_day(d), brussels_start_of_day(d.next_day().unwrap()));
        let (mon, tue) = (date!(2026 - 03 - 02), date!(2026 - 03 - 03));
        // 22:00 Monday to 06:00 Tuesday (Brussels, UTC+1).
        let night =
            [("A", Mark::in_at(datetime!(2026-03-02 21:00 UTC))), ("A", Mark::out_at(datetime!(2026-03-03 05:00 UTC)))];
        let (from, to) = day(mon);
        let monday = worked_day_on(&night, from, to);
        assert_eq!((monday.worked, monday.pairs, monday.missing.len()), (Duration::hours(8), 1, 0));
        let (from, to) = day(tue);
        assert_eq!(worked_day_on(&night, from, to), WorkedDay::empty(), "counted on Monday only");
        // IN at A, OUT at B: nothing worked, both unpaired.
        let (from, to) = day(mon);
        let moved =
            [("A", Mark::in_at(datetime!(2026-03-02 07:00 UTC))), ("B", Mark::out_at(datetime!(2026-03-02 15:00 UTC)))];
        let w = worked_day_on(&moved, from, to);
        assert_eq!((w.worked, w.pairs), (Duration::ZERO, 0));
        assert_eq!(
            w.missing,
            vec![
                Missing::InWithoutOut { at: datetime!(2026-03-02 07:00 UTC) },
                Missing::OutWithoutIn { at: datetime!(2026-03-02 15:00 UTC) }
            ]
        );
        // A forgotten OUT: Monday's IN does not pair with Tuesday's OUT.
        let forgot =
            [("A", Mark::in_at(datetime!(2026-03-02 06:00 UTC))), ("A", Mark::out_at(datetime!(2026-03-03 15:00 UTC)))];
        let w = worked_day_on(&forgot, from, to);
        assert_eq!(
            (w.pairs, w.missing.clone()),
            (0, vec![Missing::InWithoutOut { at: datetime!(2026-03-02 06:00 UTC) }])
        );
        // Two workplaces, one after the other, with a break between them.
        let two = [
            ("A", Mark::in_at(datetime!(2026-03-02 07:00 UTC))),
            ("A", Mark::out_at(datetime!(2026-03-02 11:00 UTC))),
            ("B", Mark::in_at(datetime!(2026-03-02 12:00 UTC))),
            ("B", Mark::out_at(datetime!(2026-03-02 16:00 UTC))),
        ];
        let w = worked_day_on(&two, from, to);
        assert_eq!((w.worked, w.breaks, w.pairs, w.missing.len()), (Duration::hours(8), Duration::hours(1), 2, 0));
        assert!(w.is_complete());
        // IN on two workplaces at once: their shared time counted once, flagged.
        let both = [
            ("A", Mark::in_at(datetime!(2026-03-02 07:00 UTC))),
            ("B", Mark::in_at(datetime!(2026-03-02 08:00 UTC))),
            ("B", Mark::out_at(datetime!(2026-03-02 16:00 UTC))),
            ("A", Mark::out_at(datetime!(2026-03-02 17:00 UTC))),
        ];
        let w = worked_day_on(&both, from, to);
        assert_eq!((w.worked, w.pairs, w.overlap, w.is_complete()), (Duration::hours(10), 2, true, false));
    }

    #[test]
    fn minutes_rounds_towards_zero() {
        assert_eq!(minutes(Duration::minutes(465)), 465);
        assert_eq!(minutes(Duration::seconds(119)), 1);
        assert_eq!(minutes(Duration::seconds(-119)), -1);
    }

    fn arb_marks() -> impl Strategy<Value = Vec<Mark>> {
        // Instants within one day and a bit, to the second, both kinds.
        prop::collection::vec((0i64..100_000, any::<bool>()), 0..30).prop_map(|v| {
            let base = datetime!(2026-03-02 00:00 UTC);
            v.into_iter()
                .map(|(s, is_in)| {
                    let at = base + Duration::seconds(s);
                    if is_in { Mark::in_at(at) } else { Mark::out_at(at) }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn worked_and_breaks_fit_in_the_day(marks in arb_marks()) {
            let day = worked_day(&marks);
            prop_assert!(day.worked >= Duration::ZERO);
            prop_assert!(day.breaks >= Duration::ZERO);
            let outs = marks.iter().filter(|m| m.kind == RegistrationType::Out).count();
            prop_assert!(day.pairs as usize <= outs);
            let span = match (marks.iter().map(|m| m.at).min(), marks.iter().map(|m| m.at).max()) {
                (Some(first), Some(last)) => last - first,
                _ => Duration::ZERO,
            };
            prop_assert!(day.worked + day.breaks <= span);
            // Every mark is either in a pair or reported missing.
            prop_assert_eq!(2 * day.pairs as usize + day.missing.len(), marks.len());
            let ats: Vec<_> = day.missing.iter().map(Missing::at).collect();
            prop_assert!(ats.windows(2).all(|w| w[0] <= w[1]));
        }

        #[test]
        fn worked_day_ignores_order(mut marks in arb_marks()) {
            let day = worked_day(&marks);
            marks.reverse();
            prop_assert_eq!(worked_day(&marks), day);
        }

        #[test]
        fn no_panic_on_extreme_instants(
            stamps in prop::collection::vec((-377_705_116_800i64..=253_402_300_799, any::<bool>()), 0..10),
            until in -377_705_116_800i64..=253_402_300_799,
            julian in Date::MIN.to_julian_day()..=Date::MAX.to_julian_day(),
        ) {
            let marks: Vec<Mark> = stamps
                .into_iter()
                .filter_map(|(s, is_in)| OffsetDateTime::from_unix_timestamp(s).ok().map(|at| (at, is_in)))
                .map(|(at, is_in)| if is_in { Mark::in_at(at) } else { Mark::out_at(at) })
                .collect();
            let until = OffsetDateTime::from_unix_timestamp(until).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let day = Date::from_julian_day(julian).unwrap_or(Date::MIN);
            let worked = worked_day(&marks);
            prop_assert!(worked.worked >= Duration::ZERO);
            let hours = presence_per_hour(day, &[(0u8, marks)], until);
            prop_assert!((23..=25).contains(&hours.len()));
        }

        #[test]
        fn presence_is_bounded(marks in arb_marks(), until in 0i64..100_000) {
            let until = datetime!(2026-03-02 00:00 UTC) + Duration::seconds(until);
            let people = [(1, marks.clone()), (2, marks)];
            let hours = presence_per_hour(date!(2026 - 03 - 02), &people, until);
            prop_assert_eq!(hours.len(), 24);
            prop_assert!(hours.iter().all(|&n| n <= 2 && n % 2 == 0));
        }
    }
}
