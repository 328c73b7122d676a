//! The HTTP guard in front of every page and server function:
//! - CSRF: a state-changing request must come from our own origin (Origin, else Referer),
//!   on top of the SameSite=Strict session cookie;
//! - the session: a valid cookie puts the [`CurrentUser`] into the request;
//! - pages need a session: without one, a page load goes to the sign-in page and a call gets 401.
//!   What each role may do is checked again inside every server function.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::session;
use crate::state::AppState;

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Whether a state-changing request comes from a page of this server.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(host_of);
    from.is_some_and(|from| from.eq_ignore_ascii_case(host))
}

fn is_public(path: &str) -> bool {
    path == "/login"
        || path.starts_with("/api/auth/")
        // The page frame: who is signed in (nobody, here) and the sandbox banner.
        || path.starts_with("/api/nav/")
        || path.starts_with("/pkg/")
        || matches!(path, "/favicon.ico" | "/favicon.svg")
        // Probes and Prometheus: no session; /metrics has its own bearer token.
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Where a person signed in with a one-time password chooses their own.
pub const PASSWORD_PAGE: &str = "/account/password";

/// What a session with a one-time password may reach: the password page and its call, signing
/// out, the page frame and its assets.
fn allowed_before_password_change(path: &str) -> bool {
    path == PASSWORD_PAGE || is_public(path)
}

/// Calls a page makes by itself on a timer (the queue refresh, the navigation count): they
/// read with the session but never extend it, so an open tab keeps nobody signed in.
pub const BACKGROUND_PATHS: &[&str] = &[
    "/api/pending/poll",
    "/api/pending/region-poll",
    "/api/nav/summary-poll",
];

/// The signed-in user of a session token, read against the app's clock.
async fn lookup(
    state: &AppState,
    token: &str,
    touch: bool,
) -> Result<Option<super::CurrentUser>, sqlx::Error> {
    let now = state.clock.now(&state.pool).await?;
    session::lookup(&state.pool, token, state.session_policy(), now, touch).await
}

pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // The client's address for throttling and the audit trail (peer, or trusted proxies' hop).
    if let Some(peer) = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0)
    {
        let client =
            crate::web::client_addr::resolve(peer, request.headers(), &state.trusted_proxies);
        request.extensions_mut().insert(client);
    }
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state && !same_origin(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "Refused: this request did not come from Cancel Desk's own pages.",
        )
            .into_response();
    }
    let token = session::token_from_headers(request.headers(), state.secure_cookies);
    let touch = !BACKGROUND_PATHS.contains(&request.uri().path());
    let user = match token {
        None => None,
        Some(token) => match lookup(&state, &token, touch).await {
            Ok(user) => user,
            Err(err) => {
                tracing::error!(%err, "session lookup failed");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong; please try again.",
                )
                    .into_response();
            }
        },
    };
    let path = request.uri().path().to_string();
    match user {
        // A one-time password is for choosing one's own: until then nothing else is served.
        Some(user) if user.must_change_password && !allowed_before_password_change(&path) => {
            if matches!(*request.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/")
            {
                // Where they were going, for after the new password.
                return Redirect::to(&with_next(PASSWORD_PAGE, &request)).into_response();
            }
            return (
                StatusCode::FORBIDDEN,
                "Choose your own password first (on /account/password).",
            )
                .into_response();
        }
        Some(user) => {
            request.extensions_mut().insert(user);
        }
        None if is_public(&path) => {}
        None if request.method() == Method::GET && !path.starts_with("/api/") => {
            return Redirect::to(&with_next("/login", &request)).into_response();
        }
        None => return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response(),
    }
    next.run(request).await
}

/// `page` with the address `request` asked for as its `next`, to go on to afterwards.
fn with_next(page: &str, request: &Request) -> String {
    let wanted = request
        .uri()
        .path_and_query()
        .map_or("/orders", |p| p.as_str());
    let next: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
    format!("{page}?next={next}")
}

/// Records that `user` asked for something their role does not allow (`access.forbidden`).
/// A failure to record is logged: the refusal stands either way.
pub async fn audit_forbidden(
    state: &AppState,
    user: &super::CurrentUser,
    permission: super::role::Permission,
    path: &str,
) {
    let event = crate::audit::NewEvent {
        actor: user.email.clone(),
        action: "access.forbidden",
        outcome: crate::audit::Outcome::Forbidden,
        order_ref: None,
        response_code: None,
        details: serde_json::json!({"permission": format!("{permission:?}"), "role": user.role.as_str(), "path": path}),
    };
    if let Err(err) = crate::audit::append(&state.pool, &state.audit_key, &event).await {
        tracing::error!(%err, "could not audit a forbidden request");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_checks() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "desk.test"),
            ("referer", "https://desk.test/orders?q=1")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.test"),
            ("origin", "https://evil.test")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.test"),
            ("origin", "https://desk.test.evil.test")
        ])));
        assert!(!same_origin(&headers(&[("host", "desk.test")])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.test"),
            ("origin", "null")
        ])));
    }
}
