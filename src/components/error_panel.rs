use leptos::prelude::*;

use super::http_status::HttpStatus;
use crate::error::AppError;

/// Explains an error to staff in plain words, and answers with the matching HTTP status.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let code = error.status_code();
    let (title, detail) = match &error {
        AppError::InvalidInput { field, message } => (
            "This page was asked for something it cannot show".to_string(),
            format!("The \u{201c}{field}\u{201d} value is not valid: {message}."),
        ),
        AppError::NotFound(what) => (
            format!("{what} was not found"),
            "Check the reference and try again.".to_string(),
        ),
        AppError::Unauthorized => (
            "Please sign in".to_string(),
            "Your session has ended.".to_string(),
        ),
        AppError::WrongCredentials | AppError::TooManyAttempts { .. } => {
            ("Sign-in refused".to_string(), error.to_string())
        }
        AppError::Forbidden => (
            "Not allowed".to_string(),
            "Your role does not allow this.".to_string(),
        ),
        AppError::Conflict(message) => ("Not possible right now".to_string(), message.clone()),
        AppError::Internal | AppError::Transport(_) => {
            ("Something went wrong".to_string(), error.to_string())
        }
    };
    view! {
        <HttpStatus code />
        <section class="panel notice notice-error" role="alert" data-status=code>
            <h2>{title}</h2>
            <p>{detail}</p>
            <p>
                <a href="/orders" class="button button-secondary">
                    "Show all orders"
                </a>
            </p>
        </section>
    }
}
