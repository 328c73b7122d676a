//! A cancel's history as the pages show it. Each attempt's catalog code leads to the
//! explanation, outcome and advice in the shared response-code catalog.

use serde::{Deserialize, Serialize};

use crate::dana::catalog::{self, CatalogEntry};
use crate::orders::model::OrderStatus;

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
    pub id: i64,
    pub actor: String,
    pub reason: String,
    /// IN_FLIGHT, PENDING, SUCCEEDED or FAILED
    pub state: String,
    pub requested_at_display: String,
    pub attempts: Vec<AttemptView>,
    /// While pending: when Cancel Desk tries again (WIB).
    pub next_attempt_display: Option<String>,
    /// While pending: why a person must look (retrying has stopped).
    pub attention: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResultView {
    pub order_status: OrderStatus,
    pub request: CancelRequestView,
}
