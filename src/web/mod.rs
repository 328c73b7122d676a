//! HTTP plumbing in front of the app: who the client is (behind trusted proxies), request-size
//! limits, the security headers every response carries, and the fallback that serves the bundle's
//! files.

pub mod client_addr;
pub mod errors;
pub mod headers;
pub mod limits;
pub mod static_files;
