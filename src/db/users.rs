//! Queries on `users`.

use crate::ids::UserId;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set while the password is one an admin made (for the first sign-in only).
    pub temporary_password_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, email, role, password_hash, disabled_at, created_at, updated_at, temporary_password_at";

/// Whether any account exists at all.
pub async fn any_exist(pool: &super::Pool) -> Result<bool, sqlx::Error> {
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(any.is_some())
}

pub async fn find_by_id<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: UserId,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(executor)
        .await
}

/// Works on the pool or inside a transaction.
pub async fn find_by_email<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(executor)
        .await
}

pub async fn insert(
    conn: &mut crate::db::Connection,
    email: &str,
    role: &str,
    password_hash: &str,
    temporary: bool,
    now: Timestamp,
) -> Result<UserId, sqlx::Error> {
    let id: UserId = sqlx::query_scalar(
        "INSERT INTO users (email, role, password_hash, temporary_password_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email)
    .bind(role)
    .bind(password_hash)
    .bind(temporary.then_some(now))
    .bind(now)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn set_role(
    conn: &mut crate::db::Connection,
    id: UserId,
    role: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    conn: &mut crate::db::Connection,
    id: UserId,
    disabled_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled_at)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut crate::db::Connection,
    id: UserId,
    hash: &str,
    temporary: bool,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, temporary_password_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(hash)
    .bind(temporary.then_some(now))
    .bind(now)
    .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces a password hash only if it is still `old_hash` (a person's own change must not
/// overwrite an admin's reset that came in between); false when it was not.
pub async fn replace_password_hash(
    conn: &mut crate::db::Connection,
    id: UserId,
    old_hash: &str,
    new_hash: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, temporary_password_at = NULL, updated_at = $2 \
         WHERE id = $3 AND password_hash = $4",
    )
    .bind(new_hash)
    .bind(now)
    .bind(id)
    .bind(old_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One account as the staff page lists it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRow {
    pub email: String,
    pub role: String,
    pub disabled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub last_sign_in_at: Option<Timestamp>,
    /// Sessions that have not run out (idle or absolute).
    pub open_sessions: i64,
}

/// Every account by e-mail, with its live sessions counted.
pub async fn list_staff(
    pool: &super::Pool,
    now: Timestamp,
    created_after: Timestamp,
) -> Result<Vec<StaffRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.email, u.role, u.disabled_at, u.created_at, u.last_sign_in_at, \
         (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1 AND s.created_at > $2) AS open_sessions \
         FROM users u ORDER BY u.email",
    )
    .bind(now)
    .bind(created_after)
    .fetch_all(pool)
    .await
}

pub async fn record_sign_in<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: UserId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Active admins other than `except`. Called inside a write transaction, which holds the
/// engine's write lock, so two admins demoting each other cannot both see the other remain.
pub async fn other_active_admins(
    conn: &mut crate::db::Connection,
    except: UserId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1",
    )
    .bind(except)
    .fetch_one(conn)
    .await
}

/// The language a person chose ('en', 'id'), if any.
pub async fn language(pool: &super::Pool, id: UserId) -> Result<Option<String>, sqlx::Error> {
    let language: Option<Option<String>> =
        sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(language.flatten())
}

pub async fn set_language(
    pool: &super::Pool,
    id: UserId,
    language: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
