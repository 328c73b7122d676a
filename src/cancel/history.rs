//! Reading an order's cancel history.

use super::model::{AttemptView, CancelRequestView};
use crate::db::{self, cancels};
use crate::ids::OrderId;
use crate::time::display_wib;

/// Every cancel of the order, newest first, with its attempts in order; notes in `locale`.
pub async fn for_order(
    pool: &db::Pool,
    order_id: OrderId,
    locale: crate::i18n::Locale,
) -> Result<Vec<CancelRequestView>, sqlx::Error> {
    let mut views = Vec::new();
    for request in cancels::requests_for_order(pool, order_id)
        .await?
        .into_iter()
        .rev()
    {
        let attempts = cancels::attempts_for_request(pool, request.id)
            .await?
            .into_iter()
            .map(|a| AttemptView {
                number: a.attempt_no as u32,
                external_id: a.external_id,
                catalog_code: a.catalog_code,
                http_status: a.http_status.map(|s| s as u16),
                response_code: a.response_code,
                response_message: a.response_message,
                latency_ms: a.latency_ms.map(|l| l as u64),
                sent_at_display: display_wib(a.sent_at),
            })
            .collect();
        let state = request.state();
        let open = state.is_open();
        views.push(CancelRequestView {
            id: request.id,
            actor: request.actor,
            reason: request.reason,
            state,
            requested_at_display: display_wib(request.created_at),
            attempts,
            next_attempt_display: request
                .next_attempt_at
                .filter(|_| open && request.attention.is_none())
                .map(display_wib),
            attention: request
                .attention
                .filter(|_| open)
                .map(|a| crate::attention::read(&a, locale)),
            last_status: request.last_status,
            resolved_by: request.resolved_by,
            resolution_note: request.resolution_note,
        });
    }
    Ok(views)
}
