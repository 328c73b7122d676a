//! Orders: the domain types shared by the server and the browser, the list query (filters,
//! sorting, keyset cursors) that lives in the URL, and, on the server, the service that reads them.

pub mod import;
pub mod model;
pub mod query;
#[cfg(feature = "ssr")]
pub mod service;
