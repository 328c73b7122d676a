//! The cancel service. `machine.rs` is the state machine of one order's cancel as a table (read
//! it first); `service.rs` takes a staff member's cancel from intent to its first answer;
//! `worker.rs` works the pending queue; `staff.rs` holds what operations staff do by hand;
//! `reconcile.rs` finds out what happened to attempts whose outcome is unknown; `effects.rs` runs
//! the machine's effects (each recorded and audited before the next). `model.rs` is what the
//! pages receive.

#[cfg(feature = "ssr")]
mod effects;
#[cfg(feature = "ssr")]
pub(crate) use effects::attempt_result_row;
#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod machine;
pub mod model;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
mod reconcile;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod staff;
#[cfg(feature = "ssr")]
pub mod worker;
