//! The CSV import page's server functions (admins): check an uploaded file, then import it.

use leptos::prelude::*;

use crate::error::AppError;
use crate::orders::import::ImportView;

/// Every row of the upload read and looked up; nothing written.
#[server(prefix = "/api", endpoint = "orders/import/check")]
pub async fn check_import(upload: String) -> Result<ImportView, AppError> {
    let (state, user) = super::require(crate::auth::role::Permission::ImportOrders).await?;
    crate::intake::upload::check(&state, &user.email, &upload)
        .await
        .map_err(super::with_status)
}

/// Imports the upload (once).
#[server(prefix = "/api", endpoint = "orders/import/run")]
pub async fn run_import(upload: String) -> Result<ImportView, AppError> {
    let (state, user) = super::require(crate::auth::role::Permission::ImportOrders).await?;
    crate::intake::upload::import(&state, &user.email, &upload)
        .await
        .map_err(super::with_status)
}
