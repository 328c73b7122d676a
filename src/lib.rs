//! Cancel Desk: cancel paid DANA orders safely.
//!
//! Shared by the server (`ssr`) and the browser (`hydrate`): the domain types, the pages and the
//! server functions. Server-only modules sit behind the `ssr` feature.

pub mod api;
pub mod app;
pub mod approval;
pub mod audit;
pub mod auth;
pub mod cancel;
pub mod components;
pub mod dana;
pub mod error;
pub mod ids;
pub mod money;
pub mod orders;
pub mod pages;
pub mod prefs;
pub mod refund;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod intake;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod observability;
#[cfg(feature = "ssr")]
pub mod sandbox;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod time;
#[cfg(feature = "ssr")]
pub mod web;
#[cfg(feature = "ssr")]
pub mod worker;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
