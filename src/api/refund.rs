//! Refunds: make one (finance and admin), read an order's refunds, and work a pending one
//! (operations and admin).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

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

#[cfg(feature = "ssr")]
async fn history_of(
    state: &crate::state::AppState,
    reference: &str,
) -> Result<OrderRefunds, AppError> {
    let order = crate::db::orders::find_by_partner_reference(&state.pool, reference)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Order {reference}")))?;
    Ok(OrderRefunds {
        order_status: OrderStatus::parse(&order.status).ok_or(AppError::Internal)?,
        refunds: crate::refund::history::for_order(&state.pool, &order).await?,
        totals: crate::refund::history::totals(&state.pool, &order).await?,
    })
}

/// Refunds `amount` rupiah of a paid order at DANA (finance and admin only).
#[server(prefix = "/api", endpoint = "orders/refund")]
pub async fn refund_order(
    partner_reference_no: String,
    amount: String,
    reason: String,
) -> Result<RefundResultView, AppError> {
    use crate::refund::service::RefundError;
    let (state, user) = super::require(crate::auth::role::Permission::RefundOrder).await?;
    let result = async {
        let amount = crate::money::Money::parse_rupiah(&amount).map_err(|_| {
            AppError::invalid(
                "amount",
                "type the amount in rupiah, such as 150000 or 150.000 (at most two decimals after a comma)",
            )
        })?;
        let outcome = state
            .refunds
            .refund_order(&user.email, &partner_reference_no, amount, &reason)
            .await
            .inspect_err(|err| {
                if matches!(err, RefundError::Audit(_) | RefundError::Database(_)) {
                    tracing::error!(%err, order = ?partner_reference_no, "refund failed");
                }
            })?;
        let history = history_of(&state, &partner_reference_no).await?;
        let refund = history
            .refunds
            .iter()
            .find(|r| r.id == outcome.refund_id)
            .cloned()
            .ok_or(AppError::Internal)?;
        Ok(RefundResultView { refund, history })
    }
    .await;
    result.map_err(super::with_status)
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
    let (state, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let outcome = state
        .refunds
        .retry_now(id, &user.email)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    Ok(match outcome {
        Some(o) => format!(
            "DANA answered {} ({}): {}",
            o.entry.code, o.entry.message, o.entry.explanation
        ),
        None => "Another server took this refund first; reload the page.".into(),
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
    let (state, user) = super::require(crate::auth::role::Permission::WorkPendingQueue).await?;
    let resolution = match resolution.as_str() {
        "refunded" => Resolution::Refunded,
        "not_refunded" => Resolution::NotRefunded,
        _ => {
            return Err(super::with_status(AppError::invalid(
                "resolution",
                "choose whether DANA made the refund or not",
            )));
        }
    };
    let settled = state
        .refunds
        .resolve(id, &user.email, resolution, &note)
        .await
        .map_err(|e| super::with_status(e.into()))?;
    Ok(format!(
        "Resolved by hand: {}.",
        settled.label().to_lowercase()
    ))
}
