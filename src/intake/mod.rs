//! Orders coming in: DANA's Finish Notify, the order intake API and CSV imports. Each source
//! turns what it received into [`facts::OrderFacts`] (checked on construction, naming the field
//! at fault), and one set of rules ([`merge`]) decides what that changes in the orders Cancel
//! Desk already knows; [`apply`] writes the decisions, a batch at a time.

pub mod api;
pub mod apply;
pub mod csv_import;
pub mod facts;
pub mod merge;
pub mod notify;
pub mod routes;
pub mod tokens;
pub mod upload;
