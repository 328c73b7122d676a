//! The tamper-evident audit trail. Every event is one row of `audit_events` whose hash, an
//! HMAC-SHA256 keyed with a secret kept outside the database ([`key`]), covers its own content and
//! the previous row's hash; triggers refuse UPDATE and DELETE, [`verify`] walks the chain to find
//! the first row that no longer matches, and signed [`checkpoint`]s kept outside the database
//! remember its head. Nothing secret is ever written.

#[cfg(feature = "ssr")]
pub mod checkpoint;
#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod details;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod key;
pub mod query;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub use store::*;
