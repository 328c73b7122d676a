//! X-TIMESTAMP (Jakarta time, `2020-12-23T07:44:11+07:00`) and X-EXTERNAL-ID sources, injectable
//! so tests are deterministic.

use chrono::{DateTime, FixedOffset, Utc};

use crate::time::jakarta;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The real clock, in Jakarta time whatever the host's time zone.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&jakarta())
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

/// `YYYY-MM-DDTHH:mm:ss+07:00`, always 25 characters.
pub fn format_timestamp(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&jakarta())
        .format("%Y-%m-%dT%H:%M:%S+07:00")
        .to_string()
}

/// Parses an X-TIMESTAMP strictly: exactly the 25-character Jakarta form.
pub fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 25
        && s.ends_with("+07:00")
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if !shape_ok {
        return None;
    }
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z").ok()
}

/// X-EXTERNAL-ID: at most 36 characters, unique within the day.
pub trait ExternalIdSource: Send + Sync {
    fn next_id(&self) -> String;
}

/// DANA SDK-style ids: `sdk` and 33 characters of a random v4 UUID (122 random bits less the
/// three dropped digits): a collision within a day is not a practical concern.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomExternalIds;

impl ExternalIdSource for RandomExternalIds {
    fn next_id(&self) -> String {
        // As DANA's SDKs make it: "sdk" and a random UUID's last 33 characters (36 in all).
        let uuid = uuid::Uuid::new_v4().to_string();
        format!("sdk{}", &uuid[3..])
    }
}

/// `prefix-1`, `prefix-2`, … for tests.
#[derive(Debug)]
pub struct SequentialExternalIds {
    prefix: String,
    next: std::sync::atomic::AtomicU64,
}

impl SequentialExternalIds {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            next: std::sync::atomic::AtomicU64::new(1),
        }
    }
}

impl ExternalIdSource for SequentialExternalIds {
    fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jakarta_timestamp_whatever_the_input_zone() {
        let utc = DateTime::parse_from_rfc3339("2020-12-23T00:44:11Z").unwrap();
        assert_eq!(format_timestamp(utc), "2020-12-23T07:44:11+07:00");
        assert_eq!(format_timestamp(SystemClock.now()).len(), 25);
    }

    #[test]
    fn parses_only_the_strict_form() {
        assert!(parse_timestamp("2020-12-23T07:44:11+07:00").is_some());
        for bad in [
            "2020-12-23T00:44:11Z",
            "2020-12-23T07:44:11+0700",
            "2020-12-23 07:44:11+07:00",
            "2020-13-23T07:44:11+07:00",
            "2020-12-23T07:44:11+08:00",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn random_ids_fit_the_header() {
        let a = RandomExternalIds.next_id();
        assert_eq!(a.len(), 36);
        assert!(a.starts_with("sdk"), "{a}");
        assert_eq!(a.matches('-').count(), 4, "{a}");
        assert_ne!(a, RandomExternalIds.next_id());
    }
}
