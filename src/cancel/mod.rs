//! The cancel service: the state machine of one order's cancel, from intent through every DANA
//! attempt to its settled state, each step recorded before the next and audited; the pending
//! queue and its worker; and the model the pages receive.

#[cfg(feature = "ssr")]
pub mod history;
pub mod model;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod service;
