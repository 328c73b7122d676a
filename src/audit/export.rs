//! `GET /audit/export.csv?<filters>`: the filtered audit log as a streamed CSV download
//! (supervisors and admins; the export itself is audited).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::query::AuditParams;
use crate::auth::CurrentUser;
use crate::auth::role::Permission;
use crate::state::AppState;

pub async fn export_csv(
    State(state): State<AppState>,
    user: Option<axum::Extension<CurrentUser>>,
    Query(params): Query<AuditParams>,
) -> Response {
    let Some(axum::Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    let allowed = user.role.can(Permission::ExportAuditLog);
    // A bad filter is refused before anything is written: the trail records only filters that
    // passed validation (every field bounded), never whatever a request carried.
    let filter = if allowed {
        match params.validate() {
            Ok(filter) => Some(filter),
            Err(err) => return (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
        }
    } else {
        None
    };
    let event = super::NewEvent {
        actor: user.email.clone(),
        action: if allowed {
            "audit.exported"
        } else {
            "access.forbidden"
        },
        outcome: if allowed {
            super::Outcome::Success
        } else {
            super::Outcome::Forbidden
        },
        order_ref: None,
        response_code: None,
        details: if allowed {
            serde_json::json!({"filter": params.to_query_string(None), "path": "/audit/export.csv"})
        } else {
            serde_json::json!({"role": user.role.as_str(), "path": "/audit/export.csv"})
        },
    };
    if let Err(err) = super::append(&state.pool, &state.audit_key, &event).await {
        tracing::error!(%err, "could not audit an export");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong; please try again.",
        )
            .into_response();
    }
    let Some(filter) = filter else {
        return (
            StatusCode::FORBIDDEN,
            "Your role does not allow exporting the audit log.",
        )
            .into_response();
    };
    let lines = super::stream_all(state.pool.clone(), filter).map(|row| {
        row.map(|r| super::csv::line(&r)).map_err(|err| {
            tracing::error!(%err, "audit export stopped");
            std::io::Error::other("database error")
        })
    });
    let body = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(super::csv::HEADER.to_string())
    })
    .chain(lines);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cancel-desk-audit.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
