//! One module per page.

pub mod account;
pub mod approvals;
pub mod audit;
pub mod codes;
pub mod import;
pub mod login;
pub mod not_found;
pub mod order_detail;
pub mod orders;
pub mod pending;
pub mod pending_refunds;
pub mod users;
