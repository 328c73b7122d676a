use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::audit::query::{AuditPage, AuditParams};
use crate::error::AppError;

/// One page of the audit log (supervisors and admins).
#[server(prefix = "/api", endpoint = "audit/list", input = Json)]
pub async fn audit_events(params: AuditParams) -> Result<AuditPage, AppError> {
    use crate::audit::query::{AUDIT_PAGE_SIZE, AuditEventView};
    let (state, _) = super::require(crate::auth::role::Permission::ViewAuditLog).await?;
    let filter = params.validate()?;
    let (rows, more) = crate::audit::list_page(&state.pool, &filter, AUDIT_PAGE_SIZE).await?;
    let (has_older, has_newer) = if filter.after.is_some() {
        (true, more)
    } else {
        (more, filter.before.is_some())
    };
    let older = has_older.then(|| rows.last().map(|r| r.id)).flatten();
    let newer = has_newer.then(|| rows.first().map(|r| r.id)).flatten();
    let events = rows
        .into_iter()
        .map(|r| AuditEventView {
            id: r.id,
            occurred_at_display: crate::time::display_wib_seconds(r.occurred_at),
            details: serde_json::from_str::<serde_json::Value>(&r.details)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(r.details),
            actor: r.actor,
            action: r.action,
            outcome: r.outcome,
            order_ref: r.order_ref,
            response_code: r.response_code,
        })
        .collect();
    Ok(AuditPage {
        events,
        older,
        newer,
    })
}
