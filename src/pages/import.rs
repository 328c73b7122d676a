//! `/orders/import` (admins): upload a CSV exported from the shop system, see every row it would
//! create or change and every problem (line, column, reason) before anything is written, then
//! import it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::import::{RunImport, check_import};
use crate::api::nav::load_nav;
use crate::api::sandbox::SimulatePayment;
use crate::auth::role::Permission;
use crate::components::error_panel::ErrorPanel;
use crate::orders::import::{CSV_COLUMNS, ISSUES_SHOWN, ImportView, MAX_UPLOAD_BYTES};
use crate::orders::model::order_path;

#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let upload = Memo::new(move |_| query.with(|q| q.get("upload").unwrap_or_default()));
    let checked = Resource::new(
        move || upload.get(),
        |upload| async move {
            if upload.is_empty() {
                None
            } else {
                Some(check_import(upload).await)
            }
        },
    );
    let run = ServerAction::<RunImport>::new();
    let nav = Resource::new(|| (), |_| load_nav());
    view! {
        <Title text="Import orders · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"Import orders"</h1>
                <p class="subtle">
                    "Upload a CSV file from your shop system. Every row is checked first: nothing is written until you press Import."
                </p>
            </div>
        </div>
        <Transition>
            {move || Suspend::new(async move {
                let allowed = nav
                    .await
                    .ok()
                    .and_then(|n| n.user)
                    .is_some_and(|u| u.role.can(Permission::ImportOrders));
                if allowed {
                    view! { <UploadForm /> }.into_any()
                } else {
                    view! {
                        <p class="panel notice-error" data-testid="import-not-allowed">
                            "Importing orders is for admins. Ask an admin to import your file."
                        </p>
                    }
                        .into_any()
                }
            })}
        </Transition>
        <Transition>
            {move || Suspend::new(async move {
                nav.await.ok().filter(|n| n.sandbox).map(|_| view! { <SandboxPayment /> })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Checking the file…"</p> }>
            {move || Suspend::new(async move {
                let done = run.value().get();
                match (done, checked.await) {
                    (_, None) => ().into_any(),
                    (Some(Ok(view)), _) => view! { <ImportReport view run /> }.into_any(),
                    (Some(Err(error)), _) | (None, Some(Err(error))) => {
                        view! { <ErrorPanel error /> }.into_any()
                    }
                    (None, Some(Ok(view))) => view! { <ImportReport view run /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The file picker and the columns the file may have.
#[component]
fn UploadForm() -> impl IntoView {
    view! {
        <section class="panel">
            <form
                method="post"
                action="/orders/import/upload"
                enctype="multipart/form-data"
                class="upload-form"
            >
                <label class="field field-grow" for="import-file">
                    {format!("CSV file (UTF-8, up to {} MiB)", MAX_UPLOAD_BYTES / (1024 * 1024))}
                    <input
                        id="import-file"
                        type="file"
                        name="file"
                        accept=".csv,text/csv"
                        required
                        data-testid="import-file"
                    />
                </label>
                <button type="submit" class="button" data-testid="import-check">
                    "Check file"
                </button>
            </form>
            <details class="columns-help">
                <summary>"Which columns?"</summary>
                <p class="subtle small">
                    "The first line names the columns, in any order. Required: partner_reference_no, merchant_id, amount. Empty cells leave what Cancel Desk already knows unchanged. Larger files: "
                    <code>"cancel-desk import orders FILE.csv"</code> "."
                </p>
                <table class="orders compact">
                    <thead>
                        <tr>
                            <th>"Column"</th>
                            <th>"Required"</th>
                            <th>"What it holds"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {CSV_COLUMNS
                            .iter()
                            .map(|(name, required, help)| {
                                view! {
                                    <tr>
                                        <td class="mono">{*name}</td>
                                        <td>{if *required { "yes" } else { "" }}</td>
                                        <td>{*help}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

#[component]
fn ImportReport(view: ImportView, run: ServerAction<RunImport>) -> impl IntoView {
    let c = view.counts;
    let writes = c.created + c.updated;
    let imported = view.imported_at_display.clone();
    let upload = view.upload.clone();
    let errors_href = format!("/orders/import/{}/errors.csv", view.upload);
    let file_line = format!(
        "{} · {} · uploaded by {} on {}",
        view.file_name, view.size_display, view.uploaded_by, view.uploaded_at_display
    );
    let tiles = [
        ("Rows", c.rows, "neutral"),
        (
            if imported.is_some() {
                "New orders"
            } else {
                "Would be new"
            },
            c.created,
            "success",
        ),
        (
            if imported.is_some() {
                "Updated"
            } else {
                "Would update"
            },
            c.updated,
            "success",
        ),
        ("Unchanged", c.unchanged, "neutral"),
        (
            "With problems",
            c.rejected,
            if c.rejected > 0 { "failed" } else { "neutral" },
        ),
    ];
    view! {
        <section class="panel import-report" data-testid="import-report">
            <p class="subtle small" data-testid="import-file-line">{file_line}</p>
            {view.file_error.clone().map(|error| view! {
                <div class="flash flash-failed" data-testid="import-file-error">
                    <strong>"This file cannot be imported. "</strong>{error}
                </div>
            })}
            <div class="queue-summary">
                {tiles
                    .into_iter()
                    .map(|(label, n, tone)| view! {
                        <span class=format!("chip chip-{tone}") data-testid="import-count">
                            <span class="chip-count">{n}</span>
                            {label}
                        </span>
                    })
                    .collect_view()}
            </div>
            {match imported {
                Some(at) => view! {
                    <div class="flash flash-success" data-testid="import-done">
                        {format!("Imported on {at}: {} new, {} updated, {} unchanged, {} skipped with problems.", c.created, c.updated, c.unchanged, c.rejected)}
                        {view.first_reference.clone().map(|r| view! {
                            " " <a href=order_path(&r) data-testid="import-first-order">{format!("Open order {r}")}</a>
                        })}
                    </div>
                }.into_any(),
                None if view.file_error.is_none() => view! {
                    <div class="import-go">
                        <button
                            class="button"
                            data-testid="import-run"
                            disabled=move || writes == 0 || run.pending().get()
                            on:click=move |_| {
                                run.dispatch(RunImport { upload: upload.clone() });
                            }
                        >
                            {move || if run.pending().get() {
                                "Importing…".to_string()
                            } else {
                                format!("Import {writes} orders")
                            }}
                        </button>
                        <span class="subtle small">
                            {if c.rejected > 0 {
                                "Rows with problems are skipped: fix them in the file and upload it again."
                            } else {
                                "Every row passed the check."
                            }}
                        </span>
                    </div>
                }.into_any(),
                None => ().into_any(),
            }}
        </section>
        {(!view.preview.is_empty()).then(|| view! {
            <section class="panel table-panel">
                <h2 class="table-title">"First rows"</h2>
                <div class="table-scroll" role="region" tabindex="0" aria-label="First rows of the file">
                    <table class="orders" data-testid="import-preview">
                        <thead>
                            <tr>
                                <th class="num">"Line"</th>
                                <th>"Partner reference"</th>
                                <th class="num">"Amount"</th>
                                <th>"Status"</th>
                                <th>"Customer"</th>
                                <th>"Paid / placed at"</th>
                                <th>"Problem"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {view.preview.iter().map(|line| view! {
                                <tr class:row-problem=line.problem.is_some()>
                                    <td class="num">{line.line}</td>
                                    <td class="mono">{line.reference.clone()}</td>
                                    <td class="num mono">{line.amount.clone()}</td>
                                    <td>{line.status.clone()}</td>
                                    <td>{line.customer.clone()}</td>
                                    <td class="small nowrap">{line.time.clone()}</td>
                                    <td class="problem">{line.problem.clone().unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
        {(view.issue_count > 0).then(|| view! {
            <section class="panel table-panel">
                <div class="table-title-row">
                    <h2 class="table-title">{format!("Problems ({})", view.issue_count)}</h2>
                    <a href=errors_href class="button button-secondary" data-testid="import-errors-download" download>
                        "Download all problems (CSV)"
                    </a>
                </div>
                {(view.issue_count as usize > ISSUES_SHOWN).then(|| view! {
                    <p class="subtle small table-note">{format!("The first {ISSUES_SHOWN} are shown; the file has all of them.")}</p>
                })}
                <div class="table-scroll" role="region" tabindex="0" aria-label="Problems found in the file">
                    <table class="orders" data-testid="import-issues">
                        <thead>
                            <tr>
                                <th class="num">"Line"</th>
                                <th>"Column"</th>
                                <th>"Reason"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {view.issues.iter().map(|i| view! {
                                <tr>
                                    <td class="num">{i.line}</td>
                                    <td class="mono">{i.column.clone()}</td>
                                    <td>{i.reason.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
    }
}

/// Sandbox mode: the sandbox DANA takes a payment for a new demo order and sends this server a
/// signed Finish Notify, as DANA would; the order appears in the list.
#[component]
fn SandboxPayment() -> impl IntoView {
    let pay = ServerAction::<SimulatePayment>::new();
    view! {
        <section class="panel sandbox-pay" data-testid="sandbox-pay">
            <div class="import-go">
                <button
                    class="button button-secondary"
                    data-testid="sandbox-pay-button"
                    disabled=move || pay.pending().get()
                    on:click=move |_| {
                        pay.dispatch(SimulatePayment {});
                    }
                >
                    "Simulate a DANA payment"
                </button>
                <span class="subtle small">
                    "Sandbox: DANA takes a payment for a new order and notifies Cancel Desk (signed Finish Notify), as it will in production."
                </span>
            </div>
            {move || pay.value().get().map(|result| match result {
                Ok(paid) => view! {
                    <p class="flash flash-success sandbox-paid" data-testid="sandbox-paid">
                        {format!("DANA notified the payment of {} ({}); Cancel Desk answered {}. ", paid.partner_reference_no, paid.amount_display, paid.answer)}
                        <a href=order_path(&paid.partner_reference_no)>"Open the order"</a>
                    </p>
                }.into_any(),
                Err(error) => view! { <p class="flash flash-failed">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
