//! Where "now" comes from, injected into everything that keeps time (sessions, throttling, the
//! cancel service and its queue). It is the database's clock, so servers whose own clocks
//! disagree still agree on leases, due times and session ends; a test shifts it to let an hour
//! pass without waiting.
//!
//! Reading the database's clock costs a round trip, so the clock keeps the offset between the
//! database's time and this host's and re-reads it every [`RESYNC_MS`]: one query a half-minute
//! instead of one or more per request. (SQLite's clock is this host's: it never queries.)

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::{self, Connection, Pool};
use crate::time::Timestamp;

/// How long a measured offset is trusted. Hosts drift by milliseconds a day; leases and due
/// times are whole seconds.
pub const RESYNC_MS: i64 = 30_000;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    shift_seconds: i64,
    sync: Arc<Sync>,
}

/// The database's time minus this host's, and when (host time) it was measured; 0 = never.
#[derive(Debug, Default)]
struct Sync {
    offset_ms: AtomicI64,
    measured_at_ms: AtomicI64,
}

fn host_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Clock {
    /// The database's clock, unshifted.
    pub fn database() -> Self {
        Self::default()
    }

    /// This clock running `seconds` ahead (sharing the measured offset).
    pub fn shifted(&self, seconds: i64) -> Self {
        Self {
            shift_seconds: self.shift_seconds + seconds,
            sync: self.sync.clone(),
        }
    }

    fn fresh_offset(&self, host: i64) -> Option<i64> {
        let at = self.sync.measured_at_ms.load(Ordering::Acquire);
        (at != 0 && host - at < RESYNC_MS).then(|| self.sync.offset_ms.load(Ordering::Acquire))
    }

    fn remember(&self, offset: i64, host: i64) {
        self.sync.offset_ms.store(offset, Ordering::Release);
        self.sync.measured_at_ms.store(host, Ordering::Release);
    }

    fn at(&self, host: i64, offset: i64) -> Timestamp {
        Timestamp::from_millis(host + offset).plus_seconds(self.shift_seconds)
    }

    /// Now, measuring the offset on a pool connection when it is stale.
    pub async fn now(&self, pool: &Pool) -> Result<Timestamp, sqlx::Error> {
        let host = host_ms();
        if let Some(offset) = self.fresh_offset(host) {
            return Ok(self.at(host, offset));
        }
        let offset = match db::now_ms(pool).await? {
            Some(database) => database - (host + host_ms()) / 2,
            None => 0,
        };
        self.remember(offset, host);
        Ok(self.at(host_ms(), offset))
    }

    /// Now, measuring on a connection the caller holds (inside its transaction: taking a
    /// second pool connection while holding the write lock could starve the pool).
    pub async fn now_on(&self, conn: &mut Connection) -> Result<Timestamp, sqlx::Error> {
        let host = host_ms();
        if let Some(offset) = self.fresh_offset(host) {
            return Ok(self.at(host, offset));
        }
        let offset = match db::now_ms_on(conn).await? {
            Some(database) => database - (host + host_ms()) / 2,
            None => 0,
        };
        self.remember(offset, host);
        Ok(self.at(host_ms(), offset))
    }

    /// Now, without a query: the last measured offset (none measured yet: this host's time).
    /// For the audit trail and attempt timings, written right after a measured read.
    pub fn stamp(&self) -> Timestamp {
        let offset = self.sync.offset_ms.load(Ordering::Acquire);
        self.at(host_ms(), offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_moves_the_clock_and_shares_the_offset() {
        let clock = Clock::database();
        clock.remember(5_000, host_ms());
        let later = clock.shifted(3_600);
        let gap = later.stamp().millis() - clock.stamp().millis();
        assert!((3_599_000..=3_600_100).contains(&gap), "{gap}");
        assert!(later.fresh_offset(host_ms()) == Some(5_000));
        // A stale offset is not trusted.
        clock.remember(5_000, host_ms() - RESYNC_MS - 1);
        assert_eq!(later.fresh_offset(host_ms()), None);
    }
}
