//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::error::AppError;

/// Where to go after signing in: only a path on this site. Anything a browser could read as
/// another site (`//host`, `/\\host`, tabs or newlines that browsers strip, `/%09/host` after
/// decoding) or anything not plain ASCII falls back to the orders page.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/orders";
    let Some(next) = next else {
        return HOME.to_string();
    };
    let decoded: String =
        form_urlencoded::parse(format!("x={}", next.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
    let ok = next.len() <= 2048
        && next.starts_with('/')
        && plain(next)
        && plain(&decoded)
        && !next.starts_with("//")
        && !decoded.starts_with("//")
        && !next.contains('\\')
        && !decoded.contains('\\');
    if ok {
        next.to_string()
    } else {
        HOME.to_string()
    }
}

/// Answers the language saved on the account, if any, for the page to switch to (the cookie it
/// also sets reaches the server's pages, not the page already open).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Option<String>, AppError> {
    use crate::auth::login::{SignInError, SignInRequest, sign_in};
    let state = super::app_state()?;
    let address = super::client_addr();
    let previous = use_context::<http::request::Parts>()
        .and_then(|p| crate::auth::session::token_from_headers(&p.headers, state.secure_cookies));
    match sign_in(
        &state.pool,
        &state.audit_key,
        SignInRequest {
            email: &email,
            password: &password,
            address: &address,
            previous_token: previous.as_deref(),
            now: state.clock.now(&state.pool).await?,
        },
        state.session_policy(),
    )
    .await
    {
        Ok(token) => {
            // The browser keeps the cookie for the session's whole lifetime; the server ends it
            // sooner when idle (the cookie is never re-sent, so it cannot carry the idle time).
            let cookie = crate::auth::session::cookie(
                &token,
                state.session_max_seconds,
                state.secure_cookies,
            );
            if let (Some(response), Ok(value)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                cookie.parse(),
            ) {
                response.append_header(http::header::SET_COOKIE, value);
            }
            // A one-time password an admin made: the person chooses their own first.
            let account = match crate::auth::users::normalise_email(&email) {
                Ok(email) => crate::db::users::find_by_email(&state.pool, &email).await?,
                Err(_) => None,
            };
            let one_time = account
                .as_ref()
                .is_some_and(|u| u.temporary_password_at.is_some());
            // The language the person chose on any device comes back with them.
            let language = match &account {
                Some(account) => crate::db::users::language(&state.pool, account.id)
                    .await?
                    .as_deref()
                    .and_then(crate::language::parse),
                None => None,
            };
            if let Some(locale) = language
                && let (Some(response), Ok(value)) = (
                    use_context::<leptos_axum::ResponseOptions>(),
                    crate::language::cookie(locale, state.secure_cookies).parse(),
                )
            {
                response.append_header(http::header::SET_COOKIE, value);
            }
            let next = safe_next(next.as_deref());
            if one_time {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                leptos_axum::redirect(&format!(
                    "{}?next={next}",
                    crate::auth::guard::PASSWORD_PAGE
                ));
            } else {
                leptos_axum::redirect(&next);
            }
            Ok(language.map(|l| crate::language::code(l).to_string()))
        }
        Err(SignInError::WrongCredentials) => Err(super::with_status(AppError::WrongCredentials)),
        Err(SignInError::Locked {
            retry_after_seconds,
        }) => Err(super::with_status(AppError::TooManyAttempts {
            retry_after_seconds,
        })),
        Err(err) => {
            tracing::error!(%err, "sign-in failed");
            Err(super::with_status(AppError::Internal))
        }
    }
}

#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = super::app_state()?;
    let parts = use_context::<http::request::Parts>();
    let user = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<crate::auth::CurrentUser>().cloned());
    let token = parts
        .as_ref()
        .and_then(|p| crate::auth::session::token_from_headers(&p.headers, state.secure_cookies));
    if let (Some(user), Some(token)) = (user, token) {
        crate::auth::login::sign_out(
            &state.pool,
            &state.audit_key,
            &user.email,
            &token,
            &super::client_addr(),
        )
        .await
        .map_err(|err| {
            tracing::error!(%err, "sign-out failed");
            super::with_status(AppError::Internal)
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

/// A signed-in person chooses their own password (required after signing in with a one-time
/// password an admin made): the current one, then the new one twice. Other sessions of the
/// account end; this one goes on, to `next`.
#[server(prefix = "/api", endpoint = "auth/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_again: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::users::ChangeError;
    let state = super::app_state()?;
    let parts = use_context::<http::request::Parts>();
    let user = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<crate::auth::CurrentUser>().cloned())
        .ok_or_else(|| super::with_status(AppError::Unauthorized))?;
    let token = parts
        .as_ref()
        .and_then(|p| crate::auth::session::token_from_headers(&p.headers, state.secure_cookies))
        .ok_or_else(|| super::with_status(AppError::Unauthorized))?;
    // Checking the current password is a guess like a sign-in: the same throttle counts it.
    let changed = match crate::auth::users::check_new_password(
        &current_password,
        &new_password,
        &new_password_again,
    ) {
        Err(refused) => Err(refused),
        Ok(()) => {
            use crate::auth::throttle::{self, Admission};
            let keys = throttle::keys_for(&user.email, &super::client_addr());
            let now = state.clock.now(&state.pool).await?;
            match throttle::admit(&state.pool, &keys, now).await? {
                Admission::Locked { until, .. } => {
                    return Err(super::with_status(AppError::TooManyAttempts {
                        retry_after_seconds: until.seconds_since(now).max(1) as u64,
                    }));
                }
                Admission::Slow(seconds) => {
                    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await
                }
                Admission::Open => {}
            }
            let changed = crate::auth::users::change_own_password(
                &state.pool,
                &state.audit_key,
                user.id,
                &current_password,
                &new_password,
                &new_password_again,
                &crate::auth::session::token_hash(&token),
            )
            .await
            .map_err(|e| super::with_status(e.into()))?;
            match &changed {
                Ok(()) => throttle::succeeded(&state.pool, &keys).await?,
                Err(_) => {
                    throttle::failed(&state.pool, &keys, now).await?;
                }
            }
            changed
        }
    };
    match changed {
        Ok(()) => {
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        Err(err) => {
            let locale = crate::language::current();
            let (field, message) = match &err {
                ChangeError::WrongCurrent => (
                    "current_password",
                    crate::i18n::td_string!(locale, errors.invalid.current_password_wrong)
                        .to_string(),
                ),
                ChangeError::Policy(e) => ("new_password", e.to_string()),
                ChangeError::Unchanged => (
                    "new_password",
                    crate::i18n::td_string!(locale, errors.invalid.password_unchanged).to_string(),
                ),
                ChangeError::Mismatch => (
                    "new_password_again",
                    crate::i18n::td_string!(locale, errors.invalid.password_mismatch).to_string(),
                ),
            };
            Err(super::with_status(AppError::invalid(field, message)))
        }
    }
}
