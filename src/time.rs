//! Jakarta time (WIB, UTC+7, no daylight saving) for display. Stored times are Unix seconds.

use chrono::{DateTime, FixedOffset, Utc};

pub fn jakarta() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

pub fn now_epoch() -> i64 {
    Utc::now().timestamp()
}

/// `24 Nov 2026, 14:05 WIB`
pub fn display_wib(epoch_seconds: i64) -> String {
    match DateTime::from_timestamp(epoch_seconds, 0) {
        Some(t) => t
            .with_timezone(&jakarta())
            .format("%d %b %Y, %H:%M WIB")
            .to_string(),
        None => format!("(invalid time {epoch_seconds})"),
    }
}

/// `14:05:09 WIB`
pub fn display_wib_time(epoch_seconds: i64) -> String {
    DateTime::from_timestamp(epoch_seconds, 0)
        .map(|t| {
            t.with_timezone(&jakarta())
                .format("%H:%M:%S WIB")
                .to_string()
        })
        .unwrap_or_default()
}

/// A span for people: `45 s`, `12 min`, `2 h 5 min`, `3 d 4 h`.
pub fn display_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min", s / 60),
        3_600..86_400 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// `2026-11-24` in Jakarta time.
pub fn jakarta_date(epoch_seconds: i64) -> String {
    DateTime::from_timestamp(epoch_seconds, 0)
        .map(|t| t.with_timezone(&jakarta()).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_jakarta_wall_clock() {
        // 2026-11-24T07:05:00Z is 14:05 in Jakarta.
        assert_eq!(display_wib(1_795_503_900), "24 Nov 2026, 14:05 WIB");
        // 2026-11-23T17:00:00Z is already the 24th in Jakarta.
        assert_eq!(jakarta_date(1_795_453_200), "2026-11-24");
        assert_eq!(display_wib_time(1_795_503_909), "14:05:09 WIB");
    }

    #[test]
    fn durations() {
        assert_eq!(display_duration(-3), "0 s");
        assert_eq!(display_duration(59), "59 s");
        assert_eq!(display_duration(60), "1 min");
        assert_eq!(display_duration(7_500), "2 h 5 min");
        assert_eq!(display_duration(2 * 86_400 + 3_700), "2 d 1 h");
    }
}
