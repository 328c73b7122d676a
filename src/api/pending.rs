//! The operations queue: list it, count what needs a person, and act on one cancel.

use leptos::prelude::*;

use crate::cancel::model::{PendingQueue, QueueActionResult};
use crate::error::AppError;
use crate::ids::CancelRequestId;

#[cfg(feature = "ssr")]
fn reference_of(id: CancelRequestId, rows: &[crate::db::cancels::PendingRow]) -> String {
    rows.iter()
        .find(|r| r.id == id)
        .map(|r| r.partner_reference_no.clone())
        .unwrap_or_else(|| {
            crate::i18n::td_string!(
                crate::language::current(),
                errors.pending_reference,
                id = id
            )
            .to_string()
        })
}

/// The open cancels, those needing a person first (operations and admins).
#[server(prefix = "/api", endpoint = "pending/list")]
pub async fn list_pending(
    state: Option<String>,
    reference: Option<String>,
) -> Result<PendingQueue, AppError> {
    use crate::cancel::model::{PendingCancelView, QueueCounts, QueueState};
    let locale = crate::language::current();
    let (app, _) = super::require(crate::auth::role::Permission::ViewPendingQueue).await?;
    let wanted = match state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(QueueState::parse(s).ok_or_else(|| {
            super::with_status(AppError::invalid(
                "state",
                crate::i18n::td_string!(locale, errors.invalid.queue_state),
            ))
        })?),
    };
    let reference = reference
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reference.as_ref().is_some_and(|r| r.chars().count() > 64) {
        return Err(super::with_status(AppError::invalid(
            "reference",
            crate::i18n::td_string!(locale, errors.invalid.reference_length),
        )));
    }
    let now = app.clock.now(&app.pool).await?;
    let rows = crate::db::cancels::open_requests(&app.pool, 1_000).await?;
    let waiting = super::waiting_settlings(
        &app,
        crate::approval::model::ApprovalKind::ResolveCancel,
        now,
        locale,
    )
    .await?;
    let mut counts = QueueCounts::default();
    let mut items: Vec<PendingCancelView> = rows
        .into_iter()
        .map(|r| {
            let state = if r.attention.is_some() {
                QueueState::NeedsAttention
            } else if r.lease_until.is_some_and(|l| l >= now) {
                QueueState::Retrying
            } else if r.state == crate::cancel::model::RequestState::Retrying.as_str() {
                QueueState::Periodic
            } else {
                QueueState::Waiting
            };
            match state {
                QueueState::NeedsAttention => counts.needs_attention += 1,
                QueueState::Retrying => counts.retrying += 1,
                QueueState::Waiting => counts.waiting += 1,
                QueueState::Periodic => counts.periodic += 1,
            }
            let next_attempt_display = matches!(state, QueueState::Waiting | QueueState::Periodic)
                .then_some(r.next_attempt_at)
                .flatten()
                .map(|at| super::next_attempt_in(locale, at, now));
            PendingCancelView {
                id: r.id,
                amount_display: crate::money::Money::from_minor(r.amount_minor)
                    .map(|m| m.display_idr())
                    .unwrap_or_default(),
                partner_reference_no: r.partner_reference_no,
                customer_name: r.customer_name,
                requested_by: r.actor,
                reason: r.reason,
                requested_at_display: crate::time::display_wib(r.created_at),
                age_display: crate::time::display_duration(now.seconds_since(r.created_at), locale),
                attempts: r.attempts,
                answer: r
                    .last_code
                    .as_deref()
                    .and_then(crate::dana::catalog::lookup)
                    .map(|e| crate::dana::words::AnswerWords::of(e, locale)),
                status: r
                    .last_status
                    .as_deref()
                    .and_then(crate::dana::catalog::transaction_status)
                    .map(|s| crate::dana::words::StatusWords::of(s, locale)),
                last_code: r.last_code,
                last_status: r.last_status,
                state,
                attention: r.attention.map(|a| crate::attention::read(&a, locale)),
                next_attempt_display,
                approval: waiting.get(&r.id.get()).cloned(),
            }
        })
        .filter(|v| wanted.is_none_or(|w| v.state == w))
        .filter(|v| {
            reference
                .as_ref()
                .is_none_or(|q| v.partner_reference_no.starts_with(q.as_str()))
        })
        .collect();
    // Needs attention first, then oldest first.
    items.sort_by_key(|v| v.state != QueueState::NeedsAttention);
    Ok(PendingQueue {
        items,
        counts,
        as_of_display: crate::time::display_wib_time(now),
    })
}

/// The same list, asked by the open page on its refresh timer: it never extends the session
/// (the guard lists this path among the background ones).
#[server(prefix = "/api", endpoint = "pending/poll")]
pub async fn poll_pending(
    state: Option<String>,
    reference: Option<String>,
) -> Result<PendingQueue, AppError> {
    list_pending(state, reference).await
}

/// "Retry now": sends the cancel again at once (after a status check if its outcome is unknown).
#[server(prefix = "/api", endpoint = "pending/retry")]
pub async fn retry_pending(id: CancelRequestId) -> Result<QueueActionResult, AppError> {
    use crate::cancel::service::Queued;
    use crate::cancel::service::WorkOutcome;
    let locale = crate::language::current();
    let (app, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let rows = crate::db::cancels::open_requests(&app.pool, 1_000).await?;
    let reference = reference_of(id, &rows);
    let outcome = app
        .cancels
        .retry_now(id, &user.email)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    let (message, tone) = match outcome {
        WorkOutcome::Settled(status) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.cancel_settled,
                status = status.label_in(locale).to_lowercase()
            )
            .to_string(),
            if status == crate::orders::model::OrderStatus::Cancelled {
                "success"
            } else {
                "failed"
            },
        ),
        WorkOutcome::Queued(Queued::RetryAt(at)) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.retry_at,
                when = crate::time::display_wib(at)
            )
            .to_string(),
            "pending",
        ),
        WorkOutcome::Queued(Queued::NeedsAttention(why)) => {
            (crate::attention::read(&why, locale).text, "failed")
        }
        WorkOutcome::LeaseLost | WorkOutcome::NotOpen => (
            crate::i18n::td_string!(locale, errors.notice.cancel_taken).to_string(),
            "pending",
        ),
    };
    Ok(QueueActionResult {
        reference,
        message,
        tone: tone.into(),
    })
}

/// "Check status with DANA": asks Query Payment; settles the cancel if DANA says it is cancelled.
#[server(prefix = "/api", endpoint = "pending/check-status")]
pub async fn check_pending_status(id: CancelRequestId) -> Result<QueueActionResult, AppError> {
    use crate::cancel::service::WorkOutcome;
    let locale = crate::language::current();
    let (app, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let rows = crate::db::cancels::open_requests(&app.pool, 1_000).await?;
    let reference = reference_of(id, &rows);
    let check = app
        .cancels
        .check_status(id, &user.email)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    let (message, tone) = match (check.status, &check.outcome) {
        (Some(status), WorkOutcome::Settled(_)) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.status_settled,
                status = status.name.to_lowercase(),
                code = status.code,
                explanation = status.explanation_in(locale)
            )
            .to_string(),
            "success",
        ),
        (Some(status), _) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.status,
                status = status.name.to_lowercase(),
                code = status.code,
                explanation = status.explanation_in(locale)
            )
            .to_string(),
            "pending",
        ),
        (None, _) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.no_status,
                code = check.entry.code,
                message = check.entry.message,
                explanation = check.entry.explanation_in(locale)
            )
            .to_string(),
            "failed",
        ),
    };
    Ok(QueueActionResult {
        reference,
        message,
        tone: tone.into(),
    })
}

/// "Resolve": settles the cancel by hand, with a mandatory note saying how it was confirmed; or
/// (`stop_retrying`) stops the periodic retries of a cancel DANA refused.
#[server(prefix = "/api", endpoint = "pending/resolve")]
pub async fn resolve_pending(
    id: CancelRequestId,
    resolution: String,
    note: String,
) -> Result<QueueActionResult, AppError> {
    use crate::cancel::staff::Resolution;
    let locale = crate::language::current();
    let (app, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let resolution = match resolution.as_str() {
        "cancelled" => Some(Resolution::Cancelled),
        "not_cancelled" => Some(Resolution::NotCancelled),
        "stop_retrying" => None,
        _ => {
            return Err(super::with_status(AppError::invalid(
                "resolution",
                crate::i18n::td_string!(locale, errors.invalid.cancel_resolution),
            )));
        }
    };
    // The note is checked before anything else is touched.
    crate::cancel::staff::check_note(&note).map_err(|e| super::with_status(e.into()))?;
    let rows = crate::db::cancels::open_requests(&app.pool, 1_000).await?;
    let reference = reference_of(id, &rows);
    let Some(resolution) = resolution else {
        let status = app
            .cancels
            .stop_retrying(id, &user.email, &note)
            .await
            .map_err(|e| super::with_status(e.into()))?;
        return Ok(QueueActionResult {
            reference,
            message: crate::i18n::td_string!(
                locale,
                errors.notice.retries_stopped,
                status = status.label_in(locale).to_lowercase()
            )
            .to_string(),
            tone: "failed".into(),
        });
    };
    // Settling by hand is a second person's call: it waits for approval.
    let approval = app
        .approvals
        .resolve_cancel(&user.email, id, resolution, &note)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    super::accepted();
    Ok(QueueActionResult {
        reference,
        message: crate::i18n::td_string!(
            locale,
            errors.notice.cancel_resolution_sent,
            resolution = crate::approval::model::resolution_label(
                &approval.resolution.unwrap_or_default(),
                locale
            )
        )
        .to_string(),
        tone: "pending".into(),
    })
}
