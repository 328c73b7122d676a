//! Managing staff accounts. Every change is recorded in the audit trail in the same transaction.

use crate::time::Timestamp;
use serde_json::json;

use super::password::{self, PasswordError};
use super::role::Role;
use crate::audit::key::AuditKey;
use crate::audit::{self, AuditError, NewEvent, Outcome};
use crate::db::{self, users::UserRow};

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("email: {0}")]
    InvalidEmail(&'static str),
    #[error("role: {0:?} is not one of finance, operations, supervisor, admin")]
    UnknownRole(String),
    #[error("password: {0}")]
    Password(#[from] PasswordError),
    #[error("a user with e-mail {0} already exists")]
    Exists(String),
    #[error("no user with e-mail {0}")]
    NotFound(String),
    /// Nobody could manage staff any more.
    #[error("{0} is the last active admin: make another admin first")]
    LastAdmin(String),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Lower-cases and checks an e-mail address enough to catch typos; delivery is not our concern.
pub fn normalise_email(email: &str) -> Result<String, UserError> {
    let email = email.trim().to_lowercase();
    // In the language of the request (English for the CLI).
    let locale = crate::language::current();
    let (local, domain) = email.split_once('@').ok_or_else(|| {
        UserError::InvalidEmail(crate::i18n::td_string!(locale, validation.email.needs_at))
    })?;
    if local.is_empty() || domain.is_empty() || !domain.contains('.') || domain.contains('@') {
        return Err(UserError::InvalidEmail(crate::i18n::td_string!(
            locale,
            validation.email.shape
        )));
    }
    if email.chars().count() > 320 || email.chars().any(char::is_whitespace) {
        return Err(UserError::InvalidEmail(crate::i18n::td_string!(
            locale,
            validation.email.too_long
        )));
    }
    Ok(email)
}

pub fn parse_role(role: &str) -> Result<Role, UserError> {
    Role::parse(role.trim()).ok_or_else(|| UserError::UnknownRole(role.to_string()))
}

fn now() -> Timestamp {
    Timestamp::host_now()
}

/// Characters of a one-time password: no 0/O, 1/l/I, so it can be read out or copied by hand.
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A fresh password for a new or reset account, shown once to the admin who made it: four groups
/// of five characters (about 115 bits), e.g. `h7Rk2-…`.
pub fn one_time_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| ONE_TIME_ALPHABET[rng.random_range(0..ONE_TIME_ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Refuses to take away the last active admin (by disabling or demoting it).
async fn keep_an_admin(tx: &mut crate::db::Connection, user: &UserRow) -> Result<(), UserError> {
    let is_active_admin = user.role == Role::Admin.as_str() && user.disabled_at.is_none();
    if is_active_admin && db::users::other_active_admins(tx, user.id).await? == 0 {
        return Err(UserError::LastAdmin(user.email.clone()));
    }
    Ok(())
}

/// Every account, for the staff page.
pub async fn list(
    pool: &db::Pool,
    policy: super::session::SessionPolicy,
) -> Result<Vec<db::users::StaffRow>, UserError> {
    let now = now();
    Ok(db::users::list_staff(pool, now, now.plus_seconds(-policy.max_seconds)).await?)
}

pub async fn enable(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let user = require(&mut tx, &email).await?;
    db::users::set_disabled(&mut tx, user.id, None, now()).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(actor, "user.enabled", json!({"email": email})),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn require(tx: &mut crate::db::Connection, email: &str) -> Result<UserRow, UserError> {
    db::users::find_by_email(&mut *tx, email)
        .await?
        .ok_or_else(|| UserError::NotFound(email.to_string()))
}

fn event(actor: &str, action: &'static str, details: serde_json::Value) -> NewEvent {
    NewEvent {
        actor: actor.to_string(),
        action,
        outcome: Outcome::Success,
        order_ref: None,
        response_code: None,
        details,
    }
}

/// How a password was set: chosen by its owner (or given on the server's command line), or made
/// by an admin in the browser (a one-time password: changed at the first sign-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordOrigin {
    Own,
    OneTime,
}

pub async fn add(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
    role: Role,
    password: &str,
) -> Result<crate::ids::UserId, UserError> {
    add_with(pool, key, actor, email, role, password, PasswordOrigin::Own).await
}

/// [`add`], saying whether the password is the person's own or a one-time one.
pub async fn add_with(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
    role: Role,
    password: &str,
    origin: PasswordOrigin,
) -> Result<crate::ids::UserId, UserError> {
    let email = normalise_email(email)?;
    let hash = password::hash(password)?;
    let mut tx = crate::db::begin_write(pool).await?;
    if db::users::find_by_email(&mut *tx, &email).await?.is_some() {
        return Err(UserError::Exists(email));
    }
    let one_time = origin == PasswordOrigin::OneTime;
    let id = db::users::insert(&mut tx, &email, role.as_str(), &hash, one_time, now()).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(
            actor,
            "user.created",
            json!({"email": email, "role": role.as_str(), "must_choose_own": one_time}),
        ),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn set_role(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
    role: Role,
) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let user = require(&mut tx, &email).await?;
    // Nothing changes: no audit entry, and nobody is signed out.
    if user.role == role.as_str() {
        return Ok(());
    }
    if role != Role::Admin {
        keep_an_admin(&mut tx, &user).await?;
    }
    db::users::set_role(&mut tx, user.id, role.as_str(), now()).await?;
    // Sessions carry no role of their own, but the user must sign in again to see the new one.
    let ended = db::sessions::delete_for_user(&mut *tx, user.id).await?;
    let details =
        json!({"email": email, "from": user.role, "to": role.as_str(), "logins_ended": ended});
    audit::append_in(
        &mut tx,
        key,
        &event(actor, "user.role_changed", details),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn disable(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let user = require(&mut tx, &email).await?;
    keep_an_admin(&mut tx, &user).await?;
    let at = now();
    db::users::set_disabled(&mut tx, user.id, Some(at), at).await?;
    let ended = db::sessions::delete_for_user(&mut *tx, user.id).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(
            actor,
            "user.disabled",
            json!({"email": email, "logins_ended": ended}),
        ),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_password(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
    new_password: &str,
) -> Result<(), UserError> {
    reset_password_with(pool, key, actor, email, new_password, PasswordOrigin::Own).await
}

/// [`reset_password`], saying whether the new password is a one-time one.
pub async fn reset_password_with(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
    new_password: &str,
    origin: PasswordOrigin,
) -> Result<(), UserError> {
    let email = normalise_email(email)?;
    let hash = password::hash(new_password)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let user = require(&mut tx, &email).await?;
    let one_time = origin == PasswordOrigin::OneTime;
    db::users::set_password_hash(&mut tx, user.id, &hash, one_time, now()).await?;
    // Whoever knew the old password may hold a session: it ends with the password.
    let ended = db::sessions::delete_for_user(&mut *tx, user.id).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(
            actor,
            "user.password_reset",
            json!({"email": email, "logins_ended": ended, "must_choose_own": one_time}),
        ),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a person's own password change was refused; each names the field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChangeError {
    #[error("current_password: is not right")]
    WrongCurrent,
    #[error("new_password: {0}")]
    Policy(PasswordError),
    #[error("new_password: must differ from the current one")]
    Unchanged,
    #[error("new_password_again: does not match the new password")]
    Mismatch,
}

/// The checks on a new password that need no stored secret: typed twice the same, the policy,
/// different from the current one.
pub fn check_new_password(current: &str, new: &str, again: &str) -> Result<(), ChangeError> {
    if new != again {
        Err(ChangeError::Mismatch)
    } else if let Err(e) = password::check_policy(new) {
        Err(ChangeError::Policy(e))
    } else if new == current {
        Err(ChangeError::Unchanged)
    } else {
        Ok(())
    }
}

/// A signed-in person sets their own password: the current one is checked first, the new one
/// must meet the policy, differ from it and be typed twice. It stops being a one-time password,
/// and every other session of the account ends (`keep_session`: the hash of the one in use).
pub async fn change_own_password(
    pool: &db::Pool,
    key: &AuditKey,
    user_id: crate::ids::UserId,
    current: &str,
    new: &str,
    again: &str,
    keep_session: &str,
) -> Result<Result<(), ChangeError>, UserError> {
    if let Err(refused) = check_new_password(current, new, again) {
        return Ok(Err(refused));
    }
    let Some(user) = db::users::find_by_id(pool, user_id).await? else {
        return Err(UserError::NotFound(user_id.to_string()));
    };
    // Argon2 on a blocking thread, never on the async workers.
    let (typed, stored) = (current.to_string(), user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify(&typed, &stored))
        .await
        .unwrap_or(false);
    if !ok {
        return Ok(Err(ChangeError::WrongCurrent));
    }
    let typed = new.to_string();
    let hash = tokio::task::spawn_blocking(move || password::hash(&typed))
        .await
        .map_err(|_| UserError::Password(PasswordError::Hashing))??;
    let mut tx = crate::db::begin_write(pool).await?;
    // An admin's reset in between (which also ended this session) wins.
    let still_signed_in = db::sessions::find(&mut *tx, keep_session).await?.is_some();
    if !still_signed_in
        || !db::users::replace_password_hash(&mut tx, user.id, &user.password_hash, &hash, now())
            .await?
    {
        return Ok(Err(ChangeError::WrongCurrent));
    }
    let ended = db::sessions::delete_others_for_user(&mut *tx, user.id, keep_session).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(
            &user.email,
            "user.password_changed",
            json!({"email": user.email, "was_one_time": user.temporary_password_at.is_some(), "other_logins_ended": ended}),
        ),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// A user's open sessions, newest first (what an admin sees; never a token or its hash).
pub async fn sessions(
    pool: &db::Pool,
    email: &str,
    policy: super::session::SessionPolicy,
) -> Result<Vec<db::sessions::SessionRow>, UserError> {
    let email = normalise_email(email)?;
    let mut conn = pool.acquire().await?;
    let user = require(&mut conn, &email).await?;
    let now = now();
    Ok(db::sessions::list_for_user(
        &mut *conn,
        user.id,
        now,
        now.plus_seconds(-policy.max_seconds),
    )
    .await?)
}

/// Ends every session of a user at once; returns how many there were.
pub async fn end_sessions(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    email: &str,
) -> Result<u64, UserError> {
    let email = normalise_email(email)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let user = require(&mut tx, &email).await?;
    let ended = db::sessions::delete_for_user(&mut *tx, user.id).await?;
    audit::append_in(
        &mut tx,
        key,
        &event(
            actor,
            "user.sessions_ended",
            json!({"email": email, "logins_ended": ended}),
        ),
        Timestamp::host_now(),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email("  Finance@Merchant.CO.id ").unwrap(),
            "finance@merchant.co.id"
        );
        for bad in ["finance", "@merchant.id", "a@b", "a b@c.id", "a@b@c.id"] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_time_passwords_pass_the_policy_and_differ() {
        let a = one_time_password();
        assert_eq!(a.len(), 23);
        assert!(password::check_policy(&a).is_ok());
        assert!(
            a.chars()
                .all(|c| c == '-' || ONE_TIME_ALPHABET.contains(&(c as u8)))
        );
        assert_ne!(a, one_time_password());
    }
}
