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
    }
}
