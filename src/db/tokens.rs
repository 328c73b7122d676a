//! Queries on `api_tokens`.

use crate::time::Timestamp;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, name, scope, created_at, created_by, revoked_at, last_used_at";

/// Inserts a token; `false` when the name is taken.
pub async fn insert(
    conn: &mut super::Connection,
    name: &str,
    token_sha256: &str,
    scope: &str,
    created_by: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO api_tokens (name, token_sha256, scope, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(name)
    .bind(token_sha256)
    .bind(scope)
    .bind(now)
    .bind(created_by)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The token with this hash, revoked or not.
pub async fn find_by_hash<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_sha256: &str,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_sha256 = $1"
    ))
    .bind(token_sha256)
    .fetch_optional(executor)
    .await
}

/// Revokes the named token; `false` when there is no such token or it was already revoked.
pub async fn revoke(
    conn: &mut super::Connection,
    name: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch(
    conn: &mut super::Connection,
    id: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn list(pool: &super::Pool) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id"))
        .fetch_all(pool)
        .await
}
