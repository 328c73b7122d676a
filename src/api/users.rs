//! Staff administration (`/users`): admins only, checked here in every call; each change is
//! audited by the service in the same transaction.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::role::Role;
use crate::error::AppError;

/// One account as the staff page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// Jakarta time.
    pub created: String,
    pub last_sign_in: Option<String>,
    pub open_sessions: i64,
}

/// A password made for an account, shown once to the admin who asked (never stored in clear,
/// logged or audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimePassword {
    pub email: String,
    pub password: String,
}

#[cfg(feature = "ssr")]
async fn admin() -> Result<(crate::state::AppState, crate::auth::CurrentUser), AppError> {
    super::require(crate::auth::role::Permission::ManageUsers).await
}

#[cfg(feature = "ssr")]
fn role_field(role: &str) -> Result<Role, AppError> {
    crate::auth::users::parse_role(role).map_err(|e| super::with_status(e.into()))
}

/// The answer carries a password: no cache may keep it.
#[cfg(feature = "ssr")]
fn not_stored() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_staff() -> Result<Vec<StaffMember>, AppError> {
    use crate::time::display_wib;
    let (state, _) = admin().await?;
    let rows = crate::auth::users::list(&state.pool, state.session_policy())
        .await
        .map_err(|e| super::with_status(e.into()))?;
    Ok(rows
        .into_iter()
        .map(|r| StaffMember {
            role: Role::parse(&r.role).unwrap_or(Role::Finance),
            active: r.disabled_at.is_none(),
            created: display_wib(r.created_at),
            last_sign_in: r.last_sign_in_at.map(display_wib),
            open_sessions: r.open_sessions,
            email: r.email,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "users/add")]
pub async fn add_staff(email: String, role: String) -> Result<OneTimePassword, AppError> {
    use crate::auth::users;
    let (state, me) = admin().await?;
    let role = role_field(&role)?;
    let password = users::one_time_password();
    users::add_with(
        &state.pool,
        &state.audit_key,
        &me.email,
        &email,
        role,
        &password,
        users::PasswordOrigin::OneTime,
    )
    .await
    .map_err(|e| super::with_status(e.into()))?;
    not_stored();
    Ok(OneTimePassword {
        email: users::normalise_email(&email).unwrap_or(email),
        password,
    })
}

#[server(prefix = "/api", endpoint = "users/role")]
pub async fn change_staff_role(email: String, role: String) -> Result<(), AppError> {
    let (state, me) = admin().await?;
    let role = role_field(&role)?;
    crate::auth::users::set_role(&state.pool, &state.audit_key, &me.email, &email, role)
        .await
        .map_err(|e| super::with_status(e.into()))
}

#[server(prefix = "/api", endpoint = "users/disable")]
pub async fn disable_staff(email: String) -> Result<(), AppError> {
    let (state, me) = admin().await?;
    crate::auth::users::disable(&state.pool, &state.audit_key, &me.email, &email)
        .await
        .map_err(|e| super::with_status(e.into()))
}

#[server(prefix = "/api", endpoint = "users/enable")]
pub async fn enable_staff(email: String) -> Result<(), AppError> {
    let (state, me) = admin().await?;
    crate::auth::users::enable(&state.pool, &state.audit_key, &me.email, &email)
        .await
        .map_err(|e| super::with_status(e.into()))
}

/// A new one-time password; the account's sessions end with the old one.
#[server(prefix = "/api", endpoint = "users/reset-password")]
pub async fn reset_staff_password(email: String) -> Result<OneTimePassword, AppError> {
    use crate::auth::users;
    let (state, me) = admin().await?;
    let password = users::one_time_password();
    users::reset_password_with(
        &state.pool,
        &state.audit_key,
        &me.email,
        &email,
        &password,
        users::PasswordOrigin::OneTime,
    )
    .await
    .map_err(|e| super::with_status(e.into()))?;
    not_stored();
    Ok(OneTimePassword {
        email: users::normalise_email(&email).unwrap_or(email),
        password,
    })
}

/// Signs the account out everywhere; answers how many sessions ended.
#[server(prefix = "/api", endpoint = "users/end-sessions")]
pub async fn end_staff_sessions(email: String) -> Result<u64, AppError> {
    let (state, me) = admin().await?;
    crate::auth::users::end_sessions(&state.pool, &state.audit_key, &me.email, &email)
        .await
        .map_err(|e| super::with_status(e.into()))
}
