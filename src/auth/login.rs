//! Signing in and out: throttled per account and per address (`throttle.rs`), audited either
//! way. Failure messages never say whether the account exists.

use crate::time::Timestamp;
use std::time::Duration;

use serde_json::json;

use super::session::{self, SessionPolicy};
use super::throttle::{self, Admission};
use super::{password, users};
use crate::audit::key::AuditKey;
use crate::audit::{self, NewEvent, Outcome};
use crate::db;

/// An Argon2id hash of nothing in particular: checked against when the account does not exist,
/// so a wrong e-mail costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$HLgJ8b5HnvcMXFqCrXB8XLyPBJYqa5UOmN/I8Hz0zvg";

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the e-mail or password is not right")]
    WrongCredentials,
    #[error("too many failed sign-ins; try again in {} minutes", retry_after_seconds.div_ceil(60))]
    Locked { retry_after_seconds: u64 },
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password check: {0}")]
    Blocking(#[from] tokio::task::JoinError),
}

/// Who is signing in, from where, and the session the browser already carried (ended on sign-in).
pub struct SignInRequest<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub address: &'a str,
    pub previous_token: Option<&'a str>,
    /// Now, in Unix seconds, from the app's clock (throttle windows and the session start).
    pub now: Timestamp,
}

async fn record(
    pool: &db::Pool,
    key: &AuditKey,
    actor: &str,
    action: &'static str,
    outcome: Outcome,
    details: serde_json::Value,
) -> Result<(), SignInError> {
    audit::append(
        pool,
        key,
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
    key: &AuditKey,
    request: SignInRequest<'_>,
    policy: SessionPolicy,
) -> Result<String, SignInError> {
    let address = request.address;
    let email = users::normalise_email(request.email)
        .unwrap_or_else(|_| request.email.trim().to_lowercase());
    let email: String = email.chars().take(320).collect();
    let actor = if email.is_empty() {
        "anonymous".to_string()
    } else {
        email.clone()
    };
    // Signing in ends whatever session this browser had, whoever's it was.
    if let Some(previous) = request.previous_token {
        session::destroy(pool, previous).await?;
    }
    let keys = throttle::keys_for(&email, address);
    let now = request.now;
    match throttle::admit(pool, &keys, now).await? {
        Admission::Locked { until, first } => {
            // The first refusal of a lock is recorded; the rest are counted in the throttle row,
            // so a locked-out guesser cannot grow the trail.
            if first {
                record(
                    pool,
                    key,
                    &actor,
                    "login.failed",
                    Outcome::Failure,
                    json!({"address": address, "why": "locked", "until": until}),
                )
                .await?;
            }
            return Err(SignInError::Locked {
                retry_after_seconds: until.seconds_since(now).max(1) as u64,
            });
        }
        Admission::Slow(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        Admission::Open => {}
    }
    let user = db::users::find_by_email(pool, &email).await?;
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.to_string(), |u| u.password_hash.clone());
    let typed = request.password.to_string();
    // Argon2id takes tens of milliseconds of CPU: off the async workers.
    let password_ok = tokio::task::spawn_blocking(move || password::verify(&typed, &hash)).await?;
    let user = match user {
        Some(u) if password_ok && u.disabled_at.is_none() => u,
        other => {
            let why = match other {
                None => "unknown account",
                Some(u) if u.disabled_at.is_some() => "account disabled",
                Some(_) => "wrong password",
            };
            let locked = throttle::failed(pool, &keys, now).await?;
            record(
                pool,
                key,
                &actor,
                "login.failed",
                Outcome::Failure,
                json!({"address": address, "why": why, "locked": locked.is_some()}),
            )
            .await?;
            return Err(SignInError::WrongCredentials);
        }
    };
    throttle::succeeded(pool, &keys).await?;
    let token = session::create(pool, user.id, policy, now, address).await?;
    db::users::record_sign_in(pool, user.id, now).await?;
    record(
        pool,
        key,
        &user.email,
        "login.succeeded",
        Outcome::Success,
        json!({"address": address, "role": user.role}),
    )
    .await?;
    Ok(token)
}

pub async fn sign_out(
    pool: &db::Pool,
    key: &AuditKey,
    email: &str,
    token: &str,
    address: &str,
) -> Result<(), SignInError> {
    session::destroy(pool, token).await?;
    record(
        pool,
        key,
        email,
        "logout",
        Outcome::Success,
        json!({"address": address}),
    )
    .await
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
