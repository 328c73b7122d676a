//! Queries on `login_throttle`: failed sign-ins counted per key (account at an address, address,
//! account), each key within its own window.

use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i64,
    pub first_failure_at: Timestamp,
    pub locked_until: Option<Timestamp>,
    /// Attempts refused while locked or full.
    pub refused: i64,
}

pub async fn get(
    conn: &mut crate::db::Connection,
    key: &str,
) -> Result<Option<ThrottleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT failures, first_failure_at, locked_until, refused FROM login_throttle WHERE throttle_key = $1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
}

pub async fn put(
    conn: &mut crate::db::Connection,
    key: &str,
    row: ThrottleRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, first_failure_at, locked_until, refused) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, \
         first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until, \
         refused = excluded.refused",
    )
    .bind(key)
    .bind(row.failures)
    .bind(row.first_failure_at)
    .bind(row.locked_until)
    .bind(row.refused)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut crate::db::Connection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets keys whose window has passed and that are not locked, so guesses at made-up
/// accounts leave no row behind for longer than one window.
pub async fn prune(
    conn: &mut crate::db::Connection,
    window_started_before: Timestamp,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM login_throttle WHERE first_failure_at < $1 \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(window_started_before)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn count(conn: &mut crate::db::Connection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle")
        .fetch_one(conn)
        .await
}
