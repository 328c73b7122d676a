use leptos::prelude::*;

use crate::cancel::model::CancelResultView;
use crate::error::AppError;

/// Cancels a paid order at DANA (finance and admin only).
#[server(prefix = "/api", endpoint = "orders/cancel")]
pub async fn cancel_order(
    partner_reference_no: String,
    reason: String,
) -> Result<CancelResultView, AppError> {
    use crate::cancel::model::AttemptView;
    use crate::cancel::service::{self, CancelError};
    let (state, user) = super::require(crate::auth::role::Permission::CancelOrder).await?;
    match service::cancel_order(
        &state.pool,
        &state.dana,
        &user.email,
        &partner_reference_no,
        &reason,
    )
    .await
    {
        Ok(outcome) => Ok(CancelResultView {
            partner_reference_no,
            order_status: outcome.order_status,
            attempts: outcome
                .attempts
                .into_iter()
                .map(|a| AttemptView {
                    number: a.number,
                    external_id: a.external_id,
                    catalog_code: a.entry.code.to_string(),
                    http_status: a.http_status,
                    response_code: a.response_code,
                    response_message: a.response_message,
                    latency_ms: a.latency_ms,
                })
                .collect(),
        }),
        Err(CancelError::InvalidReason(message)) => Err(AppError::invalid("reason", message)),
        Err(CancelError::OrderNotFound(reference)) => {
            Err(AppError::NotFound(format!("Order {reference}")))
        }
        Err(CancelError::NotCancellable { status, .. }) => {
            let label = crate::orders::model::OrderStatus::parse(&status)
                .map_or(status.clone(), |s| s.label().to_lowercase());
            Err(AppError::Conflict(format!(
                "This order is {label}, so it cannot be cancelled now."
            )))
        }
        Err(CancelError::InvalidRequest(err)) => Err(AppError::invalid(&err.field, err.problem)),
        Err(err) => {
            tracing::error!(%err, order = %partner_reference_no, "cancel failed");
            Err(AppError::Internal)
        }
    }
}
