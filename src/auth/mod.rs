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

/// The shortest password anyone may choose (the browser shows it; `password.rs` enforces it).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The staff member behind a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CurrentUser {
    pub id: crate::ids::UserId,
    pub email: String,
    pub role: role::Role,
    /// Signed in with a one-time password an admin made: nothing but choosing their own
    /// password is allowed until they do.
    #[serde(default)]
    pub must_change_password: bool,
}
