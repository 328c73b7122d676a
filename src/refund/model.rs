//! A refund as the pages show it, and where a refund stands. Each attempt's code leads to the
//! explanation and advice in the refund catalog.

use serde::{Deserialize, Serialize};

use crate::dana::catalog::{self, CatalogEntry};
use crate::ids::RefundId;

/// Where a refund stands, stored as text in `refunds.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefundState {
    /// An attempt is being sent (or was, by a server that stopped: the worker sends it again).
    InFlight,
    /// Waiting for its next attempt, or for a person.
    Pending,
    /// DANA refunded.
    Succeeded,
    /// DANA refused, or a person confirmed it was not made: nothing was refunded.
    Failed,
}

impl RefundState {
    pub const ALL: [RefundState; 4] = [
        RefundState::InFlight,
        RefundState::Pending,
        RefundState::Succeeded,
        RefundState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::InFlight => "IN_FLIGHT",
            RefundState::Pending => "PENDING",
            RefundState::Succeeded => "SUCCEEDED",
            RefundState::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        matches!(self, RefundState::InFlight | RefundState::Pending)
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            RefundState::InFlight => td_string!(locale, labels.refund_state.in_flight),
            RefundState::Pending => td_string!(locale, labels.refund_state.pending),
            RefundState::Succeeded => td_string!(locale, labels.refund_state.succeeded),
            RefundState::Failed => td_string!(locale, labels.refund_state.failed),
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            RefundState::InFlight | RefundState::Pending => "pending",
            RefundState::Succeeded => "success",
            RefundState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAttemptView {
    pub number: u32,
    pub external_id: String,
    /// The refund catalog row; `None` while in flight.
    pub catalog_code: Option<String>,
    pub http_status: Option<u16>,
    pub response_message: Option<String>,
    pub latency_ms: Option<u64>,
    pub sent_at_display: String,
}

impl RefundAttemptView {
    pub fn entry(&self) -> Option<&'static CatalogEntry> {
        self.catalog_code
            .as_deref()
            .and_then(catalog::lookup_refund)
    }
}

/// One refund of an order: who asked, how much, why, DANA's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundView {
    pub id: RefundId,
    pub partner_refund_no: String,
    pub actor: String,
    pub reason: String,
    pub amount_display: String,
    pub state: RefundState,
    pub requested_at_display: String,
    pub attempts: Vec<RefundAttemptView>,
    pub next_attempt_display: Option<String>,
    pub attention: Option<crate::language::Worded>,
    /// DANA's refundNo and refundTime, once refunded.
    pub refund_no: Option<String>,
    pub refund_time: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
}

impl RefundView {
    /// The refund catalog row of the latest finished attempt.
    pub fn entry(&self) -> Option<&'static CatalogEntry> {
        self.attempts
            .iter()
            .rev()
            .find_map(RefundAttemptView::entry)
    }
}

/// What an order's refunds add up to, in minor units and as staff read them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundTotals {
    pub paid_minor: i64,
    /// DANA refunded this much.
    pub refunded_minor: i64,
    /// Refunds still open hold this much.
    pub pending_minor: i64,
    /// What may still be refunded: paid, less refunded and pending.
    pub refundable_minor: i64,
    pub refunded_display: String,
    pub pending_display: String,
    pub refundable_display: String,
}
