//! Queries on `users`.

use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, email, role, password_hash, disabled_at, created_at, updated_at";

/// Works on the pool or inside a transaction.
pub async fn find_by_email<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = ?"))
        .bind(email)
        .fetch_optional(executor)
        .await
}

pub async fn insert(
    conn: &mut SqliteConnection,
    email: &str,
    role: &str,
    password_hash: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO users (email, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(email)
    .bind(role)
    .bind(password_hash)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.last_insert_rowid())
}

pub async fn set_role(
    conn: &mut SqliteConnection,
    id: i64,
    role: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = ?, updated_at = ? WHERE id = ?")
        .bind(role)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    conn: &mut SqliteConnection,
    id: i64,
    disabled_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?")
        .bind(disabled_at)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut SqliteConnection,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
