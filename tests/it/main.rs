//! Integration tests, linked into one binary: every test file here links the whole app, and one
//! link instead of nine keeps the build's time and disk use down.

mod common;

mod approvals;
mod audit;
mod audit_http;
mod auth_http;
mod cancel_flow;
mod cluster;
mod copy_data;
mod dana_cli;
mod dana_sandbox;
mod dana_signing;
mod fidelity;
mod hardening;
mod import_cli;
mod import_http;
mod intake_api;
mod language_http;
mod notify_http;
mod order_search;
mod orders_http;
mod pending;
mod processes;
mod refunds;
mod upgrade;
mod users_cli;
mod users_http;
