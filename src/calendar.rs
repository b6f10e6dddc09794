//! Working calendars: when people are at work, in their own time zone.
//!
//! A [`Calendar`] is an IANA time zone, a list of working windows per weekday and a set of
//! holidays. Every question the engine asks ("when is the next working moment?", "when are
//! three working hours done?") is answered by walking the calendar's working intervals as
//! absolute instants, so a window keeps its local wall-clock meaning across daylight-saving
//! changes: 09:00–17:00 is eight hours on an ordinary day and stays 09:00–17:00 local time on
//! the days the clocks move. A local time that does not exist (the spring-forward gap) is
//! resolved *compatibly*, i.e. moved forward by the gap; an ambiguous one (the autumn fold)
//! takes the earlier instant — the same rule as `jiff`'s default.
//!
//! **Speed.** [`Calendar::add_working`] answers from a table of each calendar year's working
//! intervals with the working time before each (built once per year and calendar, on first
//! use), so a year of working time costs a few binary searches rather than a walk over
//! every day: a long fix effort is as cheap as a short one. The table holds exactly the
//! intervals the day-by-day definition walks, so the answers are the same (a unit test
//! compares them).
//!
//! Why by hand: jiff does the time zones; business-day crates count whole days, while this
//! arithmetic works in seconds inside daily windows across DST, and decides every simulated
//! instant, so its rules stay here, pinned by tests.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock};

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// How many days a search walks forward before it gives up (a calendar with working time
/// always finds some within a week or two; the bound only guards against a calendar whose
/// only working days are holidays).
const SEARCH_DAYS: i64 = 400;

/// [`SEARCH_DAYS`] as a duration.
fn search_span() -> SignedDuration {
    SignedDuration::from_hours(SEARCH_DAYS * 24)
}

/// One working window of a day, in local wall-clock time: `[start, end)`.
///
/// `end == Time::MAX` means "until midnight" (written `24:00` in scenarios).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First working moment.
    pub start: Time,
    /// First moment after the window; `Time::MAX` stands for the next midnight.
    pub end: Time,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.end == Time::MAX {
            "24:00".to_string()
        } else {
            self.end.strftime("%H:%M").to_string()
        };
        write!(f, "{}-{}", self.start.strftime("%H:%M"), end)
    }
}

/// Why a set of working windows cannot form a calendar. Fatal for the scenario being loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A window that ends before (or when) it starts.
    #[error("{day}: window {window} ends before it starts")]
    EmptyWindow {
        /// Weekday name.
        day: &'static str,
        /// The offending window.
        window: Window,
    },
    /// Windows that overlap or are not listed in time order.
    #[error("{day}: windows {first} and {second} overlap or are out of order")]
    Overlap {
        /// Weekday name.
        day: &'static str,
        /// The earlier-listed window.
        first: Window,
        /// The window that starts before `first` ends.
        second: Window,
    },
    /// No weekday has any working window.
    #[error("no working time on any weekday")]
    NoWorkingTime,
}

/// Weekday names, Monday first, as used in scenarios and errors.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A working calendar: time zone, weekly working windows and holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    tz: TimeZone,
    /// Windows per weekday, Monday first; sorted, non-overlapping.
    week: [Vec<Window>; 7],
    holidays: BTreeSet<Date>,
    /// The working intervals of each calendar year used so far.
    years: Years,
}

/// The working intervals of the local dates of one year, in order, with the working time
/// before each within the year.
#[derive(Debug)]
struct Year {
    /// `(date, start, end)` of each interval.
    intervals: Vec<(Date, Timestamp, Timestamp)>,
    /// Working time of `intervals[..i]`.
    before: Vec<SignedDuration>,
    /// Working time of `intervals[..=i]`.
    through: Vec<SignedDuration>,
}

/// A cache of [`Year`]s, shared by the threads that use one calendar. A clone starts empty.
#[derive(Default)]
struct Years(RwLock<HashMap<i16, Arc<Year>>>);

impl Clone for Years {
    fn clone(&self) -> Self {
        Years::default()
    }
}

impl fmt::Debug for Years {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Years(..)")
    }
}

impl Calendar {
    /// Builds a calendar; windows of each day must be non-empty, sorted and disjoint.
    pub fn new(
        name: impl Into<String>,
        tz: TimeZone,
        week: [Vec<Window>; 7],
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Self, CalendarError> {
        for (day, windows) in WEEKDAYS.iter().zip(&week) {
            for w in windows {
                if w.start >= w.end {
                    return Err(CalendarError::EmptyWindow { day, window: *w });
                }
            }
            for pair in windows.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(CalendarError::Overlap {
                        day,
                        first: pair[0],
                        second: pair[1],
                    });
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingTime);
        }
        Ok(Self {
            name: name.into(),
            tz,
            week,
            holidays: holidays.into_iter().collect(),
            years: Years::default(),
        })
    }

    /// A calendar that is always working (UTC, every day, no holidays): the robot's.
    pub fn always() -> Self {
        let day = vec![Window {
            start: Time::MIN,
            end: Time::MAX,
        }];
        Self {
            name: "always".into(),
            tz: TimeZone::UTC,
            week: std::array::from_fn(|_| day.clone()),
            holidays: BTreeSet::new(),
            years: Years::default(),
        }
    }

    /// The calendar's name (its scenario key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The local calendar date of `ts` in this calendar's zone.
    pub fn local_date(&self, ts: Timestamp) -> Date {
        self.tz.to_datetime(ts).date()
    }

    /// The instant of local `date` at `time` (compatible disambiguation: a time in a DST gap
    /// moves forward by the gap, a time in a fold takes the earlier instant).
    /// `Time::MAX` stands for the next midnight.
    pub fn at(&self, date: Date, time: Time) -> Timestamp {
        let dt = if time == Time::MAX {
            match date.tomorrow() {
                Ok(next) => next.to_datetime(Time::MIN),
                Err(_) => return Timestamp::MAX,
            }
        } else {
            DateTime::from_parts(date, time)
        };
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }

    /// Whether `date` has any working time (a weekday with windows and not a holiday).
    pub fn is_working_day(&self, date: Date) -> bool {
        !self.windows(date).is_empty()
    }

    /// Whether `ts` lies inside a working window (start inclusive, end exclusive).
    pub fn is_working(&self, ts: Timestamp) -> bool {
        let date = self.local_date(ts);
        // A window is a local-date interval; only the date of `ts` can hold it (the day
        // before too, around a fold where local midnight is reached twice).
        [date.yesterday().ok(), Some(date)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.intervals_on(d))
            .any(|(s, e)| s <= ts && ts < e)
    }

    /// The first working moment at or after `ts`, or `None` when none lies within
    /// [`SEARCH_DAYS`] days.
    pub fn next_working(&self, ts: Timestamp) -> Option<Timestamp> {
        self.intervals_from(ts)
            .find(|&(_, e)| e > ts)
            .map(|(s, _)| s.max(ts))
    }

    /// The instant at which `work` of working time, started at `ts`, is done.
    ///
    /// Work only progresses inside windows, so the answer may be a window's end (work that
    /// finishes exactly at 17:00 is done at 17:00, not at 09:00 the next day). A zero or
    /// negative `work` gives [`Calendar::next_working`]. `None` when the work is never done:
    /// no working time for [`SEARCH_DAYS`] days, or the end of the civil calendar.
    pub fn add_working(&self, ts: Timestamp, work: SignedDuration) -> Option<Timestamp> {
        self.add_working_until(ts, work, Timestamp::MAX)
    }

    /// [`Calendar::add_working`], but `None` when the work would be done after `until`: the
    /// engine needs no instant after its season ends, and then looks no further.
    pub fn add_working_until(
        &self,
        ts: Timestamp,
        work: SignedDuration,
        until: Timestamp,
    ) -> Option<Timestamp> {
        if work <= SignedDuration::ZERO {
            return self.next_working(ts);
        }
        // The walk starts the day before `ts`'s local date (a fold can revisit it). Work is
        // given up when no working time comes for `SEARCH_DAYS` days: checked at the last
        // day without working time before each interval reached from the last one used.
        let first = self.local_date(ts);
        let first = first.yesterday().unwrap_or(first);
        let (mut last_date, mut last_end) = (first.yesterday().unwrap_or(first), ts);
        let mut left = work;
        let mut year = first.year();
        loop {
            let y = self.year(year)?;
            let i = y.intervals.partition_point(|(_, _, e)| *e <= ts);
            if let Some(&(date, s, _)) = y.intervals.get(i) {
                if s > until {
                    return None;
                }
                if let Ok(idle) = date.yesterday()
                    && idle > last_date
                    && self.at(idle, Time::MIN).duration_since(last_end) > search_span()
                {
                    return None;
                }
                // Work done in the year before `ts` (or before interval i starts).
                let done = y.before[i] + ts.duration_since(s).max(SignedDuration::ZERO);
                let year_total = y.through.last().copied().unwrap_or_default();
                if left <= year_total - done {
                    let target = done + left;
                    let j = i + y.through[i..].partition_point(|t| *t < target);
                    let &(_, sj, _) = y.intervals.get(j)?;
                    let at = sj.checked_add(target - y.before[j]).ok()?;
                    return Some(at).filter(|at| *at <= until);
                }
                left -= year_total - done;
                if let Some(&(date, _, end)) = y.intervals.last() {
                    (last_date, last_end) = (date, end);
                }
            }
            year = year.checked_add(1)?;
        }
    }

    /// The working intervals of the local dates of `year` (built on first use); `None`
    /// outside the civil calendar.
    fn year(&self, year: i16) -> Option<Arc<Year>> {
        if let Some(y) = self.years.0.read().ok()?.get(&year) {
            return Some(y.clone());
        }
        let mut day = Date::new(year, 1, 1).ok()?;
        let mut y = Year {
            intervals: Vec::new(),
            before: Vec::new(),
            through: Vec::new(),
        };
        let mut total = SignedDuration::ZERO;
        while day.year() == year {
            for (s, e) in self.intervals_on(day) {
                y.intervals.push((day, s, e));
                y.before.push(total);
                total += e.duration_since(s);
                y.through.push(total);
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        let y = Arc::new(y);
        if let Ok(mut years) = self.years.0.write() {
            years.insert(year, y.clone());
        }
        Some(y)
    }

    /// Working time inside `[a, b)`; zero when `b <= a`.
    pub fn working_between(&self, a: Timestamp, b: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if b <= a {
            return total;
        }
        for day in self.days_from(a) {
            if self.at(day, Time::MIN) >= b {
                break;
            }
            for (s, e) in self.intervals_on(day) {
                let (lo, hi) = (s.max(a), e.min(b));
                if hi > lo {
                    total += hi.duration_since(lo);
                }
            }
        }
        total
    }

    /// The working intervals inside `[a, b)`, as instants in time order, clipped to
    /// `[a, b)`, with intervals that touch (a window ending at midnight and the next day's
    /// starting then) merged. Empty when `b <= a`. Linear in the days spanned.
    pub fn working_intervals(&self, a: Timestamp, b: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        let mut out: Vec<(Timestamp, Timestamp)> = Vec::new();
        if b <= a {
            return out;
        }
        for day in self.days_from(a) {
            if self.at(day, Time::MIN) >= b {
                break;
            }
            for (s, e) in self.intervals_on(day) {
                let (lo, hi) = (s.max(a), e.min(b));
                if hi <= lo {
                    continue;
                }
                match out.last_mut() {
                    Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
                    _ => out.push((lo, hi)),
                }
            }
        }
        out
    }

    /// The windows of `date`: none on holidays.
    fn windows(&self, date: Date) -> &[Window] {
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().to_monday_zero_offset() as usize]
    }

    /// The working intervals of `date` as instants, in order.
    fn intervals_on(&self, date: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        self.windows(date)
            .iter()
            .map(move |w| (self.at(date, w.start), self.at(date, w.end)))
            .filter(|(s, e)| s < e)
    }

    /// Working intervals from the local day before `ts` on, for at most [`SEARCH_DAYS`] days.
    fn intervals_from(&self, ts: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        self.days_from(ts)
            .take(SEARCH_DAYS as usize)
            .flat_map(move |d| self.intervals_on(d))
    }

    /// Consecutive dates starting the day before `ts`'s local date (so a fold that revisits
    /// the previous evening is covered), ending at the end of the civil calendar.
    fn days_from(&self, ts: Timestamp) -> impl Iterator<Item = Date> {
        let first = self.local_date(ts);
        let first = first.yesterday().unwrap_or(first);
        std::iter::successors(Some(first), |d| d.tomorrow().ok())
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};

    use super::*;

    fn office(tz: &str, holidays: Vec<Date>) -> Calendar {
        let day = vec![Window {
            start: time(9, 0, 0, 0),
            end: time(17, 0, 0, 0),
        }];
        let mut week: [Vec<Window>; 7] = Default::default();
        for d in week.iter_mut().take(5) {
            *d = day.clone();
        }
        Calendar::new("office", TimeZone::get(tz).unwrap(), week, holidays).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn h(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n)
    }

    #[test]
    fn working_intervals_are_the_windows_clipped_and_skip_weekends_and_holidays() {
        // Fri 2026-03-13 12:00Z to Tue 2026-03-17 10:00Z; Monday a holiday. 09-17 CET.
        let c = office("Europe/Stockholm", vec![date(2026, 3, 16)]);
        assert_eq!(
            c.working_intervals(ts("2026-03-13T12:00:00Z"), ts("2026-03-17T10:00:00Z")),
            vec![
                (ts("2026-03-13T12:00:00Z"), ts("2026-03-13T16:00:00Z")),
                (ts("2026-03-17T08:00:00Z"), ts("2026-03-17T10:00:00Z")),
            ]
        );
        assert!(
            c.working_intervals(ts("2026-03-14T00:00:00Z"), ts("2026-03-14T00:00:00Z"))
                .is_empty()
        );
        // An always-working calendar is one interval, however many days it spans.
        let a = Calendar::always();
        assert_eq!(
            a.working_intervals(ts("2026-03-13T12:00:00Z"), ts("2026-03-17T10:00:00Z")),
            vec![(ts("2026-03-13T12:00:00Z"), ts("2026-03-17T10:00:00Z"))]
        );
    }

    #[test]
    fn next_working_inside_a_window_is_the_instant_itself() {
        let c = office("Europe/Stockholm", vec![]);
        // Tue 2026-03-10 10:00 CET = 09:00Z.
        assert_eq!(
            c.next_working(ts("2026-03-10T09:00:00Z")),
            Some(ts("2026-03-10T09:00:00Z"))
        );
    }

    #[test]
    fn next_working_after_hours_is_next_morning_and_friday_evening_is_monday() {
        let c = office("Europe/Stockholm", vec![]);
        assert_eq!(
            c.next_working(ts("2026-03-10T16:00:00Z")),
            Some(ts("2026-03-11T08:00:00Z"))
        );
        assert_eq!(
            c.next_working(ts("2026-03-13T16:30:00Z")),
            Some(ts("2026-03-16T08:00:00Z"))
        );
        // The end of a window is not working time.
        assert!(!c.is_working(ts("2026-03-10T16:00:00Z")));
        assert!(c.is_working(ts("2026-03-10T15:59:59Z")));
        assert!(c.is_working(ts("2026-03-10T08:00:00Z")));
    }

    #[test]
    fn add_working_spans_nights_weekends_and_may_end_at_a_window_end() {
        let c = office("Europe/Stockholm", vec![]);
        // Fri 15:00 local + 3 h = Mon 10:00 local.
        assert_eq!(
            c.add_working(ts("2026-03-13T14:00:00Z"), h(3)),
            Some(ts("2026-03-16T09:00:00Z"))
        );
        // Exactly the rest of the day: done at 17:00, not next morning.
        assert_eq!(
            c.add_working(ts("2026-03-10T14:00:00Z"), h(2)),
            Some(ts("2026-03-10T16:00:00Z"))
        );
        // Zero work waits for the next working moment.
        assert_eq!(
            c.add_working(ts("2026-03-10T20:00:00Z"), h(0)),
            Some(ts("2026-03-11T08:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_keeps_local_hours_and_the_day_shorter_in_utc() {
        // Stockholm moves from +01 to +02 on Sun 2026-03-29 at 02:00.
        let c = office("Europe/Stockholm", vec![]);
        // Fri 27 March 16:00 local (15:00Z) + 2 h = Mon 30 March 10:00 local = 08:00Z.
        assert_eq!(
            c.add_working(ts("2026-03-27T15:00:00Z"), h(2)),
            Some(ts("2026-03-30T08:00:00Z"))
        );
        // Working time across the weekend is exactly the two working hours.
        assert_eq!(
            c.working_between(ts("2026-03-27T15:00:00Z"), ts("2026-03-30T08:00:00Z")),
            h(2)
        );
        let always_local = Calendar::new(
            "nights",
            TimeZone::get("Europe/Stockholm").unwrap(),
            std::array::from_fn(|_| {
                vec![Window {
                    start: Time::MIN,
                    end: Time::MAX,
                }]
            }),
            [],
        )
        .unwrap();
        // The DST day is 23 hours long.
        assert_eq!(
            always_local.working_between(ts("2026-03-28T23:00:00Z"), ts("2026-03-29T22:00:00Z")),
            h(23)
        );
    }

    #[test]
    fn a_window_starting_in_the_gap_starts_after_the_gap() {
        let week = std::array::from_fn(|_| {
            vec![Window {
                start: time(2, 30, 0, 0),
                end: time(4, 0, 0, 0),
            }]
        });
        let c = Calendar::new(
            "night",
            TimeZone::get("Europe/Stockholm").unwrap(),
            week,
            [],
        )
        .unwrap();
        // 02:30 does not exist on 2026-03-29; compatible resolution gives 03:30 CEST = 01:30Z.
        assert_eq!(
            c.next_working(ts("2026-03-29T00:00:00Z")),
            Some(ts("2026-03-29T01:30:00Z"))
        );
        // And the window then holds 30 minutes.
        assert_eq!(
            c.working_between(ts("2026-03-29T00:00:00Z"), ts("2026-03-29T12:00:00Z")),
            SignedDuration::from_mins(30)
        );
    }

    #[test]
    fn fall_back_keeps_local_hours() {
        // Stockholm moves from +02 to +01 on Sun 2026-10-25 at 03:00.
        let c = office("Europe/Stockholm", vec![]);
        // Fri 23 Oct 16:00 local = 14:00Z; + 2 h = Mon 26 Oct 10:00 local = 09:00Z.
        assert_eq!(
            c.add_working(ts("2026-10-23T14:00:00Z"), h(2)),
            Some(ts("2026-10-26T09:00:00Z"))
        );
        assert_eq!(
            c.next_working(ts("2026-10-24T12:00:00Z")),
            Some(ts("2026-10-26T08:00:00Z"))
        );
    }

    #[test]
    fn new_york_changes_on_its_own_dates() {
        // New York springs forward on 2026-03-08, three weeks before Stockholm.
        let c = office("America/New_York", vec![]);
        // Mon 9 March 09:00 EDT = 13:00Z (it was 14:00Z the Monday before).
        assert_eq!(
            c.next_working(ts("2026-03-09T00:00:00Z")),
            Some(ts("2026-03-09T13:00:00Z"))
        );
        assert_eq!(
            c.next_working(ts("2026-03-02T00:00:00Z")),
            Some(ts("2026-03-02T14:00:00Z"))
        );
    }

    #[test]
    fn holidays_have_no_working_time() {
        // Good Friday and Easter Monday 2026 in Sweden.
        let c = office("Europe/Stockholm", vec![date(2026, 4, 3), date(2026, 4, 6)]);
        assert!(!c.is_working_day(date(2026, 4, 3)));
        assert!(!c.is_working(ts("2026-04-03T10:00:00Z")));
        // Thu 2 April 16:00 local (14:00Z) + 2 h = Tue 7 April 10:00 local (08:00Z).
        assert_eq!(
            c.add_working(ts("2026-04-02T14:00:00Z"), h(2)),
            Some(ts("2026-04-07T08:00:00Z"))
        );
        assert_eq!(
            c.working_between(ts("2026-04-02T00:00:00Z"), ts("2026-04-08T00:00:00Z")),
            h(16)
        );
    }

    #[test]
    fn long_work_spans_weeks() {
        let c = office("UTC", vec![]);
        // 80 working hours from Monday 09:00 = 10 working days = two weeks later, Friday 17:00.
        assert_eq!(
            c.add_working(ts("2026-06-01T09:00:00Z"), h(80)),
            Some(ts("2026-06-12T17:00:00Z"))
        );
    }

    #[test]
    fn midnight_windows_and_split_days() {
        let mut week: [Vec<Window>; 7] = Default::default();
        week[0] = vec![
            Window {
                start: time(8, 0, 0, 0),
                end: time(12, 0, 0, 0),
            },
            Window {
                start: time(13, 0, 0, 0),
                end: Time::MAX,
            },
        ];
        let c = Calendar::new("split", TimeZone::UTC, week, []).unwrap();
        // Mon 2026-06-01: lunch is not working; 23:59:59 is.
        assert!(!c.is_working(ts("2026-06-01T12:30:00Z")));
        assert!(c.is_working(ts("2026-06-01T23:59:59Z")));
        assert_eq!(
            c.working_between(ts("2026-06-01T00:00:00Z"), ts("2026-06-02T00:00:00Z")),
            h(15)
        );
        assert_eq!(
            c.add_working(ts("2026-06-01T11:00:00Z"), h(2)),
            Some(ts("2026-06-01T14:00:00Z"))
        );
    }

    #[test]
    fn invalid_windows_are_rejected_with_the_day_named() {
        let mut week: [Vec<Window>; 7] = Default::default();
        week[2] = vec![Window {
            start: time(17, 0, 0, 0),
            end: time(9, 0, 0, 0),
        }];
        let e = Calendar::new("x", TimeZone::UTC, week, []).unwrap_err();
        assert_eq!(
            e.to_string(),
            "wednesday: window 17:00-09:00 ends before it starts"
        );
        let mut week: [Vec<Window>; 7] = Default::default();
        week[0] = vec![
            Window {
                start: time(9, 0, 0, 0),
                end: time(12, 0, 0, 0),
            },
            Window {
                start: time(11, 0, 0, 0),
                end: time(13, 0, 0, 0),
            },
        ];
        assert!(matches!(
            Calendar::new("x", TimeZone::UTC, week, []),
            Err(CalendarError::Overlap { .. })
        ));
        assert_eq!(
            Calendar::new("x", TimeZone::UTC, Default::default(), []).unwrap_err(),
            CalendarError::NoWorkingTime
        );
    }

    /// `add_working` as the definition says it, walking day by day (the implementation
    /// before the year tables): the reference the fast one must equal.
    fn add_working_by_days(c: &Calendar, ts: Timestamp, work: SignedDuration) -> Option<Timestamp> {
        if work <= SignedDuration::ZERO {
            return c.next_working(ts);
        }
        let mut left = work;
        let mut last_work = ts;
        for day in c.days_from(ts) {
            let mut worked = false;
            for (s, e) in c.intervals_on(day) {
                if e <= ts {
                    continue;
                }
                let start = s.max(ts);
                let avail = e.duration_since(start);
                if left <= avail {
                    return start.checked_add(left).ok();
                }
                left -= avail;
                (last_work, worked) = (e, true);
            }
            if !worked && c.at(day, Time::MIN).duration_since(last_work) > search_span() {
                return None;
            }
        }
        None
    }

    #[test]
    fn the_year_tables_give_what_the_day_by_day_walk_gives() {
        use rand::{RngExt, SeedableRng};
        let mut week: [Vec<Window>; 7] = Default::default();
        week[0] = vec![
            Window {
                start: time(8, 0, 0, 0),
                end: time(12, 0, 0, 0),
            },
            Window {
                start: time(13, 0, 0, 0),
                end: Time::MAX,
            },
        ];
        week[2] = vec![Window {
            start: time(2, 30, 0, 0),
            end: time(4, 0, 0, 0),
        }];
        week[6] = vec![Window {
            start: time(0, 0, 0, 0),
            end: time(3, 0, 0, 0),
        }];
        let calendars = [
            office(
                "Europe/Stockholm",
                vec![date(2026, 4, 3), date(2026, 12, 24)],
            ),
            office("America/New_York", vec![]),
            Calendar::new("odd", TimeZone::get("Europe/Stockholm").unwrap(), week, []).unwrap(),
            Calendar::always(),
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
        let base = ts("2025-12-20T00:00:00Z").as_second();
        for c in &calendars {
            for _ in 0..400 {
                let t = Timestamp::from_second(base + rng.random_range(0..86_400 * 800)).unwrap();
                let work = SignedDuration::from_secs(match rng.random_range(0..4) {
                    0 => rng.random_range(0..3_600),
                    1 => rng.random_range(0..86_400),
                    2 => rng.random_range(0..3_600 * 2_000),
                    _ => 3_600 * rng.random_range(0..10),
                });
                assert_eq!(
                    c.add_working(t, work),
                    add_working_by_days(c, t, work),
                    "{} from {t} + {work:?}",
                    c.name()
                );
            }
        }
    }

    #[test]
    fn work_that_is_never_done_is_none_not_the_start() {
        // Regression (issue 16): a fix effort of 1e300 h walked the calendar to the year 9999
        // for minutes and then landed the fix at once.
        let c = office("Europe/Stockholm", vec![]);
        let start = ts("2026-03-10T09:00:00Z");
        let until = ts("2027-03-10T09:00:00Z");
        let t0 = std::time::Instant::now();
        assert_eq!(
            c.add_working_until(start, SignedDuration::from_hours(1_000_000), until),
            None
        );
        assert!(t0.elapsed() < std::time::Duration::from_secs(2));
        // 375 working days of work end after a year and a half, inside a longer limit.
        let done = c
            .add_working_until(start, h(3000), ts("2031-01-01T00:00:00Z"))
            .unwrap();
        assert!(done > until && done < ts("2028-01-01T00:00:00Z"), "{done}");
        // No working day within 400 days: never.
        let all_holidays: Vec<Date> = (0..500)
            .map(|d| {
                date(2026, 3, 10)
                    .checked_add(jiff::Span::new().days(d))
                    .unwrap()
            })
            .collect();
        let off = office("UTC", all_holidays);
        assert_eq!(off.add_working(start, h(1)), None);
        assert_eq!(off.next_working(start), None);
    }

    #[test]
    fn always_is_always_working() {
        let c = Calendar::always();
        let t = ts("2026-12-25T03:07:00Z");
        assert!(c.is_working(t));
        assert_eq!(c.next_working(t), Some(t));
        assert_eq!(c.add_working(t, h(30)), Some(ts("2026-12-26T09:07:00Z")));
    }
}
