//! Queries on `order_uploads`: CSV files waiting on /orders/import.

use crate::time::Timestamp;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub token: String,
    pub uploaded_by: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub size_bytes: i64,
    pub created_at: Timestamp,
    pub imported_at: Option<Timestamp>,
    /// The import's summary (JSON), once imported.
    pub summary: Option<String>,
}

/// Stores an upload and forgets those older than `forget_before`.
pub async fn insert(
    conn: &mut super::Connection,
    token: &str,
    uploaded_by: &str,
    file_name: &str,
    content: &[u8],
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM order_uploads WHERE created_at < $1")
        .bind(forget_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO order_uploads (token, uploaded_by, file_name, content, size_bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token)
    .bind(uploaded_by)
    .bind(file_name)
    .bind(content.to_vec())
    .bind(content.len() as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn find(pool: &super::Pool, token: &str) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token, uploaded_by, file_name, content, size_bytes, created_at, imported_at, \
         summary FROM order_uploads WHERE token = $1",
    )
    .bind(token)
    .fetch_optional(pool)
    .await
}

/// Marks an upload imported, once: `false` if it already was (a second click imports nothing).
pub async fn claim_import(
    conn: &mut super::Connection,
    token: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE order_uploads SET imported_at = $1 WHERE token = $2 AND imported_at IS NULL",
    )
    .bind(now)
    .bind(token)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_summary(
    pool: &super::Pool,
    token: &str,
    summary: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE order_uploads SET summary = $1 WHERE token = $2")
        .bind(summary)
        .bind(token)
        .execute(pool)
        .await?;
    Ok(())
}
