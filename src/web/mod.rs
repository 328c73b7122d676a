//! HTTP plumbing in front of the app: who the client is (behind trusted proxies), request-size
//! limits, and the security headers every response carries.

pub mod client_addr;
pub mod errors;
pub mod headers;
pub mod limits;
