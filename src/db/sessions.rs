//! Queries on `sessions`: rows are keyed by the SHA-256 of the session token, never the token.

use crate::ids::UserId;
use crate::time::Timestamp;

/// A live session joined with its user, as the guard needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionUserRow {
    pub user_id: UserId,
    pub email: String,
    pub role: String,
    pub disabled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// The account's password is one an admin made: it must be changed before anything else.
    pub temporary_password_at: Option<Timestamp>,
}

/// A session as an admin lists it (no token, no hash).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub client_addr: Option<String>,
}

pub async fn insert<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    user_id: UserId,
    now: Timestamp,
    expires_at: Timestamp,
    client_addr: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(now)
    .bind(expires_at)
    .bind(client_addr)
    .execute(executor)
    .await?;
    Ok(())
}

pub async fn find<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
) -> Result<Option<SessionUserRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.role, u.disabled_at, s.created_at, s.last_seen_at, s.expires_at, \
         u.temporary_password_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(executor)
    .await
}

pub async fn touch<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(now)
        .bind(expires_at)
        .bind(token_hash)
        .execute(executor)
        .await?;
    Ok(())
}

pub async fn delete<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(executor)
        .await?;
    Ok(())
}

/// Ends every session of a user; returns how many there were.
pub async fn delete_for_user<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: UserId,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(executor)
        .await?
        .rows_affected())
}

/// Ends every session of a user but the one with `keep_hash` (after they change their password).
pub async fn delete_others_for_user<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: UserId,
    keep_hash: &str,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_hash)
            .execute(executor)
            .await?
            .rows_affected(),
    )
}

/// A user's sessions that have not yet run out (idle or absolute), newest first.
pub async fn list_for_user<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: UserId,
    now: Timestamp,
    created_after: Timestamp,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT created_at, last_seen_at, expires_at, client_addr FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 AND created_at > $3 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .bind(created_after)
    .fetch_all(executor)
    .await
}
