//! A refund checked before it is made, for the order page's confirm step: what
//! [`RefundService::refund_order`] would refuse, refused the same way, with nothing written or
//! sent.

use super::service::{RefundError, RefundService, check_amount, check_reason};
use crate::db::{self, refunds};
use crate::money::Money;

/// A refund checked and not yet made: what its confirm step says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReview {
    pub partner_reference_no: String,
    pub customer_name: Option<String>,
    pub amount: Money,
    /// The reason as it will be sent (trimmed).
    pub reason: String,
    /// What remains refundable once this refund is made.
    pub refundable_after: Money,
    /// What the order's refunds reach with this one (the approval threshold applies to it).
    pub reserved_after_minor: i64,
}

impl RefundService {
    /// Checks a refund as [`Self::refund_order`] would before it writes anything (the reason,
    /// the amount, the order's status, a request waiting for approval, what remains
    /// refundable), for the confirm step: nothing is written or sent. The refund itself checks
    /// all of it again, in its transaction.
    pub async fn review(
        &self,
        partner_reference_no: &str,
        amount: Money,
        reason: &str,
    ) -> Result<RefundReview, RefundError> {
        let reason = check_reason(reason)?;
        check_amount(amount)?;
        let mut conn = self.pool.acquire().await?;
        let order = db::orders::find_by_partner_reference(&mut *conn, partner_reference_no)
            .await?
            .ok_or_else(|| RefundError::OrderNotFound(partner_reference_no.to_string()))?;
        let now = self.clock.now(&self.pool).await?;
        let waiting = db::approvals::waiting_for_order(&mut conn, order.id)
            .await?
            .is_some_and(|a| a.expires_at > now);
        let refundable_status = crate::orders::model::OrderStatus::parse(&order.status)
            .is_some_and(crate::orders::model::OrderStatus::refundable);
        if waiting || !refundable_status {
            return Err(RefundError::NotRefundable {
                reference: order.partner_reference_no,
                status: if waiting {
                    "waiting for approval".into()
                } else {
                    order.status
                },
            });
        }
        let reserved = refunds::reserved(&mut conn, order.id).await?;
        let left =
            Money::from_minor(order.amount_minor - reserved).map_err(|_| RefundError::BadAmount)?;
        if amount.minor() > left.minor() {
            return Err(RefundError::ExceedsRefundable {
                refundable: left.display_idr(),
            });
        }
        Ok(RefundReview {
            partner_reference_no: order.partner_reference_no,
            customer_name: order.customer_name,
            amount,
            reason,
            refundable_after: Money::from_minor(left.minor() - amount.minor())
                .map_err(|_| RefundError::BadAmount)?,
            reserved_after_minor: reserved + amount.minor(),
        })
    }
}
