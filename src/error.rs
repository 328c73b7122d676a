//! The one error type that crosses the server-function boundary. Server-side errors (database,
//! I/O) are converted into it once, at the edge, and logged there; the browser only ever sees a
//! message fit for staff and, for bad input, the name of the field.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request carried a value we cannot use; `field` names it as the user typed it.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("{0} was not found")]
    NotFound(String),
    #[error("please sign in")]
    Unauthorized,
    /// Sign-in refused: one message whether the account exists or not.
    #[error("the e-mail or password is not right")]
    WrongCredentials,
    /// Too many attempts; try again after this many seconds (sent as `Retry-After`).
    #[error("too many failed sign-ins; try again in {} minutes", retry_after_seconds.div_ceil(60))]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error("your role does not allow this")]
    Forbidden,
    /// The request is valid but the thing cannot be done now (e.g. the order is already cancelling).
    #[error("{0}")]
    Conflict(String),
    /// Something failed on the server; the details are in the server log, never in the browser.
    #[error("something went wrong on the server; please try again")]
    Internal,
    /// The call itself failed (network, encoding).
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::InvalidInput {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The HTTP status a page showing this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::InvalidInput { .. } => 400,
            AppError::NotFound(_) => 404,
            AppError::Unauthorized | AppError::WrongCredentials => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Forbidden => 403,
            AppError::Conflict(_) => 409,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The call's arguments did not parse: bad input (400), naming the field when the
            // decoder did (`missing field \`password\``).
            // (JSON-encoded arguments fail as `Deserialization` on the server.)
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                let field = message
                    .split('`')
                    .nth(1)
                    .filter(|f| !f.is_empty() && f.len() <= 64)
                    .unwrap_or("request");
                AppError::invalid(field, message.clone())
            }
            ServerFnErrorErr::MissingArg(name) => AppError::invalid(&name, "is required"),
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// The one mapping of the cancel service's errors to what staff see (and, through
/// [`AppError::status_code`], the HTTP status): every server function uses it with `?`.
#[cfg(feature = "ssr")]
impl From<crate::cancel::service::CancelError> for AppError {
    fn from(err: crate::cancel::service::CancelError) -> Self {
        use crate::cancel::service::CancelError;
        match err {
            CancelError::InvalidReason(message) => AppError::invalid("reason", message),
            CancelError::InvalidInput { field, message } => AppError::invalid(field, message),
            CancelError::InvalidRequest(err) => AppError::invalid(&err.field, err.problem),
            CancelError::OrderNotFound(reference) => {
                AppError::NotFound(format!("Order {reference}"))
            }
            CancelError::NotCancellable { status, .. } => {
                let label = crate::orders::model::OrderStatus::parse(&status)
                    .map_or(status.clone(), |s| s.label().to_lowercase());
                AppError::Conflict(format!(
                    "This order is {label}, so it cannot be cancelled now."
                ))
            }
            CancelError::Busy(_) => AppError::Conflict(
                "This cancel is being worked on right now (by the worker or a colleague). Try again in a moment.".into(),
            ),
            CancelError::NotOpen(_) => {
                AppError::Conflict("This cancel is already settled; reload the queue.".into())
            }
            CancelError::NotInState { state, .. } => {
                let now = match state {
                    "RETRYING" => "retrying periodically",
                    "IN_FLIGHT" => "being sent to DANA",
                    _ => "pending",
                };
                AppError::Conflict(format!(
                    "This cancel is {now}, so that cannot be done to it now; reload the queue."
                ))
            }
            CancelError::ApprovalGone(_) => AppError::Conflict(
                "Someone else decided this request first; reload the list.".into(),
            ),
            other => {
                tracing::error!(err = %other, "cancel service failed");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::refund::service::RefundError> for AppError {
    fn from(err: crate::refund::service::RefundError) -> Self {
        use crate::refund::service::RefundError;
        match err {
            RefundError::InvalidInput { field, message } => AppError::invalid(field, message),
            RefundError::InvalidRequest(err) => AppError::invalid(&err.field, err.problem),
            RefundError::OrderNotFound(reference) => {
                AppError::NotFound(format!("Order {reference}"))
            }
            RefundError::NotRefundable { status, .. } => {
                let label = crate::orders::model::OrderStatus::parse(&status)
                    .map_or(status.clone(), |s| s.label().to_lowercase());
                AppError::Conflict(format!(
                    "This order is {label}, so it cannot be refunded now."
                ))
            }
            RefundError::ExceedsRefundable { refundable } => AppError::invalid(
                "amount",
                format!("is more than what remains refundable ({refundable})"),
            ),
            RefundError::Busy(_) => AppError::Conflict(
                "This refund is being worked on right now. Try again in a moment.".into(),
            ),
            RefundError::NotOpen(_) => {
                AppError::Conflict("This refund is already settled; reload the page.".into())
            }
            RefundError::NeedsApproval => AppError::Conflict(
                "With this refund the order's refunds reach the approval threshold; ask again to send it for approval."
                    .into(),
            ),
            RefundError::ApprovalGone(_) => AppError::Conflict(
                "Someone else decided this request first; reload the list.".into(),
            ),
            other => {
                tracing::error!(err = %other, "refund service failed");
                AppError::Internal
            }
        }
    }
}

/// Staff administration's errors as the admin sees them.
#[cfg(feature = "ssr")]
impl From<crate::auth::users::UserError> for AppError {
    fn from(err: crate::auth::users::UserError) -> Self {
        use crate::auth::users::UserError;
        match err {
            UserError::InvalidEmail(message) => AppError::invalid("email", message),
            UserError::UnknownRole(_) => AppError::invalid(
                "role",
                "must be one of finance, operations, supervisor, admin",
            ),
            UserError::Password(e) => AppError::invalid("password", e.to_string()),
            UserError::Exists(email) => {
                AppError::Conflict(format!("An account for {email} already exists."))
            }
            UserError::NotFound(email) => AppError::NotFound(format!("The account {email}")),
            UserError::LastAdmin(email) => AppError::Conflict(format!(
                "{email} is the last active admin. Make another account an admin first."
            )),
            UserError::Audit(e) => {
                tracing::error!(err = %e, "staff change could not be audited");
                AppError::Internal
            }
            UserError::Database(e) => e.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::approval::service::ApprovalError> for AppError {
    fn from(err: crate::approval::service::ApprovalError) -> Self {
        use crate::approval::service::ApprovalError;
        match err {
            ApprovalError::Cancel(e) => e.into(),
            ApprovalError::Refund(e) => e.into(),
            ApprovalError::NotFound(id) => AppError::NotFound(format!("Approval request {id}")),
            ApprovalError::NotWaiting { state, .. } => AppError::Conflict(format!(
                "This request is already {}; reload the list.",
                state.label().to_lowercase()
            )),
            ApprovalError::Expired(_) => AppError::Conflict(
                "This request has expired: nothing was sent. Ask again if it is still needed."
                    .into(),
            ),
            ApprovalError::Gone(_) => AppError::Conflict(
                "Someone else decided this request first; reload the list.".into(),
            ),
            ApprovalError::OwnRequest(_) => AppError::Conflict(
                "You asked for this, so a second person must approve or reject it.".into(),
            ),
            ApprovalError::Moot(_) => AppError::Conflict(
                "It was settled meanwhile (by DANA's answer or a status check), so there is nothing to settle by hand; the request is closed."
                    .into(),
            ),
            ApprovalError::RequesterGone(_) => AppError::Conflict(
                "The person who asked is disabled or their role no longer allows this, so nothing was sent; the request is closed."
                    .into(),
            ),
            ApprovalError::AlreadyWaiting(_) => AppError::Conflict(
                "A request for this order is already waiting for approval.".into(),
            ),
            ApprovalError::Audit(e) => {
                tracing::error!(err = %e, "approval could not be audited");
                AppError::Internal
            }
            ApprovalError::Database(e) => e.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_arguments_are_bad_input_naming_the_field() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `password`".into(),
        ));
        assert!(matches!(&err, AppError::InvalidInput { field, .. } if field == "password"));
        assert_eq!(err.status_code(), 400);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("id".into()));
        assert!(matches!(&err, AppError::InvalidInput { field, .. } if field == "id"));
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("expected value".into()));
        assert!(matches!(&err, AppError::InvalidInput { field, .. } if field == "request"));
    }
}
