//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::auth::CurrentUser;
use crate::error::AppError;

/// Only same-site paths may be returned to after signing in.
#[cfg(feature = "ssr")]
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/orders".to_string())
}

#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth::login::{SignInError, sign_in};
    let state = super::app_state()?;
    let address = use_context::<http::request::Parts>()
        .and_then(|p| {
            p.extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    match sign_in(
        &state.pool,
        &email,
        &password,
        &address,
        state.session_idle_seconds,
    )
    .await
    {
        Ok(token) => {
            let cookie = crate::auth::session::cookie(
                &token,
                state.session_idle_seconds,
                state.secure_cookies,
            );
            if let (Some(response), Ok(value)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                cookie.parse(),
            ) {
                response.append_header(http::header::SET_COOKIE, value);
            }
            leptos_axum::redirect(&safe_next(next));
            Ok(())
        }
        Err(SignInError::WrongCredentials) => Err(AppError::invalid(
            "password",
            "the e-mail or password is not right",
        )),
        Err(err @ SignInError::Locked { .. }) => Err(AppError::Conflict(err.to_string())),
        Err(err) => {
            tracing::error!(%err, "sign-in failed");
            Err(AppError::Internal)
        }
    }
}

#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = super::app_state()?;
    let parts = use_context::<http::request::Parts>();
    let user = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<CurrentUser>().cloned());
    let token = parts
        .as_ref()
        .and_then(|p| crate::auth::session::token_from_headers(&p.headers));
    if let (Some(user), Some(token)) = (user, token) {
        crate::auth::login::sign_out(&state.pool, &user.email, &token)
            .await
            .map_err(|err| {
                tracing::error!(%err, "sign-out failed");
                AppError::Internal
            })?;
    }
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        crate::auth::session::cookie("", 0, state.secure_cookies).parse(),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, if any.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    Ok(use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<CurrentUser>().cloned()))
}
