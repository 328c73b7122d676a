//! Reusable pieces of the UI.

pub mod approval;
pub mod cancel_outcome;
#[cfg(feature = "hydrate")]
pub mod crash;
pub mod error_panel;
#[cfg(feature = "hydrate")]
pub mod form_post;
pub mod http_status;
pub mod island;
pub mod language_switch;
pub mod layout;
pub mod live_region;
#[cfg(feature = "ssr")]
pub mod preload;
pub mod queue_head;
pub mod refund;
pub mod status_badge;
pub mod theme_switch;
pub mod unknown;
