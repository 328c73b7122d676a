//! Staff accounts and what each role may do. The role matrix is shared with the browser (to
//! show only what a user may use); every server function checks it again on the server.

#[cfg(feature = "ssr")]
pub mod password;
pub mod role;
#[cfg(feature = "ssr")]
pub mod users;
