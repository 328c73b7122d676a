//! A cancel's history as the pages show it. Each attempt's catalog code leads to the
//! explanation, outcome and advice in the shared response-code catalog.

use crate::ids::CancelRequestId;
use serde::{Deserialize, Serialize};

use crate::dana::catalog::{self, CatalogEntry};
use crate::dana::words::{AnswerWords, StatusWords};
use crate::orders::model::OrderStatus;

/// The most characters a reason may have (DANA's `reason` field; a refund's too). The forms
/// say it as their `maxlength`.
pub const MAX_REASON_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub number: u32,
    pub external_id: String,
    /// The catalog row (a DANA code, `TIMEOUT` or `UNEXPECTED`); `None` while in flight.
    pub catalog_code: Option<String>,
    pub http_status: Option<u16>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub latency_ms: Option<u64>,
    pub sent_at_display: String,
}

impl AttemptView {
    pub fn entry(&self) -> Option<&'static CatalogEntry> {
        self.catalog_code.as_deref().and_then(catalog::lookup)
    }
}

/// One cancel of an order: who asked, why, and every attempt at DANA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequestView {
    pub id: CancelRequestId,
    pub actor: String,
    pub reason: String,
    pub state: RequestState,
    pub requested_at_display: String,
    pub attempts: Vec<AttemptView>,
    /// While pending: when Cancel Desk tries again (WIB).
    pub next_attempt_display: Option<String>,
    /// While pending: why a person must look (retrying has stopped).
    pub attention: Option<crate::language::Worded>,
    /// DANA's latest transaction status from Query Payment (00, 01, 02, 05, 07).
    pub last_status: Option<String>,
    /// Settled by hand: who, and their note.
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
}

impl CancelRequestView {
    /// The catalog row of the latest finished attempt.
    pub fn entry(&self) -> Option<&'static CatalogEntry> {
        self.attempts.iter().rev().find_map(AttemptView::entry)
    }
}

/// Where a cancel request stands, stored as text in `cancel_requests.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestState {
    /// An attempt is being sent (or was, by a server that died: the worker reconciles it).
    InFlight,
    /// Waiting for its next attempt or status check, or for a person.
    Pending,
    /// DANA refused with a "retry periodically" code: the order is still paid, and the same
    /// request is sent again on the slower periodic schedule until DANA cancels it, the cap is
    /// reached or a person stops it.
    Retrying,
    /// DANA cancelled the order.
    Succeeded,
    /// DANA refused; the order is still paid.
    Failed,
}

impl RequestState {
    pub const ALL: [RequestState; 5] = [
        RequestState::InFlight,
        RequestState::Pending,
        RequestState::Retrying,
        RequestState::Succeeded,
        RequestState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::InFlight => "IN_FLIGHT",
            RequestState::Pending => "PENDING",
            RequestState::Retrying => "RETRYING",
            RequestState::Succeeded => "SUCCEEDED",
            RequestState::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still to be settled: the queue's business.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestState::InFlight | RequestState::Pending | RequestState::Retrying
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResultView {
    pub order_status: OrderStatus,
    pub request: CancelRequestView,
}

/// Where a pending cancel stands in the operations queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueState {
    /// Due later; the worker will retry it.
    Waiting,
    /// A server holds it right now (an attempt or a status check in flight).
    Retrying,
    /// Retrying stopped: a person must check, retry or resolve it.
    NeedsAttention,
    /// DANA refused with a "retry periodically" code: the order is still paid and the cancel is
    /// sent again on the periodic schedule until DANA cancels it or a person stops it.
    Periodic,
}

impl QueueState {
    pub const ALL: [QueueState; 4] = [
        QueueState::NeedsAttention,
        QueueState::Retrying,
        QueueState::Waiting,
        QueueState::Periodic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueState::Waiting => "waiting",
            QueueState::Retrying => "retrying",
            QueueState::NeedsAttention => "needs_attention",
            QueueState::Periodic => "periodic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        self.label_in(crate::i18n::Locale::en)
    }

    pub fn label_in(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            QueueState::Waiting => td_string!(locale, labels.queue_state.waiting),
            QueueState::Retrying => td_string!(locale, labels.queue_state.retrying),
            QueueState::NeedsAttention => td_string!(locale, labels.queue_state.needs_attention),
            QueueState::Periodic => td_string!(locale, labels.queue_state.periodic),
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            QueueState::Waiting => "neutral",
            QueueState::Retrying => "pending",
            QueueState::NeedsAttention => "failed",
            QueueState::Periodic => "pending",
        }
    }
}

/// One open cancel as the operations page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCancelView {
    pub id: CancelRequestId,
    pub partner_reference_no: String,
    pub customer_name: Option<String>,
    pub amount_display: String,
    pub requested_by: String,
    pub reason: String,
    pub requested_at_display: String,
    pub age_display: String,
    pub attempts: i64,
    /// The catalog row of the last attempt.
    pub last_code: Option<String>,
    /// DANA's latest transaction status from Query Payment, if asked.
    pub last_status: Option<String>,
    /// `last_code` in words, in the reader's language.
    #[serde(default)]
    pub answer: Option<AnswerWords>,
    /// `last_status` in words, in the reader's language.
    #[serde(default)]
    pub status: Option<StatusWords>,
    pub state: QueueState,
    /// Why a person must look (retrying stopped).
    pub attention: Option<crate::language::Worded>,
    pub next_attempt_display: Option<String>,
    /// A settling by hand asked for and waiting for a second person, in words.
    #[serde(default)]
    pub approval: Option<String>,
}

impl PendingCancelView {
    pub fn entry(&self) -> Option<&'static CatalogEntry> {
        self.last_code.as_deref().and_then(catalog::lookup)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    pub needs_attention: i64,
    pub retrying: i64,
    pub waiting: i64,
    pub periodic: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingQueue {
    pub items: Vec<PendingCancelView>,
    /// Over the whole queue, whatever the filters.
    pub counts: QueueCounts,
    pub as_of_display: String,
}

/// What an operations action did, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueActionResult {
    pub reference: String,
    pub message: String,
    /// success, pending or failed
    pub tone: String,
}

#[cfg(test)]
mod request_state_tests {
    use super::RequestState;

    #[test]
    fn states_round_trip_through_their_stored_text() {
        for state in RequestState::ALL {
            assert_eq!(RequestState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RequestState::parse("DONE"), None);
        let open: Vec<_> = RequestState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            [
                RequestState::InFlight,
                RequestState::Pending,
                RequestState::Retrying
            ]
        );
    }
}
