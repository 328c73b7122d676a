//! Display preferences the browser asks the server to keep (anyone may, signed in or not: the
//! sign-in page has the switch too).

use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/api", endpoint = "prefs/theme")]
pub async fn set_theme(theme: String) -> Result<(), AppError> {
    use crate::prefs::Theme;
    let state = super::app_state()?;
    let theme = Theme::parse(&theme).ok_or_else(|| {
        super::with_status(AppError::invalid(
            "theme",
            "Theme must be auto, light or dark.",
        ))
    })?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = http::HeaderValue::from_str(&theme.cookie(state.secure_cookies)) {
        response.append_header(http::header::SET_COOKIE, value);
    }
    Ok(())
}
