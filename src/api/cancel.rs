use leptos::prelude::*;

use crate::approval::model::Started;
use crate::cancel::model::{CancelRequestView, CancelResultView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn history_of(
    state: &crate::state::AppState,
    reference: &str,
) -> Result<Vec<CancelRequestView>, AppError> {
    let order = crate::db::orders::find_by_partner_reference(&state.pool, reference)
        .await?
        .ok_or_else(|| AppError::order_not_found(reference))?;
    Ok(
        crate::cancel::history::for_order(&state.pool, order.id, crate::language::current())
            .await?,
    )
}

/// Cancels a paid order at DANA (finance and admin only). At or above the approval threshold the
/// cancel waits for a second person instead (answered 202 Accepted).
#[server(prefix = "/api", endpoint = "orders/cancel")]
pub async fn cancel_order(
    partner_reference_no: String,
    reason: String,
) -> Result<Started<CancelResultView>, AppError> {
    use crate::approval::service::ApprovalError;
    use crate::cancel::service::CancelError;
    let (state, user) = super::require(crate::auth::role::Permission::CancelOrder).await?;
    let outcome = state
        .approvals
        .cancel(&user.email, &partner_reference_no, &reason)
        .await;
    let result = match outcome {
        Ok(Started::Done(outcome)) => {
            let request = history_of(&state, &partner_reference_no)
                .await?
                .into_iter()
                .find(|r| r.id == outcome.cancel_request_id)
                .ok_or(AppError::Internal)?;
            Ok(Started::Done(CancelResultView {
                order_status: outcome.order_status,
                request,
            }))
        }
        Ok(Started::Waiting(approval)) => {
            super::accepted();
            Ok(Started::Waiting(approval))
        }
        Err(err) => {
            if matches!(
                err,
                ApprovalError::Cancel(CancelError::Audit(_) | CancelError::Database(_))
                    | ApprovalError::Audit(_)
                    | ApprovalError::Database(_)
            ) {
                tracing::error!(%err, order = ?partner_reference_no, "cancel failed");
            }
            Err(AppError::from(err))
        }
    };
    result.map_err(super::with_status)
}

/// Every cancel of an order, newest first.
#[server(prefix = "/api", endpoint = "orders/cancel-history", input = leptos::server_fn::codec::Json)]
pub async fn cancel_history(
    partner_reference_no: String,
) -> Result<Vec<CancelRequestView>, AppError> {
    let (state, _) = super::require(crate::auth::role::Permission::ViewOrders).await?;
    history_of(&state, &partner_reference_no).await
}
