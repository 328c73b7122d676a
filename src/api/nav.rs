//! What every page's frame shows: who is signed in, whether cancels go to the sandbox, and how
//! many pending cancels need a person (for roles that work the queue) and how many requests wait
//! for approval (for roles that approve).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavSummary {
    /// `None` on the sign-in page.
    pub user: Option<CurrentUser>,
    /// Cancels go to the embedded sandbox, not DANA.
    pub sandbox: bool,
    /// Open cancels needing a person; `None` for roles without the queue.
    pub attention: Option<i64>,
    /// Requests waiting for approval; `None` for roles that do not approve.
    pub approvals_waiting: Option<i64>,
}

#[cfg(feature = "ssr")]
async fn summary() -> Result<NavSummary, AppError> {
    use crate::auth::role::Permission;
    let state = super::app_state()?;
    let user = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<CurrentUser>().cloned());
    let attention = match &user {
        Some(u) if u.role.can(Permission::ViewPendingQueue) => Some(
            crate::db::cancels::queue_depth(&state.pool, state.clock.now(&state.pool).await?)
                .await
                .map_err(|e| super::with_status(e.into()))?
                .2,
        ),
        _ => None,
    };
    let approvals_waiting = match &user {
        Some(u) if u.role.can(Permission::Approve) => Some(
            state
                .approvals
                .count_waiting()
                .await
                .map_err(|e| super::with_status(e.into()))?,
        ),
        _ => None,
    };
    Ok(NavSummary {
        user,
        sandbox: state.sandbox,
        attention,
        approvals_waiting,
    })
}

/// Loaded with every page.
#[server(prefix = "/api", endpoint = "nav/summary")]
pub async fn load_nav() -> Result<NavSummary, AppError> {
    summary().await
}

/// The same, asked by an open page on a timer: it never extends the session (the guard lists
/// this path among the background ones).
#[server(prefix = "/api", endpoint = "nav/summary-poll")]
pub async fn poll_nav() -> Result<NavSummary, AppError> {
    summary().await
}
