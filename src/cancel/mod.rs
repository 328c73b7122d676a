//! The cancel service: the state machine of one order's cancel, from intent through every DANA
//! attempt to its settled state, each step recorded before the next and audited. The model is
//! what the pages receive.

#[cfg(feature = "ssr")]
pub mod history;
pub mod model;
#[cfg(feature = "ssr")]
pub mod service;
