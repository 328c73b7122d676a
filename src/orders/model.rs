//! What an order is to Cancel Desk, in the shapes the pages receive.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Where an order stands in its cancel life cycle. Stored as the upper-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Sent by the merchant's system before DANA took the payment: nothing to cancel yet.
    Unpaid,
    /// DANA closed it unpaid (Finish Notify status 05): nothing to cancel, ever.
    Closed,
    /// Paid and not (yet) cancelled: the only state a cancel may start from.
    Paid,
    /// A cancel intent is recorded and DANA is being asked.
    Cancelling,
    /// DANA has not settled the cancel yet (in progress, rate limited, server error, time-out).
    CancelPending,
    /// DANA refused with a "retry periodically" code: still paid, and Cancel Desk sends the
    /// same cancel again on the periodic schedule (not cancellable again meanwhile).
    CancelRetrying,
    /// DANA confirmed the cancel.
    Cancelled,
    /// DANA refused the cancel; the order is still paid.
    CancelFailed,
    /// DANA refunded part of the payment; the rest may still be refunded.
    PartiallyRefunded,
    /// DANA refunded the whole payment.
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Unpaid,
        OrderStatus::Closed,
        OrderStatus::Paid,
        OrderStatus::Cancelling,
        OrderStatus::CancelPending,
        OrderStatus::CancelRetrying,
        OrderStatus::Cancelled,
        OrderStatus::CancelFailed,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
    ];

    /// The stored and URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "UNPAID",
            OrderStatus::Closed => "CLOSED",
            OrderStatus::Paid => "PAID",
            OrderStatus::Cancelling => "CANCELLING",
            OrderStatus::CancelPending => "CANCEL_PENDING",
            OrderStatus::CancelRetrying => "CANCEL_RETRYING",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::CancelFailed => "CANCEL_FAILED",
            OrderStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// What staff read on a badge, in English.
    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    /// What staff read on a badge, in `locale`.
    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            OrderStatus::Unpaid => td_string!(locale, labels.order_status.unpaid),
            OrderStatus::Closed => td_string!(locale, labels.order_status.closed),
            OrderStatus::Paid => td_string!(locale, labels.order_status.paid),
            OrderStatus::Cancelling => td_string!(locale, labels.order_status.cancelling),
            OrderStatus::CancelPending => td_string!(locale, labels.order_status.cancel_pending),
            OrderStatus::CancelRetrying => td_string!(locale, labels.order_status.cancel_retrying),
            OrderStatus::Cancelled => td_string!(locale, labels.order_status.cancelled),
            OrderStatus::CancelFailed => td_string!(locale, labels.order_status.cancel_failed),
            OrderStatus::PartiallyRefunded => {
                td_string!(locale, labels.order_status.partially_refunded)
            }
            OrderStatus::Refunded => td_string!(locale, labels.order_status.refunded),
        }
    }

    /// Unpaid or closed unpaid: its time is when it was placed, and there is nothing to cancel.
    pub fn never_paid(self) -> bool {
        matches!(self, OrderStatus::Unpaid | OrderStatus::Closed)
    }

    /// A refund may start from here (when something remains refundable).
    pub fn refundable(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::CancelFailed | OrderStatus::PartiallyRefunded
        )
    }

    /// CSS modifier for the status badge.
    pub fn tone(self) -> &'static str {
        match self {
            OrderStatus::Unpaid | OrderStatus::Closed => "muted",
            OrderStatus::Paid => "neutral",
            OrderStatus::Cancelling | OrderStatus::CancelPending | OrderStatus::CancelRetrying => {
                "pending"
            }
            OrderStatus::Cancelled | OrderStatus::Refunded => "success",
            OrderStatus::CancelFailed => "failed",
            OrderStatus::PartiallyRefunded => "neutral",
        }
    }
}

/// Where an order's data came from: stored as text in `orders.source` and `orders.last_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderSource {
    /// DANA's Finish Notify.
    Notify,
    /// The order intake API.
    Api,
    /// A CSV import.
    Import,
    /// Demo data (`cancel-desk seed`).
    Seed,
}

impl OrderSource {
    pub const ALL: [OrderSource; 4] = [
        OrderSource::Notify,
        OrderSource::Api,
        OrderSource::Import,
        OrderSource::Seed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderSource::Notify => "notify",
            OrderSource::Api => "api",
            OrderSource::Import => "import",
            OrderSource::Seed => "seed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            OrderSource::Notify => td_string!(locale, labels.order_source.notify),
            OrderSource::Api => td_string!(locale, labels.order_source.api),
            OrderSource::Import => td_string!(locale, labels.order_source.import),
            OrderSource::Seed => td_string!(locale, labels.order_source.seed),
        }
    }
}

/// One row of the orders table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    /// `None` until the merchant's system sends it (an order known only from DANA's notification).
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub item_description: Option<String>,
    pub amount: Money,
    pub currency: String,
    pub status: OrderStatus,
    /// Paid-at time as staff read it, in Jakarta time (`24 Nov 2026, 14:05 WIB`).
    pub paid_at_display: String,
}

/// Everything known about one order, for its detail page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub partner_reference_no: String,
    pub reference_no: Option<String>,
    pub merchant_id: String,
    pub sub_merchant_id: Option<String>,
    pub external_store_id: Option<String>,
    /// `None` until the merchant's system sends it (an order known only from DANA's notification).
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub item_description: Option<String>,
    pub amount: Money,
    pub currency: String,
    pub status: OrderStatus,
    pub paid_at_display: String,
    pub created_at_display: String,
    pub updated_at_display: String,
    /// Where the order first came from.
    pub source: OrderSource,
    /// Which source last wrote its data, and when (WIB).
    pub last_source: OrderSource,
    pub last_source_at_display: String,
}

/// One page of the orders list, with the cursors of its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    /// Cursor for the next page (`after=`), if there is one.
    pub next: Option<String>,
    /// Cursor for the previous page (`before=`), if there is one.
    pub prev: Option<String>,
}

/// Formats an amount for staff; only IDR is issued by DANA, anything else is shown plainly.
pub fn display_amount(amount: Money, currency: &str) -> String {
    if currency == crate::money::IDR {
        amount.display_idr()
    } else {
        format!("{} {}", currency, amount.to_wire())
    }
}

/// The detail page's path for an order; the reference is percent-encoded as one path segment.
pub fn order_path(partner_reference_no: &str) -> String {
    let mut path = String::from("/orders/");
    for byte in partner_reference_no.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            path.push(byte as char);
        } else {
            path.push_str(&format!("%{byte:02X}"));
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_path_encodes_one_segment() {
        assert_eq!(
            order_path("2026112400000000000001"),
            "/orders/2026112400000000000001"
        );
        assert_eq!(order_path("INV/2026 01"), "/orders/INV%2F2026%2001");
    }

    #[test]
    fn sources_round_trip_through_their_stored_text() {
        for source in OrderSource::ALL {
            assert_eq!(OrderSource::parse(source.as_str()), Some(source));
            assert!(!source.label().is_empty());
        }
        assert_eq!(OrderSource::parse("csv"), None);
    }

    #[test]
    fn status_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("paid"), None);
    }
}
