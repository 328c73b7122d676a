//! A cancel's result as the pages show it. The catalog code leads to the explanation, outcome
//! and advice in the shared response-code catalog.

use serde::{Deserialize, Serialize};

use crate::orders::model::OrderStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub number: u32,
    pub external_id: String,
    /// The catalog row: a DANA code, `TIMEOUT` or `UNEXPECTED`.
    pub catalog_code: String,
    pub http_status: Option<u16>,
    pub response_code: Option<String>,
    pub response_message: Option<String>,
    pub latency_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResultView {
    pub partner_reference_no: String,
    pub order_status: OrderStatus,
    pub attempts: Vec<AttemptView>,
}
