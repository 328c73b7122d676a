//! Bearer tokens for the order intake API: 256 random bits, shown once, stored as their
//! SHA-256, scoped to order intake, revocable. Creating, revoking and every use are audited.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::audit::key::AuditKey;
use crate::audit::{NewEvent, Outcome};
use crate::db::{self, Pool};
use crate::time::Timestamp;

/// The only scope so far: posting orders to `/api/v1/orders`.
pub const ORDERS_WRITE: &str = "orders:write";
/// Tokens start with this, so a leaked one is recognisable in a secret scanner.
pub const PREFIX: &str = "cdt_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token name is 1 to 64 letters, digits, '-', '_' or '.'")]
    BadName,
    #[error("a token named {0:?} already exists (revoked tokens keep their name)")]
    NameTaken(String),
    #[error("no active token is named {0:?}")]
    NotFound(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

/// A token that authenticated a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
}

impl ApiToken {
    /// The audit trail's actor for this token's requests.
    pub fn actor(&self) -> String {
        format!("token:{}", self.name)
    }
}

/// Why a request's token was refused (all answered 401, alike, to the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("no bearer token")]
    Missing,
    #[error("unknown token")]
    Unknown,
    #[error("token {0:?} is revoked")]
    Revoked(String),
    #[error("token {0:?} may not post orders")]
    WrongScope(String),
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(TokenError::BadName) }
}

/// Creates a token for order intake; returns it (the only time it exists outside the caller).
pub async fn create(
    pool: &Pool,
    key: &AuditKey,
    actor: &str,
    name: &str,
    now: Timestamp,
) -> Result<String, TokenError> {
    check_name(name)?;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let token = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let mut tx = db::begin_write(pool).await?;
    if !db::tokens::insert(&mut tx, name, &digest(&token), ORDERS_WRITE, actor, now).await? {
        return Err(TokenError::NameTaken(name.to_string()));
    }
    let event = NewEvent {
        actor: actor.to_string(),
        action: "token.created",
        outcome: Outcome::Success,
        order_ref: None,
        response_code: None,
        details: serde_json::json!({ "name": name, "scope": ORDERS_WRITE }),
    };
    crate::audit::append_in(&mut tx, key, &event, now).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn revoke(
    pool: &Pool,
    key: &AuditKey,
    actor: &str,
    name: &str,
    now: Timestamp,
) -> Result<(), TokenError> {
    let mut tx = db::begin_write(pool).await?;
    if !db::tokens::revoke(&mut tx, name, now).await? {
        return Err(TokenError::NotFound(name.to_string()));
    }
    let event = NewEvent {
        actor: actor.to_string(),
        action: "token.revoked",
        outcome: Outcome::Success,
        order_ref: None,
        response_code: None,
        details: serde_json::json!({ "name": name }),
    };
    crate::audit::append_in(&mut tx, key, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The token an `Authorization: Bearer …` header carries, if it is active and may post orders.
pub async fn authenticate(
    pool: &Pool,
    authorization: Option<&str>,
) -> Result<Result<ApiToken, TokenRefusal>, sqlx::Error> {
    let Some(token) = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(Err(TokenRefusal::Missing));
    };
    let Some(row) = db::tokens::find_by_hash(pool, &digest(token)).await? else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if row.revoked_at.is_some() {
        return Ok(Err(TokenRefusal::Revoked(row.name)));
    }
    if row.scope != ORDERS_WRITE {
        return Ok(Err(TokenRefusal::WrongScope(row.name)));
    }
    Ok(Ok(ApiToken {
        id: row.id,
        name: row.name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_tokens_hash_to_64_hex() {
        assert!(check_name("shop-orders.2026_v1").is_ok());
        for bad in ["", "with space", "ü", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(digest("cdt_x").len(), 64);
        assert_ne!(digest("cdt_x"), digest("cdt_y"));
    }
}
