//! Server functions: the only way views reach data. Each is thin: it checks who may call it
//! (from the auth issue on) and hands over to a service.

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod cancel;
pub mod import;
pub mod language;
pub mod nav;
pub mod orders;
pub mod pending;
pub mod refund;
pub mod sandbox;
pub mod users;

#[cfg(feature = "ssr")]
pub(crate) fn app_state() -> Result<crate::state::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::state::AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the server function context");
        crate::error::AppError::Internal
    })
}

/// Answers with the error's own HTTP status (409 for a conflict, 400 naming a field, …) instead
/// of the server-function default of 500; the one place errors meet HTTP.
#[cfg(feature = "ssr")]
pub(crate) fn with_status(error: crate::error::AppError) -> crate::error::AppError {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status_code())
    {
        response.set_status(status);
        if let crate::error::AppError::TooManyAttempts {
            retry_after_seconds,
        } = &error
        {
            response.insert_header(http::header::RETRY_AFTER, (*retry_after_seconds).into());
        }
    }
    error
}

/// Answers 202 Accepted: the request is recorded and waits (for a second person's approval).
#[cfg(feature = "ssr")]
pub(crate) fn accepted() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::ACCEPTED);
    }
}

/// Settlings by hand of `kind` waiting for a second person, in words ("… waits for approval,
/// asked by …"), by the id of the cancel or refund they settle.
#[cfg(feature = "ssr")]
pub(crate) async fn waiting_settlings(
    app: &crate::state::AppState,
    kind: crate::approval::model::ApprovalKind,
    now: crate::time::Timestamp,
    locale: crate::i18n::Locale,
) -> Result<std::collections::HashMap<i64, String>, crate::error::AppError> {
    let mut conn = app.pool.acquire().await?;
    Ok(crate::db::approvals::waiting(&mut conn, 1_000)
        .await?
        .into_iter()
        .filter(|a| a.kind == kind.as_str() && a.expires_at > now)
        .filter_map(|a| {
            let what = crate::approval::model::resolution_label(
                a.resolution.as_deref().unwrap_or_default(),
                locale,
            );
            let line = crate::i18n::td_string!(
                locale,
                errors.notice.settling_waits,
                what = &what,
                who = &a.requested_by
            )
            .to_string();
            a.target_id.map(|id| (id, line))
        })
        .collect())
}

/// When the next automatic attempt is due, in `locale` ("… (due now)", "… (in 5 min)").
#[cfg(feature = "ssr")]
pub(crate) fn next_attempt_in(
    locale: crate::i18n::Locale,
    at: crate::time::Timestamp,
    now: crate::time::Timestamp,
) -> String {
    let wait = at.seconds_since(now);
    let when = crate::time::display_wib(at);
    if wait <= 0 {
        crate::i18n::td_string!(locale, errors.next_attempt.due_now, when = &when).to_string()
    } else {
        crate::i18n::td_string!(
            locale,
            errors.next_attempt.in_time,
            when = &when,
            wait = crate::time::display_duration(wait, locale)
        )
        .to_string()
    }
}

/// The client's address as the guard resolved it (peer, or trusted proxies' hop).
#[cfg(feature = "ssr")]
pub(crate) fn client_addr() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| {
            p.extensions
                .get::<crate::web::client_addr::ClientAddr>()
                .map(ToString::to_string)
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The signed-in user, if their role has `permission`. A refusal answers 403 and is audited.
#[cfg(feature = "ssr")]
pub(crate) async fn require(
    permission: crate::auth::role::Permission,
) -> Result<(crate::state::AppState, crate::auth::CurrentUser), crate::error::AppError> {
    use crate::error::AppError;
    use leptos::prelude::use_context;
    let state = app_state()?;
    let parts = use_context::<http::request::Parts>();
    let user = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<crate::auth::CurrentUser>().cloned())
        .ok_or(AppError::Unauthorized)?;
    // The guard already refuses such sessions; this keeps every call safe without it.
    if user.must_change_password {
        return Err(AppError::Forbidden);
    }
    if user.role.can(permission) {
        return Ok((state, user));
    }
    let path = parts.map(|p| p.uri.path().to_string()).unwrap_or_default();
    crate::auth::guard::audit_forbidden(&state, &user, permission, &path).await;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    Err(AppError::Forbidden)
}
