//! Four-eyes approval: a cancel or refund at or above the threshold, and every settling by hand,
//! waits for a second person with the `Approve` permission, never the one who asked.
//! `policy.rs` says what needs approval; `grant.rs` records an approval inside the transaction of
//! what it lets happen (so the approval and the cancel's intent commit together or not at all);
//! `service.rs` takes requests and decisions; `model.rs` is what the pages receive.

#[cfg(feature = "ssr")]
pub mod grant;
pub mod model;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod service;
