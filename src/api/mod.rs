//! Server functions: the only way views reach data. Each is thin: it checks who may call it
//! (from the auth issue on) and hands over to a service.

pub mod orders;

#[cfg(feature = "ssr")]
pub(crate) fn app_state() -> Result<crate::server::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::server::AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the server function context");
        crate::error::AppError::Internal
    })
}
