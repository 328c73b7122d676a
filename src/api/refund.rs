//! Refunds: make one (finance and admin), read an order's refunds, and work a pending one
//! (operations and admin).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::approval::model::Started;
use crate::error::AppError;
use crate::ids::RefundId;
use crate::orders::model::OrderStatus;
use crate::refund::model::{RefundTotals, RefundView};

/// An order's refunds and what remains refundable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRefunds {
    pub order_status: OrderStatus,
    pub refunds: Vec<RefundView>,
    pub totals: RefundTotals,
}

/// A refund just made (or queued), with the order as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundResultView {
    pub refund: RefundView,
    pub history: OrderRefunds,
}

/// One open refund as the operations page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRefundView {
    pub id: RefundId,
    pub partner_reference_no: String,
    pub partner_refund_no: String,
    pub amount_display: String,
    pub requested_by: String,
    pub reason: String,
    pub age_display: String,
    pub attempts: i64,
    /// The refund catalog row of the last attempt.
    pub last_code: Option<String>,
    /// `last_code` in words, in the reader's language.
    #[serde(default)]
    pub answer: Option<crate::dana::words::AnswerWords>,
    /// Why a person must look (retrying stopped).
    pub attention: Option<crate::language::Worded>,
    pub next_attempt_display: Option<String>,
    /// A settling by hand asked for and waiting for a second person, in words.
    #[serde(default)]
    pub approval: Option<String>,
}

#[cfg(feature = "ssr")]
async fn history_of(
    state: &crate::state::AppState,
    reference: &str,
) -> Result<OrderRefunds, AppError> {
    let order = crate::db::orders::find_by_partner_reference(&state.pool, reference)
        .await?
        .ok_or_else(|| AppError::order_not_found(reference))?;
    Ok(OrderRefunds {
        order_status: OrderStatus::parse(&order.status).ok_or(AppError::Internal)?,
        refunds: crate::refund::history::for_order(&state.pool, &order, crate::language::current())
            .await?,
        totals: crate::refund::history::totals(&state.pool, &order).await?,
    })
}

/// Refunds `amount` rupiah of a paid order at DANA (finance and admin only). At or above the
/// approval threshold the refund waits for a second person instead (answered 202 Accepted).
#[server(prefix = "/api", endpoint = "orders/refund")]
pub async fn refund_order(
    partner_reference_no: String,
    amount: String,
    reason: String,
) -> Result<Started<RefundResultView>, AppError> {
    use crate::approval::service::ApprovalError;
    use crate::refund::service::RefundError;
    let (state, user) = super::require(crate::auth::role::Permission::RefundOrder).await?;
    let result = async {
        let amount = parse_amount(&amount)?;
        let started = state
            .approvals
            .refund(&user.email, &partner_reference_no, amount, &reason)
            .await
            .inspect_err(|err| {
                if matches!(
                    err,
                    ApprovalError::Refund(RefundError::Audit(_) | RefundError::Database(_))
                        | ApprovalError::Audit(_)
                        | ApprovalError::Database(_)
                ) {
                    tracing::error!(%err, order = ?partner_reference_no, "refund failed");
                }
            })?;
        let outcome = match started {
            Started::Done(outcome) => outcome,
            Started::Waiting(approval) => {
                super::accepted();
                return Ok(Started::Waiting(approval));
            }
        };
        let history = history_of(&state, &partner_reference_no).await?;
        let refund = history
            .refunds
            .iter()
            .find(|r| r.id == outcome.refund_id)
            .cloned()
            .ok_or(AppError::Internal)?;
        Ok(Started::Done(RefundResultView { refund, history }))
    }
    .await;
    result.map_err(super::with_status)
}

/// A refund checked for its confirm step and not made: what the step names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReviewView {
    pub partner_reference_no: String,
    /// The customer's name, or a dash.
    pub customer: String,
    /// `Rp 10.000,00`.
    pub amount_display: String,
    /// The amount as the confirm step sends it on to the refund (`10.000`).
    pub amount_input: String,
    /// The reason as it will be sent (trimmed).
    pub reason: String,
    pub refundable_after_display: String,
    /// The refund will wait for a second person (the approval threshold).
    pub needs_approval: bool,
}

/// Checks a refund as [`refund_order`] would, writing and sending nothing (finance and admin):
/// the confirm step's figures, or why it would be refused.
#[server(prefix = "/api", endpoint = "orders/refund/review")]
pub async fn review_refund(
    partner_reference_no: String,
    amount: String,
    reason: String,
) -> Result<RefundReviewView, AppError> {
    let (state, _) = super::require(crate::auth::role::Permission::RefundOrder).await?;
    let result = async {
        let amount = parse_amount(&amount)?;
        let review = state
            .refunds
            .review(&partner_reference_no, amount, &reason)
            .await?;
        Ok(RefundReviewView {
            customer: crate::components::unknown::or_dash(review.customer_name),
            amount_display: review.amount.display_idr(),
            amount_input: review.amount.input_idr(),
            reason: review.reason,
            refundable_after_display: review.refundable_after.display_idr(),
            needs_approval: state
                .approvals
                .policy()
                .needs_approval(review.reserved_after_minor),
            partner_reference_no: review.partner_reference_no,
        })
    }
    .await;
    result.map_err(super::with_status)
}

/// An amount as staff type it (`150.000`, `150000`, `150.000,50`).
#[cfg(feature = "ssr")]
fn parse_amount(amount: &str) -> Result<crate::money::Money, AppError> {
    crate::money::Money::parse_rupiah(amount).map_err(|_| {
        AppError::invalid(
            "amount",
            crate::i18n::td_string!(crate::language::current(), errors.invalid.refund_amount),
        )
    })
}

/// Every refund of an order, newest first, and what remains refundable.
#[server(prefix = "/api", endpoint = "orders/refund-history", input = Json)]
pub async fn refund_history(partner_reference_no: String) -> Result<OrderRefunds, AppError> {
    let (state, _) = super::require(crate::auth::role::Permission::ViewOrders).await?;
    history_of(&state, &partner_reference_no)
        .await
        .map_err(super::with_status)
}

/// "Retry now" on a pending refund: sends it again at once (same refund number).
#[server(prefix = "/api", endpoint = "refunds/retry")]
pub async fn retry_refund(id: RefundId) -> Result<String, AppError> {
    let locale = crate::language::current();
    let (state, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let outcome = state
        .refunds
        .retry_now(id, &user.email)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    Ok(match outcome {
        Some(o) => crate::i18n::td_string!(
            locale,
            errors.notice.dana_answered,
            code = o.entry.code,
            message = o.entry.message,
            explanation = o.entry.explanation_in(locale)
        )
        .to_string(),
        None => crate::i18n::td_string!(locale, errors.notice.refund_taken).to_string(),
    })
}

/// "Resolve": settles a pending refund by hand, with a note saying how DANA confirmed it.
#[server(prefix = "/api", endpoint = "refunds/resolve")]
pub async fn resolve_refund(
    id: RefundId,
    resolution: String,
    note: String,
) -> Result<String, AppError> {
    use crate::refund::machine::Resolution;
    let locale = crate::language::current();
    let (state, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let resolution = match resolution.as_str() {
        "refunded" => Resolution::Refunded,
        "not_refunded" => Resolution::NotRefunded,
        _ => {
            return Err(super::with_status(AppError::invalid(
                "resolution",
                crate::i18n::td_string!(locale, errors.invalid.refund_resolution),
            )));
        }
    };
    let approval = state
        .approvals
        .resolve_refund(&user.email, id, resolution, &note)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    super::accepted();
    Ok(crate::i18n::td_string!(
        locale,
        errors.notice.refund_resolution_sent,
        resolution = crate::approval::model::resolution_label(
            &approval.resolution.unwrap_or_default(),
            locale
        ),
        id = approval.id
    )
    .to_string())
}

/// Open refunds, those needing a person first (operations and admins).
#[server(prefix = "/api", endpoint = "refunds/pending")]
pub async fn list_pending_refunds() -> Result<Vec<PendingRefundView>, AppError> {
    let locale = crate::language::current();
    let (state, _) = super::require(crate::auth::role::Permission::ViewPendingQueue).await?;
    let now = state.clock.now(&state.pool).await?;
    let waiting = super::waiting_settlings(
        &state,
        crate::approval::model::ApprovalKind::ResolveRefund,
        now,
        locale,
    )
    .await?;
    let mut items = Vec::new();
    for r in crate::db::refunds::open(&state.pool, 1_000).await? {
        let attempts = crate::db::refunds::attempts(&state.pool, r.id).await?.len() as i64;
        let next_attempt_display = r
            .next_attempt_at
            .filter(|_| r.attention.is_none())
            .map(|at| super::next_attempt_in(locale, at, now));
        items.push(PendingRefundView {
            id: r.id,
            amount_display: crate::money::Money::from_minor(r.amount_minor)
                .map(|m| m.display_idr())
                .unwrap_or_default(),
            partner_reference_no: r.partner_reference_no,
            partner_refund_no: r.partner_refund_no,
            requested_by: r.actor,
            reason: r.reason,
            age_display: crate::time::display_duration(now.seconds_since(r.created_at), locale),
            attempts,
            answer: r
                .last_code
                .as_deref()
                .and_then(crate::dana::catalog::lookup_refund)
                .map(|e| crate::dana::words::AnswerWords::of(e, locale)),
            last_code: r.last_code,
            attention: r.attention.map(|a| crate::attention::read(&a, locale)),
            next_attempt_display,
            approval: waiting.get(&r.id.get()).cloned(),
        });
    }
    items.sort_by_key(|v| v.attention.is_none());
    Ok(items)
}
