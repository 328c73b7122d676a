//! Refunds through DANA's Refund Order. `machine.rs` is a refund's life as a table; `service.rs`
//! takes a staff member's refund from intent (its amount reserved on the order, so refunds never
//! add up to more than was paid) to DANA's first answer and runs the machine's effects;
//! `worker.rs` resends pending refunds; `review.rs` checks one for the confirm step without
//! making it; `history.rs` builds what the order page shows; `model.rs` is what the pages
//! receive.

#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod machine;
pub mod model;
#[cfg(feature = "ssr")]
pub mod review;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod worker;
