//! The language switch: a signed-in person's choice is saved on their account, so it follows
//! them to every device they sign in on.

use leptos::prelude::*;

use crate::error::AppError;

/// Saves `language` (`en` or `id`) for the signed-in person and keeps it in this browser's
/// cookie.
#[server(prefix = "/api", endpoint = "language")]
pub async fn save_language(language: String) -> Result<(), AppError> {
    let locale = crate::language::parse(&language).ok_or_else(|| {
        super::with_status(AppError::invalid(
            "language",
            crate::i18n::td_string!(crate::language::current(), errors.invalid.language),
        ))
    })?;
    let state = super::app_state()?;
    let user = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::auth::CurrentUser>().cloned())
        .ok_or_else(|| super::with_status(AppError::Unauthorized))?;
    crate::db::users::set_language(&state.pool, user.id, crate::language::code(locale)).await?;
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        crate::language::cookie(locale, state.secure_cookies).parse(),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
    Ok(())
}
