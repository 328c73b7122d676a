//! The tamper-evident audit trail. Every event is one row of `audit_events` whose hash covers its
//! own content and the previous row's hash; triggers refuse UPDATE and DELETE, and [`verify`]
//! walks the chain to find the first row that no longer matches. Nothing secret is ever written.

#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod export;
pub mod query;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub use store::*;
