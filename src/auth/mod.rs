//! Staff accounts and what each role may do. The role matrix is shared with the browser (to
//! show only what a user may use); every server function checks it again on the server.

#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod login;
#[cfg(feature = "ssr")]
pub mod password;
pub mod role;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod users;

/// The staff member behind a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CurrentUser {
    pub id: crate::ids::UserId,
    pub email: String,
    pub role: role::Role,
}
