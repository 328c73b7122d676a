//! Server-side sessions in the database, the signed-in user of a request, and sign-in
//! throttling. The cookie holds a random token; the table holds only its SHA-256.

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::CurrentUser;
use super::role::Role;
use crate::db::Pool;

pub const COOKIE: &str = "cd_session";

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Starts a session; returns the token for the cookie (never stored or logged).
pub async fn create(
    pool: &Pool,
    user_id: i64,
    idle_seconds: i64,
    now: i64,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(now + idle_seconds)
        .execute(pool)
        .await?;
    Ok(token)
}

/// The user of a live session, extending its idle expiry; expired sessions are removed.
pub async fn lookup(
    pool: &Pool,
    token: &str,
    idle_seconds: i64,
    now: i64,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    let hash = token_hash(token);
    let row: Option<(i64, String, String, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.email, u.role, u.disabled_at, s.expires_at, s.last_seen_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let Some((id, email, role, disabled_at, expires_at, last_seen_at)) = row else {
        return Ok(None);
    };
    let role = Role::parse(&role);
    if expires_at <= now || disabled_at.is_some() || role.is_none() {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(&hash)
            .execute(pool)
            .await?;
        return Ok(None);
    }
    // One write a minute at most per session keeps reads cheap.
    if now - last_seen_at >= 60 {
        sqlx::query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(now + idle_seconds)
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    Ok(role.map(|role| CurrentUser { id, email, role }))
}

pub async fn destroy(pool: &Pool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(token_hash(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// The cookie that carries a session (`max_age` 0 clears it).
pub fn cookie(token: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The session token in a Cookie header, if any.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .map(str::trim)
        .find_map(|pair| pair.strip_prefix(COOKIE)?.strip_prefix('='))
        .filter(|t| !t.is_empty())
}

/// The session token in a request's Cookie headers, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(token_from_cookie_header)
        .map(str::to_string)
}

/// Failures before sign-in is slowed down, and before it is locked.
pub const SLOW_AFTER: i64 = 3;
pub const LOCK_AFTER: i64 = 5;
/// The window failures count in, and how long a lock lasts.
pub const WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Open,
    /// Answer only after this many seconds.
    Slow(u64),
    /// Refuse until this time (Unix seconds).
    Locked(i64),
}

/// The throttle state of the most restricted of `keys` (e.g. `email:…` and `ip:…`).
pub async fn throttle(pool: &Pool, keys: &[String], now: i64) -> Result<Throttle, sqlx::Error> {
    let mut worst = Throttle::Open;
    for key in keys {
        let row: Option<(i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT failures, first_failure_at, locked_until FROM login_throttle WHERE throttle_key = ?")
                .bind(key)
                .fetch_optional(pool)
                .await?;
        let Some((failures, first, locked_until)) = row else {
            continue;
        };
        if let Some(until) = locked_until.filter(|u| *u > now) {
            return Ok(Throttle::Locked(until));
        }
        if now - first < WINDOW_SECONDS && failures >= SLOW_AFTER {
            let delay = (failures - SLOW_AFTER + 1).min(3) as u64;
            if !matches!(worst, Throttle::Slow(d) if d >= delay) {
                worst = Throttle::Slow(delay);
            }
        }
    }
    Ok(worst)
}

/// Counts a failed sign-in against each key, locking a key at [`LOCK_AFTER`] failures.
pub async fn record_failure(pool: &Pool, keys: &[String], now: i64) -> Result<(), sqlx::Error> {
    for key in keys {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, first_failure_at FROM login_throttle WHERE throttle_key = ?",
        )
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let (failures, first) = match row {
            Some((f, first)) if now - first < WINDOW_SECONDS => (f + 1, first),
            _ => (1, now),
        };
        let locked_until = (failures >= LOCK_AFTER).then_some(now + WINDOW_SECONDS);
        sqlx::query(
            "INSERT INTO login_throttle (throttle_key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, \
             first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(failures)
        .bind(first)
        .bind(locked_until)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn clear_failures(pool: &Pool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = ?")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let c = cookie("abc", 1800, false);
        assert_eq!(
            c,
            "cd_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800"
        );
        assert!(cookie("abc", 1800, true).ends_with("; Secure"));
        assert_eq!(
            token_from_cookie_header("a=1; cd_session=tok; b=2"),
            Some("tok")
        );
        assert_eq!(token_from_cookie_header("cd_session_x=1"), None);
        assert_eq!(token_from_cookie_header("cd_session="), None);
    }
}
