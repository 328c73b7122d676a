//! Signing in and out: throttled per account and per address, audited either way. Failure
//! messages never say whether the account exists.

use std::time::Duration;

use serde_json::json;

use super::session::{self, Throttle};
use super::{password, users};
use crate::audit::{self, NewEvent, Outcome};
use crate::db;

/// An Argon2id hash of nothing in particular: checked against when the account does not exist,
/// so a wrong e-mail costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$HLgJ8b5HnvcMXFqCrXB8XLyPBJYqa5UOmN/I8Hz0zvg";

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the e-mail or password is not right")]
    WrongCredentials,
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Locked { minutes: i64 },
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

async fn record(
    pool: &db::Pool,
    actor: &str,
    action: &'static str,
    outcome: Outcome,
    details: serde_json::Value,
) -> Result<(), SignInError> {
    audit::append(
        pool,
        &NewEvent {
            actor: actor.to_string(),
            action,
            outcome,
            order_ref: None,
            response_code: None,
            details,
        },
    )
    .await?;
    Ok(())
}

/// Checks the credentials and starts a session; returns the session token for the cookie.
pub async fn sign_in(
    pool: &db::Pool,
    email: &str,
    password_text: &str,
    address: &str,
    idle_seconds: i64,
) -> Result<String, SignInError> {
    let email = users::normalise_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let actor = if email.is_empty() {
        "anonymous".to_string()
    } else {
        email.chars().take(320).collect()
    };
    let keys = [format!("email:{email}"), format!("ip:{address}")];
    let now = crate::time::now_epoch();
    match session::throttle(pool, &keys, now).await? {
        Throttle::Locked(until) => {
            record(
                pool,
                &actor,
                "login.failed",
                Outcome::Failure,
                json!({"address": address, "why": "locked"}),
            )
            .await?;
            return Err(SignInError::Locked {
                minutes: ((until - now) + 59) / 60,
            });
        }
        Throttle::Slow(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        Throttle::Open => {}
    }
    let user = db::users::find_by_email(pool, &email).await?;
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let password_ok = password::verify(password_text, hash);
    let user = match user {
        Some(u) if password_ok && u.disabled_at.is_none() => u,
        other => {
            let why = match other {
                None => "unknown account",
                Some(u) if u.disabled_at.is_some() => "account disabled",
                Some(_) => "wrong password",
            };
            session::record_failure(pool, &keys, now).await?;
            record(
                pool,
                &actor,
                "login.failed",
                Outcome::Failure,
                json!({"address": address, "why": why}),
            )
            .await?;
            return Err(SignInError::WrongCredentials);
        }
    };
    session::clear_failures(pool, &keys[0]).await?;
    let token = session::create(pool, user.id, idle_seconds, now).await?;
    record(
        pool,
        &user.email,
        "login.succeeded",
        Outcome::Success,
        json!({"address": address, "role": user.role}),
    )
    .await?;
    Ok(token)
}

pub async fn sign_out(pool: &db::Pool, email: &str, token: &str) -> Result<(), SignInError> {
    session::destroy(pool, token).await?;
    record(pool, email, "logout", Outcome::Success, json!({})).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(argon2::password_hash::PasswordHash::new(super::DUMMY_HASH).is_ok());
        assert!(!super::password::verify(
            "anything at all",
            super::DUMMY_HASH
        ));
    }
}
