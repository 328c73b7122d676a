//! Four-eyes approvals: the list of what waits and was decided (supervisors and admins), approve
//! and reject, and an order's requests (anyone who sees orders).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::approval::model::{ApprovalView, DecisionResult};
use crate::error::AppError;
use crate::ids::ApprovalId;

/// What `/approvals` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalLists {
    /// Oldest first.
    pub waiting: Vec<ApprovalView>,
    /// Newest decision first.
    pub decided: Vec<ApprovalView>,
    /// The amount rule in words ("Rp 5.000.000,00 or more"), or `None` when it is off.
    pub threshold_display: Option<String>,
}

/// Waiting and recently decided requests (Approve permission).
#[server(prefix = "/api", endpoint = "approvals/list")]
pub async fn list_approvals() -> Result<ApprovalLists, AppError> {
    let (state, user) = super::require(crate::auth::role::Permission::Approve).await?;
    let (waiting, decided) = state
        .approvals
        .lists(&user.email)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    let threshold_display = state
        .approvals
        .policy()
        .threshold_minor
        .and_then(|t| crate::money::Money::from_minor(t).ok())
        .map(|m| {
            crate::i18n::td_string!(
                crate::language::current(),
                errors.threshold,
                amount = m.display_idr()
            )
            .to_string()
        });
    Ok(ApprovalLists {
        waiting,
        decided,
        threshold_display,
    })
}

/// Every approval request about an order, newest first (anyone who sees orders).
#[server(prefix = "/api", endpoint = "orders/approvals", input = Json)]
pub async fn order_approvals(partner_reference_no: String) -> Result<Vec<ApprovalView>, AppError> {
    let (state, user) = super::require(crate::auth::role::Permission::ViewOrders).await?;
    let result = async {
        let order =
            crate::db::orders::find_by_partner_reference(&state.pool, &partner_reference_no)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(
                        crate::i18n::td_string!(
                            crate::language::current(),
                            errors.not_found.order,
                            reference = &partner_reference_no
                        )
                        .to_string(),
                    )
                })?;
        Ok(state.approvals.for_order(order.id, &user.email).await?)
    }
    .await;
    result.map_err(super::with_status)
}

/// Approves a request: its cancel, refund or settling runs now, and the answer says what DANA
/// said.
#[server(prefix = "/api", endpoint = "approvals/approve")]
pub async fn approve_request(id: ApprovalId) -> Result<DecisionResult, AppError> {
    use crate::approval::service::Decision;
    let locale = crate::language::current();
    let (state, user) = super::require(crate::auth::role::Permission::Approve).await?;
    let reference = {
        let mut conn = state.pool.acquire().await?;
        crate::db::approvals::by_id(&mut conn, id)
            .await?
            .map(|r| r.partner_reference_no)
            .unwrap_or_default()
    };
    let decision = state
        .approvals
        .approve(&user.email, id)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    let (message, tone) = match decision {
        Decision::Cancelled(outcome) => {
            let entry = outcome.entry();
            (
                crate::i18n::td_string!(
                    locale,
                    errors.notice.approved_sent,
                    code = entry.code,
                    message = entry.message,
                    explanation = entry.explanation_in(locale)
                )
                .to_string(),
                entry.outcome.tone(),
            )
        }
        Decision::Refunded(outcome) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.approved_sent,
                code = outcome.entry.code,
                message = outcome.entry.message,
                explanation = outcome.entry.explanation_in(locale)
            )
            .to_string(),
            outcome.entry.outcome.tone(),
        ),
        Decision::CancelSettled(status) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.approved_cancel_settled,
                status = status.label_in(locale).to_lowercase()
            )
            .to_string(),
            "success",
        ),
        Decision::RefundSettled(refund) => (
            crate::i18n::td_string!(
                locale,
                errors.notice.approved_refund_settled,
                state = refund.label_in(locale).to_lowercase()
            )
            .to_string(),
            "success",
        ),
    };
    Ok(DecisionResult {
        reference,
        message,
        tone: tone.into(),
    })
}

/// Rejects a request with a note saying why; nothing is sent to DANA.
#[server(prefix = "/api", endpoint = "approvals/reject")]
pub async fn reject_request(id: ApprovalId, note: String) -> Result<DecisionResult, AppError> {
    let (state, user) = super::require(crate::auth::role::Permission::Approve).await?;
    let rejected = state
        .approvals
        .reject(&user.email, id, &note)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    Ok(DecisionResult {
        reference: rejected.partner_reference_no,
        message: crate::i18n::td_string!(crate::language::current(), errors.notice.rejected)
            .to_string(),
        tone: "failed".into(),
    })
}
