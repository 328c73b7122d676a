//! One module per page.

pub mod not_found;
pub mod order_detail;
pub mod orders;
