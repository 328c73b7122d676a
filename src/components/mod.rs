//! Reusable pieces of the UI.

pub mod cancel_outcome;
pub mod error_panel;
pub mod http_status;
pub mod layout;
pub mod refund;
pub mod status_badge;
pub mod unknown;
