use leptos::prelude::*;

use super::http_status::HttpStatus;
use crate::error::AppError;
use crate::i18n::*;

/// The panel's heading and explanation for `error`, in `locale`.
fn panel_text(error: &AppError, locale: Locale) -> (String, String) {
    match error {
        AppError::InvalidInput { field, message } => (
            td_string!(locale, errors.panel.invalid_title).to_string(),
            td_string!(
                locale,
                errors.panel.invalid_detail,
                field = crate::error::field_label(field, locale),
                message = message
            )
            .to_string(),
        ),
        AppError::NotFound(what) => (
            td_string!(locale, errors.app.not_found, what = what).to_string(),
            td_string!(locale, errors.panel.not_found_detail).to_string(),
        ),
        AppError::Unauthorized => (
            td_string!(locale, errors.panel.sign_in_title).to_string(),
            td_string!(locale, errors.panel.session_ended).to_string(),
        ),
        AppError::WrongCredentials | AppError::TooManyAttempts { .. } => (
            td_string!(locale, errors.panel.refused_title).to_string(),
            error.message_in(locale),
        ),
        AppError::Forbidden => (
            td_string!(locale, errors.panel.forbidden_title).to_string(),
            td_string!(locale, errors.panel.forbidden_detail).to_string(),
        ),
        AppError::Conflict(message) => (
            td_string!(locale, errors.panel.conflict_title).to_string(),
            message.clone(),
        ),
        AppError::Internal | AppError::Transport(_) => (
            td_string!(locale, errors.panel.failed_title).to_string(),
            error.message_in(locale),
        ),
    }
}

/// Explains an error to staff in plain words, and answers with the matching HTTP status.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.status_code();
    let title = {
        let error = error.clone();
        move || panel_text(&error, i18n.get_locale()).0
    };
    let detail = move || panel_text(&error, i18n.get_locale()).1;
    view! {
        <HttpStatus code />
        <section class="panel notice notice-error" role="alert" data-status=code>
            <h2>{title}</h2>
            <p>{detail}</p>
            <p>
                <a href="/orders" class="button button-secondary">
                    {tu_string!(i18n, errors.panel.show_all_orders)}
                </a>
            </p>
        </section>
    }
}

/// `error` explained as [`ErrorPanel`] does, except a 403: then the page's own words on whom it
/// is for (`heading`, `body`), marked `testid`.
#[component]
pub fn RefusedPanel(
    error: AppError,
    testid: &'static str,
    #[prop(into)] heading: String,
    #[prop(into)] body: String,
) -> impl IntoView {
    match error {
        AppError::Forbidden => view! {
            <HttpStatus code=403 />
            <section class="panel notice notice-error" role="alert" data-testid=testid>
                <h2>{heading}</h2>
                <p>{body}</p>
            </section>
        }
        .into_any(),
        error => view! { <ErrorPanel error /> }.into_any(),
    }
}
