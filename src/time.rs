//! Time: [`Timestamp`], the one type (Unix milliseconds, UTC) every table stores times in, and
//! Jakarta time (WIB, UTC+7, no daylight saving) for display.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// A moment as Unix milliseconds (UTC). Every stored time is one; spans are counted in whole
/// seconds (`plus_seconds`, `seconds_since`), which is all leases, backoffs and sessions need.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    sqlx::Type,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn from_seconds(seconds: i64) -> Self {
        Self(seconds.saturating_mul(1000))
    }

    /// This host's clock; a service reads the app's `Clock` instead.
    pub fn host_now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Whole Unix seconds (rounded down).
    pub const fn seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }

    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Whole seconds from `earlier` to this moment (negative when `earlier` is later).
    pub const fn seconds_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).div_euclid(1000)
    }

    fn utc(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0)
    }
}

pub fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// A moment as orders arrive with it: RFC 3339 with an offset (`2026-11-24T10:00:00+07:00`,
/// DANA's form and the API's), or Unix milliseconds as digits, which some live DANA
/// notifications send. Nothing else: a time without an offset is ambiguous.
pub fn parse_order_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if !text.is_empty() && text.len() <= 15 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Timestamp::from_millis);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| Timestamp::from_millis(t.timestamp_millis()))
}

/// Month abbreviations as Indonesian writes them, in either language of the pages: dates follow
/// Indonesian conventions (day, month, year; WIB) whatever the language.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
];

fn display_with(at: Timestamp, time_format: &str) -> Option<String> {
    use chrono::Datelike;
    let t = at.utc()?.with_timezone(&jakarta());
    Some(format!(
        "{:02} {} {}, {} WIB",
        t.day(),
        MONTHS[t.month0() as usize],
        t.year(),
        t.format(time_format)
    ))
}

/// `24 Nov 2026, 14:05 WIB` (`24 Des 2026, …` in December).
pub fn display_wib(at: Timestamp) -> String {
    display_with(at, "%H:%M").unwrap_or_else(|| format!("(invalid time {})", at.millis()))
}

/// `24 Nov 2026, 14:05:09 WIB`: the audit log's precision.
pub fn display_wib_seconds(at: Timestamp) -> String {
    display_with(at, "%H:%M:%S").unwrap_or_default()
}

/// `14:05:09 WIB`
pub fn display_wib_time(at: Timestamp) -> String {
    at.utc()
        .map(|t| {
            t.with_timezone(&jakarta())
                .format("%H:%M:%S WIB")
                .to_string()
        })
        .unwrap_or_default()
}

/// A span for people: `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h` (`3 hari 4 jam` in Indonesian).
pub fn display_duration(seconds: i64, locale: crate::i18n::Locale) -> String {
    use crate::i18n::td_string;
    let s = seconds.max(0);
    match s {
        0..60 => td_string!(locale, common.duration.seconds, s = s).to_string(),
        60..3_600 => td_string!(locale, common.duration.minutes, m = s / 60).to_string(),
        3_600..86_400 => td_string!(
            locale,
            common.duration.hours_minutes,
            h = s / 3_600,
            m = s % 3_600 / 60
        )
        .to_string(),
        _ => td_string!(
            locale,
            common.duration.days_hours,
            d = s / 86_400,
            h = s % 86_400 / 3_600
        )
        .to_string(),
    }
}

/// `2026-11-24` in Jakarta time.
pub fn jakarta_date(at: Timestamp) -> String {
    at.utc()
        .map(|t| t.with_timezone(&jakarta()).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn order_times_with_an_offset_or_as_milliseconds() {
        let at = Timestamp::from_seconds(1_795_503_900);
        assert_eq!(parse_order_time("2026-11-24T14:05:00+07:00"), Some(at));
        assert_eq!(parse_order_time("2026-11-24T07:05:00Z"), Some(at));
        assert_eq!(parse_order_time("1795503900000"), Some(at));
        assert_eq!(parse_order_time("2026-11-24T14:05:00"), None);
        assert_eq!(parse_order_time("24/11/2026"), None);
        assert_eq!(parse_order_time(""), None);
    }

    #[test]
    fn shows_jakarta_wall_clock() {
        // 2026-11-24T07:05:00Z is 14:05 in Jakarta.
        assert_eq!(
            display_wib(Timestamp::from_seconds(1_795_503_900)),
            "24 Nov 2026, 14:05 WIB"
        );
        // 2026-11-23T17:00:00Z is already the 24th in Jakarta.
        assert_eq!(
            jakarta_date(Timestamp::from_seconds(1_795_453_200)),
            "2026-11-24"
        );
        // A millisecond before is still the 23rd.
        assert_eq!(
            jakarta_date(Timestamp::from_millis(1_795_453_200_000 - 1)),
            "2026-11-23"
        );
        assert_eq!(
            display_wib_time(Timestamp::from_millis(1_795_503_909_999)),
            "14:05:09 WIB"
        );
        assert_eq!(
            display_wib_seconds(Timestamp::from_millis(1_795_503_909_999)),
            "24 Nov 2026, 14:05:09 WIB"
        );
        // Indonesian month names, whatever the language of the page: 2026-12-01 09:00 WIB.
        assert_eq!(
            display_wib(Timestamp::from_seconds(1_796_090_400)),
            "01 Des 2026, 09:00 WIB"
        );
    }

    #[test]
    fn seconds_round_down_and_spans_count_whole_seconds() {
        let t = Timestamp::from_millis(1_500);
        assert_eq!(t.seconds(), 1);
        assert_eq!(Timestamp::from_millis(-1).seconds(), -1);
        assert_eq!(t.plus_seconds(30).millis(), 31_500);
        assert_eq!(t.plus_seconds(30).seconds_since(t), 30);
        assert_eq!(t.seconds_since(t.plus_seconds(2)), -2);
    }

    #[test]
    fn durations() {
        assert_eq!(display_duration(-3, Locale::en), "0 s");
        assert_eq!(display_duration(59, Locale::en), "59 s");
        assert_eq!(display_duration(60, Locale::en), "1 min");
        assert_eq!(display_duration(7_500, Locale::en), "2 h 5 min");
        assert_eq!(display_duration(2 * 86_400 + 3_700, Locale::en), "2 d 1 h");
        assert_eq!(display_duration(7_500, Locale::id), "2 jam 5 mnt");
        assert_eq!(
            display_duration(2 * 86_400 + 3_700, Locale::id),
            "2 hari 1 jam"
        );
    }
}
