//! Server-side sessions in the database and the signed-in user of a request. The cookie holds a
//! random token; the table holds only its SHA-256.

use crate::time::Timestamp;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::CurrentUser;
use super::role::Role;
use crate::db::{Pool, sessions};

/// The cookie's name. Over TLS it carries the `__Host-` prefix, so browsers only accept it when
/// Secure, for this exact host and path `/`: a sibling subdomain cannot plant or shadow it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-cd_session"
    } else {
        "cd_session"
    }
}

pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long sessions live: `idle_seconds` without a request, `max_seconds` after sign-in at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub max_seconds: i64,
}

/// Starts a session; returns the token for the cookie (never stored or logged).
pub async fn create(
    pool: &Pool,
    user_id: crate::ids::UserId,
    policy: SessionPolicy,
    now: Timestamp,
    client_addr: &str,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires_at = now
        .plus_seconds(policy.idle_seconds)
        .min(now.plus_seconds(policy.max_seconds));
    sessions::insert(
        pool,
        &token_hash(&token),
        user_id,
        now,
        expires_at,
        client_addr,
    )
    .await?;
    Ok(token)
}

/// The user of a live session. With `touch` (a request a person made) the idle expiry moves on,
/// never past the absolute one; background polling passes `false` so it keeps nobody signed in.
/// Expired sessions, and those of disabled accounts, are removed.
pub async fn lookup(
    pool: &Pool,
    token: &str,
    policy: SessionPolicy,
    now: Timestamp,
    touch: bool,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    let hash = token_hash(token);
    let Some(row) = sessions::find(pool, &hash).await? else {
        return Ok(None);
    };
    let role = Role::parse(&row.role);
    let absolute_end = row.created_at.plus_seconds(policy.max_seconds);
    if row.expires_at <= now || absolute_end <= now || row.disabled_at.is_some() || role.is_none() {
        sessions::delete(pool, &hash).await?;
        return Ok(None);
    }
    // One write a minute at most per session keeps reads cheap.
    if touch && now.seconds_since(row.last_seen_at) >= 60 {
        let expires_at = now.plus_seconds(policy.idle_seconds).min(absolute_end);
        sessions::touch(pool, &hash, now, expires_at).await?;
    }
    Ok(role.map(|role| CurrentUser {
        id: row.user_id,
        email: row.email,
        role,
        must_change_password: row.temporary_password_at.is_some(),
    }))
}

pub async fn destroy(pool: &Pool, token: &str) -> Result<(), sqlx::Error> {
    sessions::delete(pool, &token_hash(token)).await
}

/// The cookie that carries a session (`max_age` 0 clears it).
pub fn cookie(token: &str, max_age: i64, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The session token in a Cookie header, if any.
pub fn token_from_cookie_header<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .map(str::trim)
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .filter(|t| !t.is_empty())
}

/// The session token in a request's Cookie headers, if any.
pub fn token_from_headers(headers: &http::HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| token_from_cookie_header(h, name))
        .map(str::to_string)
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
        assert_eq!(
            cookie("abc", 1800, true),
            "__Host-cd_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800; Secure"
        );
        assert_eq!(
            token_from_cookie_header("a=1; cd_session=tok; b=2", "cd_session"),
            Some("tok")
        );
        assert_eq!(
            token_from_cookie_header("cd_session_x=1", "cd_session"),
            None
        );
        assert_eq!(token_from_cookie_header("cd_session=", "cd_session"), None);
        // Over TLS only the prefixed cookie counts: a plain one may have been planted.
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, "cd_session=planted".parse().unwrap());
        assert_eq!(token_from_headers(&h, true), None);
        assert_eq!(token_from_headers(&h, false).as_deref(), Some("planted"));
    }
}
