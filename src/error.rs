//! The one error type that crosses the server-function boundary. Server-side errors (database,
//! I/O) are converted into it once, at the edge, and logged there; the browser only ever sees a
//! message fit for staff and, for bad input, the name of the field.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::*;

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
    /// "Order X was not found", in the request's language.
    #[cfg(feature = "ssr")]
    pub fn order_not_found(reference: &str) -> Self {
        AppError::NotFound(
            td_string!(
                crate::language::current(),
                errors.not_found.order,
                reference = reference
            )
            .to_string(),
        )
    }

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

    /// The words a person reads, in `locale`: what [`Display`](std::fmt::Display) says (the
    /// CLI's and the logs' English), except that a form field is named as the page labels it.
    pub fn message_in(&self, locale: Locale) -> String {
        match self {
            AppError::InvalidInput { field, message } => td_string!(
                locale,
                errors.app.invalid_input,
                field = field_label(field, locale),
                message = message
            )
            .to_string(),
            AppError::NotFound(what) => {
                td_string!(locale, errors.app.not_found, what = what).to_string()
            }
            AppError::Unauthorized => td_string!(locale, errors.app.unauthorized).to_string(),
            AppError::WrongCredentials => {
                td_string!(locale, errors.app.wrong_credentials).to_string()
            }
            AppError::TooManyAttempts {
                retry_after_seconds,
            } => td_string!(
                locale,
                errors.app.too_many_attempts,
                minutes = retry_after_seconds.div_ceil(60)
            )
            .to_string(),
            AppError::Forbidden => td_string!(locale, errors.app.forbidden).to_string(),
            AppError::Conflict(message) => message.clone(),
            AppError::Internal => td_string!(locale, errors.app.internal).to_string(),
            AppError::Transport(detail) => {
                td_string!(locale, errors.app.transport, detail = detail).to_string()
            }
        }
    }
}

/// A field as staff read it on the page, in `locale`: a form's field by its label ("Alasan" for
/// `reason`), a list's filter by its label and the parameter the address bar shows ("Dari
/// (from)"); any other name (a wire field) stays as sent.
pub fn field_label(field: &str, locale: Locale) -> std::borrow::Cow<'_, str> {
    let form = match field {
        "reason" => Some(td_string!(locale, labels.form_field.reason)),
        "note" => Some(td_string!(locale, labels.form_field.note)),
        "amount" => Some(td_string!(locale, labels.form_field.amount)),
        "email" => Some(td_string!(locale, labels.form_field.email)),
        "password" => Some(td_string!(locale, labels.form_field.password)),
        "role" => Some(td_string!(locale, labels.form_field.role)),
        "language" => Some(td_string!(locale, labels.form_field.language)),
        "resolution" => Some(td_string!(locale, labels.form_field.resolution)),
        "current_password" => Some(td_string!(locale, users.password_page.current_password)),
        "new_password" => Some(td_string!(locale, users.password_page.new_password)),
        "new_password_again" => Some(td_string!(locale, users.password_page.new_password_again)),
        "upload" => Some(td_string!(locale, labels.form_field.upload)),
        _ => None,
    };
    if let Some(label) = form {
        return std::borrow::Cow::Owned(label.to_string());
    }
    let filter = match field {
        "q" => td_string!(locale, orders.filters.search),
        "status" => td_string!(locale, orders.filters.status),
        "sort" => td_string!(locale, orders.filters.sort),
        "from" => td_string!(locale, audit.filters.from),
        "to" => td_string!(locale, audit.filters.to),
        "outcome" => td_string!(locale, audit.filters.outcome),
        "state" => td_string!(locale, pending.filter.state),
        "reference" | "partner_reference_no" => td_string!(locale, audit.filters.order),
        "after" | "before" => td_string!(locale, labels.form_field.page),
        _ => return std::borrow::Cow::Borrowed(field),
    };
    std::borrow::Cow::Owned(format!("{filter} ({field})"))
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
            ServerFnErrorErr::MissingArg(name) => AppError::invalid(
                &name,
                td_string!(crate::language::current(), errors.invalid.required),
            ),
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// Where an order stands, in words for a refusal: an order status, or what holds it (a request
/// waiting for approval, a refund under way).
#[cfg(feature = "ssr")]
fn status_words(status: &str, locale: Locale) -> String {
    match status {
        "waiting for approval" => {
            td_string!(locale, errors.status_words.waiting_for_approval).into()
        }
        "being refunded" => td_string!(locale, errors.status_words.being_refunded).into(),
        other => crate::orders::model::OrderStatus::parse(other)
            .map_or(other.to_string(), |s| s.label_in(locale).to_lowercase()),
    }
}

/// The one mapping of the cancel service's errors to what staff see (and, through
/// [`AppError::status_code`], the HTTP status): every server function uses it with `?`.
#[cfg(feature = "ssr")]
impl From<crate::cancel::service::CancelError> for AppError {
    fn from(err: crate::cancel::service::CancelError) -> Self {
        use crate::cancel::service::CancelError;
        let locale = crate::language::current();
        match err {
            CancelError::InvalidReason(message) => AppError::invalid("reason", message),
            CancelError::InvalidInput { field, message } => AppError::invalid(field, message),
            CancelError::InvalidRequest(err) => AppError::invalid(&err.field, err.problem),
            CancelError::OrderNotFound(reference) => AppError::NotFound(
                td_string!(locale, errors.not_found.order, reference = &reference).to_string(),
            ),
            CancelError::NotCancellable { status, .. } => {
                let label = status_words(&status, locale);
                AppError::Conflict(
                    td_string!(locale, errors.conflict.not_cancellable, status = &label)
                        .to_string(),
                )
            }
            CancelError::Busy(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.cancel_busy).to_string())
            }
            CancelError::NotOpen(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.cancel_not_open).to_string())
            }
            CancelError::NotInState { state, .. } => {
                let now = match state {
                    "RETRYING" => td_string!(locale, errors.cancel_state.retrying),
                    "IN_FLIGHT" => td_string!(locale, errors.cancel_state.in_flight),
                    _ => td_string!(locale, errors.cancel_state.pending),
                };
                AppError::Conflict(
                    td_string!(locale, errors.conflict.cancel_not_in_state, now = now).to_string(),
                )
            }
            CancelError::ApprovalGone(_) => AppError::Conflict(
                td_string!(locale, errors.conflict.decided_elsewhere).to_string(),
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
        let locale = crate::language::current();
        match err {
            RefundError::InvalidInput { field, message } => AppError::invalid(field, message),
            RefundError::InvalidRequest(err) => AppError::invalid(&err.field, err.problem),
            RefundError::OrderNotFound(reference) => AppError::NotFound(
                td_string!(locale, errors.not_found.order, reference = &reference).to_string(),
            ),
            RefundError::NotRefundable { status, .. } => {
                let label = status_words(&status, locale);
                AppError::Conflict(
                    td_string!(locale, errors.conflict.not_refundable, status = &label).to_string(),
                )
            }
            RefundError::ExceedsRefundable { refundable } => AppError::invalid(
                "amount",
                td_string!(
                    locale,
                    errors.invalid.exceeds_refundable,
                    refundable = &refundable
                )
                .to_string(),
            ),
            RefundError::Busy(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.refund_busy).to_string())
            }
            RefundError::NotOpen(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.refund_not_open).to_string())
            }
            RefundError::NeedsApproval => AppError::Conflict(
                td_string!(locale, errors.conflict.refund_needs_approval).to_string(),
            ),
            RefundError::ApprovalGone(_) => AppError::Conflict(
                td_string!(locale, errors.conflict.decided_elsewhere).to_string(),
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
        let locale = crate::language::current();
        match err {
            UserError::InvalidEmail(message) => AppError::invalid("email", message),
            UserError::UnknownRole(_) => {
                AppError::invalid("role", td_string!(locale, errors.invalid.role_choice))
            }
            UserError::Password(e) => AppError::invalid("password", e.to_string()),
            UserError::Exists(email) => AppError::Conflict(
                td_string!(locale, errors.conflict.account_exists, email = &email).to_string(),
            ),
            UserError::NotFound(email) => AppError::NotFound(
                td_string!(locale, errors.not_found.account, email = &email).to_string(),
            ),
            UserError::LastAdmin(email) => AppError::Conflict(
                td_string!(locale, errors.conflict.last_admin, email = &email).to_string(),
            ),
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
        let locale = crate::language::current();
        match err {
            ApprovalError::Cancel(e) => e.into(),
            ApprovalError::Refund(e) => e.into(),
            ApprovalError::NotFound(id) => AppError::NotFound(
                td_string!(locale, errors.not_found.approval, id = id).to_string(),
            ),
            ApprovalError::NotWaiting { state, .. } => AppError::Conflict(
                td_string!(
                    locale,
                    errors.conflict.approval_not_waiting,
                    state = state.label_in(locale).to_lowercase()
                )
                .to_string(),
            ),
            ApprovalError::Expired(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.approval_expired).to_string())
            }
            ApprovalError::Gone(_) => AppError::Conflict(
                td_string!(locale, errors.conflict.decided_elsewhere).to_string(),
            ),
            ApprovalError::OwnRequest(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.own_request).to_string())
            }
            ApprovalError::Moot(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.moot).to_string())
            }
            ApprovalError::RequesterGone(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.requester_gone).to_string())
            }
            ApprovalError::AlreadyWaiting(_) => {
                AppError::Conflict(td_string!(locale, errors.conflict.already_waiting).to_string())
            }
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

    #[test]
    fn a_form_field_is_named_as_staff_read_it_and_any_other_as_sent() {
        let err = AppError::invalid("note", "a note is required");
        assert_eq!(err.message_in(Locale::en), "Note: a note is required");
        assert_eq!(
            AppError::invalid("note", "catatan wajib diisi").message_in(Locale::id),
            "Catatan: catatan wajib diisi"
        );
        assert_eq!(
            AppError::invalid("current_password", "salah").message_in(Locale::id),
            "Kata sandi saat ini: salah"
        );
        // A filter is named by its label and the parameter the address bar shows.
        assert_eq!(
            AppError::invalid("from", "bukan tanggal").message_in(Locale::id),
            "Dari (from): bukan tanggal"
        );
        assert_eq!(
            AppError::invalid("status", "unknown").message_in(Locale::en),
            "Status (status): unknown"
        );
        // Anything else (a wire field) as sent.
        assert_eq!(
            AppError::invalid("partnerReferenceNo", "too long").message_in(Locale::en),
            "partnerReferenceNo: too long"
        );
    }
}
