//! The upload page's server side: `POST /orders/import/upload` stores an admin's CSV file, the
//! page's server functions check and import it ([`check`], [`import`]), and
//! `GET /orders/import/{upload}/errors.csv` lists every problem.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::csv_import::{
    ImportError, ImportRun, ImportSummary, RowIssue, error_file_header, error_file_line, preview,
};
use crate::auth::CurrentUser;
use crate::auth::role::Permission;
use crate::error::AppError;
use crate::orders::import::{
    ISSUES_SHOWN, ImportCounts, ImportView, IssueView, MAX_UPLOAD_BYTES, PREVIEW_ROWS, PreviewLine,
};
use crate::state::AppState;

/// Uploads not imported are forgotten after a day.
const KEEP_SECONDS: i64 = 24 * 3600;

async fn forbidden(state: &AppState, user: &CurrentUser, path: &str) -> Response {
    crate::auth::guard::audit_forbidden(state, user, Permission::ImportOrders, path).await;
    (
        StatusCode::FORBIDDEN,
        "Your role does not allow importing orders.",
    )
        .into_response()
}

/// `POST /orders/import/upload` (multipart, field `file`): stores the file, then shows its check.
pub async fn upload(
    State(state): State<AppState>,
    user: Option<axum::Extension<CurrentUser>>,
    mut form: Multipart,
) -> Response {
    let Some(axum::Extension(user)) = user else {
        return Redirect::to("/login?next=/orders/import").into_response();
    };
    if !user.role.can(Permission::ImportOrders) {
        return forbidden(&state, &user, "/orders/import/upload").await;
    }
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "orders.csv".into());
                let name: String = name.chars().filter(|c| !c.is_control()).take(255).collect();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(_) => {
                        return (
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "The file is over {} MiB: import it with `cancel-desk import orders FILE.csv`.",
                                MAX_UPLOAD_BYTES / (1024 * 1024)
                            ),
                        )
                            .into_response();
                    }
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    "file: the upload could not be read",
                )
                    .into_response();
            }
        }
    }
    let Some((name, bytes)) = file else {
        return (StatusCode::BAD_REQUEST, "file: choose a CSV file to upload").into_response();
    };
    let token: String = {
        let mut raw = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
        raw.iter().map(|b| format!("{b:02x}")).collect()
    };
    let stored = async {
        let mut tx = crate::db::begin_write(&state.pool).await?;
        let now = state.clock.now_on(&mut tx).await?;
        crate::db::uploads::insert(
            &mut tx,
            &token,
            &user.email,
            &name,
            &bytes,
            now,
            now.plus_seconds(-KEEP_SECONDS),
        )
        .await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => Redirect::to(&format!("/orders/import?upload={token}")).into_response(),
        Err(err) => {
            tracing::error!(%err, "could not store an upload");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be stored; try again.",
            )
                .into_response()
        }
    }
}

fn size_display(bytes: i64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

fn counts(summary: &ImportSummary) -> ImportCounts {
    ImportCounts {
        rows: summary.rows,
        created: summary.tally.created,
        updated: summary.tally.updated,
        unchanged: summary.tally.unchanged,
        rejected: summary.tally.rejected,
    }
}

async fn find(state: &AppState, upload: &str) -> Result<crate::db::uploads::UploadRow, AppError> {
    if upload.len() != 32 || !upload.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid(
            "upload",
            crate::i18n::td_string!(crate::language::current(), validation.upload.not_an_id),
        ));
    }
    crate::db::uploads::find(&state.pool, upload)
        .await
        .map_err(|err| {
            tracing::error!(%err, "could not read an upload");
            AppError::Internal
        })?
        .ok_or_else(|| {
            AppError::NotFound(
                crate::i18n::td_string!(crate::language::current(), validation.upload.gone).into(),
            )
        })
}

fn file_error(e: ImportError) -> Result<String, AppError> {
    match e {
        ImportError::Database(err) => {
            tracing::error!(%err, "import failed");
            Err(AppError::Internal)
        }
        ImportError::Audit(err) => {
            tracing::error!(%err, "import could not be audited");
            Err(AppError::Internal)
        }
        other => Ok(other.message_in(crate::language::current())),
    }
}

/// Checks (`dry_run`) or imports the upload, and describes it for the page.
async fn run(
    state: &AppState,
    actor: &str,
    upload: &str,
    dry_run: bool,
) -> Result<ImportView, AppError> {
    let row = find(state, upload).await?;
    let mut view = ImportView {
        upload: row.token.clone(),
        file_name: row.file_name.clone(),
        size_display: size_display(row.size_bytes),
        uploaded_by: row.uploaded_by.clone(),
        uploaded_at_display: crate::time::display_wib(row.created_at),
        file_error: None,
        counts: ImportCounts::default(),
        preview: Vec::new(),
        issues: Vec::new(),
        issue_count: 0,
        imported_at_display: row.imported_at.map(crate::time::display_wib),
        first_reference: None,
    };
    match preview(row.content.as_slice(), PREVIEW_ROWS) {
        Err(e) => {
            view.file_error = Some(file_error(e)?);
            return Ok(view);
        }
        Ok(lines) => {
            view.first_reference = lines
                .iter()
                .find(|l| l.issue.is_none())
                .and_then(|l| l.input.as_ref())
                .map(|i| i.partner_reference_no.clone());
            view.preview = lines
                .into_iter()
                .map(|l| {
                    let input = l.input.unwrap_or_default();
                    PreviewLine {
                        line: l.line,
                        reference: input.partner_reference_no,
                        amount: input.amount.value,
                        status: match input.status {
                            Some(crate::intake::facts::InputStatus::Unpaid) => "UNPAID".into(),
                            _ => "PAID".into(),
                        },
                        customer: input.customer_name.unwrap_or_default(),
                        time: input.paid_at.or(input.placed_at).unwrap_or_default(),
                        problem: l.issue.map(|i| format!("{}: {}", i.column, i.reason)),
                    }
                })
                .collect();
        }
    }
    if let Some(summary) = row.summary.as_deref().filter(|_| row.imported_at.is_some()) {
        // Already imported: show what the import did, never run it twice.
        if let Ok(done) = serde_json::from_str::<ImportSummary>(summary) {
            view.counts = counts(&done);
        }
        if !dry_run {
            return Err(AppError::Conflict(
                crate::i18n::td_string!(
                    crate::language::current(),
                    validation.upload.already_imported
                )
                .into(),
            ));
        }
    }
    if !dry_run {
        let mut tx = crate::db::begin_write(&state.pool)
            .await
            .map_err(internal)?;
        let now = state.clock.now_on(&mut tx).await.map_err(internal)?;
        let claimed = crate::db::uploads::claim_import(&mut tx, upload, now)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        if !claimed {
            return Err(AppError::Conflict(
                crate::i18n::td_string!(
                    crate::language::current(),
                    validation.upload.being_imported
                )
                .into(),
            ));
        }
        view.imported_at_display = Some(crate::time::display_wib(now));
    }
    let mut issues: Vec<RowIssue> = Vec::new();
    let mut issue_count = 0u64;
    let importer = ImportRun {
        pool: &state.pool,
        key: &state.audit_key,
        clock: &state.clock,
        actor,
        file_name: &row.file_name,
        dry_run: dry_run || row.imported_at.is_some(),
    };
    match importer
        .run(row.content.as_slice(), |issue| {
            issue_count += 1;
            issues.push(issue);
            // Keep the earliest lines: issues arrive nearly in line order.
            if issues.len() > 4 * ISSUES_SHOWN {
                issues.sort_by_key(|i| i.line);
                issues.truncate(ISSUES_SHOWN);
            }
        })
        .await
    {
        Ok(summary) => {
            if row.imported_at.is_none() {
                view.counts = counts(&summary);
            }
            if !dry_run {
                let text = serde_json::to_string(&summary).unwrap_or_default();
                crate::db::uploads::set_summary(&state.pool, upload, &text)
                    .await
                    .map_err(internal)?;
            }
        }
        Err(e) => view.file_error = Some(file_error(e)?),
    }
    issues.sort_by_key(|i| i.line);
    issues.truncate(ISSUES_SHOWN);
    view.issue_count = issue_count;
    view.issues = issues
        .into_iter()
        .map(|i| IssueView {
            line: i.line,
            column: i.column,
            reason: i.reason,
        })
        .collect();
    Ok(view)
}

fn internal(err: sqlx::Error) -> AppError {
    tracing::error!(%err, "import storage failed");
    AppError::Internal
}

/// The check the page shows before anyone imports: every row read and looked up, nothing written.
pub async fn check(state: &AppState, actor: &str, upload: &str) -> Result<ImportView, AppError> {
    run(state, actor, upload, true).await
}

/// The import itself, once per upload.
pub async fn import(state: &AppState, actor: &str, upload: &str) -> Result<ImportView, AppError> {
    run(state, actor, upload, false).await
}

/// `GET /orders/import/{upload}/errors.csv`: every problem of the file, by line.
pub async fn errors_csv(
    State(state): State<AppState>,
    user: Option<axum::Extension<CurrentUser>>,
    Path(upload): Path<String>,
) -> Response {
    let Some(axum::Extension(user)) = user else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    if !user.role.can(Permission::ImportOrders) {
        return forbidden(&state, &user, "/orders/import/errors.csv").await;
    }
    let row = match find(&state, &upload).await {
        Ok(row) => row,
        Err(e) => {
            return (
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::NOT_FOUND),
                e.to_string(),
            )
                .into_response();
        }
    };
    let mut issues = Vec::new();
    let importer = ImportRun {
        pool: &state.pool,
        key: &state.audit_key,
        clock: &state.clock,
        actor: &user.email,
        file_name: &row.file_name,
        dry_run: true,
    };
    let mut body = String::from(error_file_header());
    match importer
        .run(row.content.as_slice(), |issue| issues.push(issue))
        .await
    {
        Ok(_) => {}
        Err(ImportError::Database(_) | ImportError::Audit(_)) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Try again.").into_response();
        }
        Err(e) => issues.push(RowIssue {
            line: 1,
            column: String::new(),
            reason: e.to_string(),
        }),
    }
    issues.sort_by_key(|i| i.line);
    for issue in &issues {
        body.push_str(&error_file_line(issue));
    }
    let stem = row.file_name.trim_end_matches(".csv");
    let download: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{download}-errors.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}
