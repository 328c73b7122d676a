//! DANA's SNAP APIs: Cancel Order, Query Payment, Refund Order, and the Finish Notify DANA sends us. The
//! catalog is plain data (pages get its rows in words, `words`); everything else (signing, key handling, the
//! HTTP client, notifications) is server-only and knows no storage or screen.

pub mod catalog;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod notify;
#[cfg(feature = "ssr")]
pub mod refund;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod types;
pub mod words;
