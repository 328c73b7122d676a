//! Where "now" comes from, injected into the services that keep time. Production reads the
//! database's clock (so servers whose clocks disagree still agree on leases and due times); a
//! test shifts it to let an hour pass without waiting.

use crate::db::{self, Connection, Pool};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    shift_seconds: i64,
}

impl Clock {
    /// The database's clock, unshifted.
    pub fn database() -> Self {
        Self::default()
    }

    /// This clock running `seconds` ahead.
    pub fn shifted(self, seconds: i64) -> Self {
        Self {
            shift_seconds: self.shift_seconds + seconds,
        }
    }

    /// Now, in Unix seconds, on a connection of the pool.
    pub async fn now(&self, pool: &Pool) -> Result<i64, sqlx::Error> {
        Ok(db::now(pool).await? + self.shift_seconds)
    }

    /// Now, in Unix seconds, on a connection the caller holds (inside its transaction).
    pub async fn now_on(&self, conn: &mut Connection) -> Result<i64, sqlx::Error> {
        Ok(db::now_on(conn).await? + self.shift_seconds)
    }

    /// Now, in Unix milliseconds, for the audit trail and attempt timings.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.shift_seconds * 1000
    }
}
