//! Reading an order's refunds and what they add up to.

use super::model::{RefundAttemptView, RefundState, RefundTotals, RefundView};
use crate::db::{self, refunds};
use crate::money::Money;
use crate::time::display_wib;

fn idr(minor: i64) -> String {
    Money::from_minor(minor)
        .map(|m| m.display_idr())
        .unwrap_or_default()
}

/// Every refund of the order, newest first, with its attempts in order; notes in `locale`.
pub async fn for_order(
    pool: &db::Pool,
    order: &db::orders::OrderRow,
    locale: crate::i18n::Locale,
) -> Result<Vec<RefundView>, sqlx::Error> {
    let mut views = Vec::new();
    for refund in refunds::for_order(pool, order.id).await?.into_iter().rev() {
        let attempts = refunds::attempts(pool, refund.id)
            .await?
            .into_iter()
            .map(|a| RefundAttemptView {
                number: a.attempt_no as u32,
                external_id: a.external_id,
                catalog_code: a.catalog_code,
                http_status: a.http_status.map(|s| s as u16),
                response_message: a.response_message,
                latency_ms: a.latency_ms.map(|l| l as u64),
                sent_at_display: display_wib(a.sent_at),
            })
            .collect();
        let state =
            RefundState::parse(&refund.state).expect("refunds.state is checked by the schema");
        let open = state.is_open();
        views.push(RefundView {
            id: refund.id,
            partner_refund_no: refund.partner_refund_no,
            actor: refund.actor,
            reason: refund.reason,
            amount_display: idr(refund.amount_minor),
            state,
            requested_at_display: display_wib(refund.created_at),
            attempts,
            next_attempt_display: refund
                .next_attempt_at
                .filter(|_| open && refund.attention.is_none())
                .map(display_wib),
            attention: refund
                .attention
                .filter(|_| open)
                .map(|a| crate::attention::read(&a, locale)),
            refund_no: refund.refund_no,
            refund_time: refund.refund_time,
            resolved_by: refund.resolved_by,
            resolution_note: refund.resolution_note,
        });
    }
    Ok(views)
}

/// What the order's refunds add up to.
pub async fn totals(
    pool: &db::Pool,
    order: &db::orders::OrderRow,
) -> Result<RefundTotals, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let refunded = refunds::refunded(&mut conn, order.id).await?;
    let reserved = refunds::reserved(&mut conn, order.id).await?;
    let pending = reserved - refunded;
    let refundable = (order.amount_minor - reserved).max(0);
    Ok(RefundTotals {
        paid_minor: order.amount_minor,
        refunded_minor: refunded,
        pending_minor: pending,
        refundable_minor: refundable,
        refunded_display: idr(refunded),
        pending_display: idr(pending),
        refundable_display: idr(refundable),
    })
}
