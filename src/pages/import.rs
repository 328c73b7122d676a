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
use crate::components::island::url;
use crate::components::live_region::{LiveRegion, Source};
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::import::{CSV_COLUMNS, ISSUES_SHOWN, ImportView, MAX_UPLOAD_BYTES};
use crate::orders::model::order_path;

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let upload = use_query_map().with_untracked(|q| q.get("upload").unwrap_or_default());
    let checked = Resource::new(
        move || upload.clone(),
        |upload| async move {
            if upload.is_empty() {
                None
            } else {
                Some(check_import(upload).await)
            }
        },
    );
    let nav = Resource::new(|| (), |_| load_nav());
    view! {
        <Title text=tu_string!(i18n, orders.import.page_title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, orders.import.title)}</h1>
                <p class="subtle">{tu_string!(i18n, orders.import.subtitle)}</p>
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
                            {tu_string!(i18n, orders.import.not_allowed)}
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
        <Transition fallback=move || view! { <p class="loading">{tu_string!(i18n, orders.import.checking)}</p> }>
            {move || Suspend::new(async move {
                match checked.await {
                    None => ().into_any(),
                    Some(Err(error)) => view! { <ErrorPanel error /> }.into_any(),
                    Some(Ok(view)) => {
                        let args = form_urlencoded::Serializer::new(String::new())
                            .append_pair("upload", &view.upload)
                            .finish();
                        view! {
                            <LiveRegion
                                region=REGION.to_string()
                                source={Source::of::<ImportRegion>(args)}
                                poll=Source::default()
                                every_ms=0
                                testid="import-message".to_string()
                            />
                            <div id=REGION><ImportReport view /></div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The element the checked file's report is rendered into, and again once it is imported.
const REGION: &str = "import-region";

/// The upload's report rendered again (after the import: what was written), for the page's
/// live region.
#[server(prefix = "/api", endpoint = "orders/import/region")]
pub async fn import_region(upload: String) -> Result<String, AppError> {
    let view = check_import(upload).await?;
    Ok(crate::components::live_region::render(move || {
        view! { <ImportReport view /> }
    }))
}

/// The file picker and the columns the file may have.
#[component]
fn UploadForm() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <form
                method="post"
                action="/orders/import/upload"
                enctype="multipart/form-data"
                class="upload-form"
            >
                <label class="field field-grow" for="import-file">
                    {move || {
                        t_string!(i18n, orders.import.file_label, mib = MAX_UPLOAD_BYTES / (1024 * 1024))
                            .to_string()
                    }}
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
                    {tu_string!(i18n, orders.import.check_file)}
                </button>
            </form>
            <details class="columns-help">
                <summary>{tu_string!(i18n, orders.import.which_columns)}</summary>
                <p class="subtle small">
                    {t!(i18n, orders.import.columns_intro, <code> = <code />)}
                </p>
                <table class="orders compact">
                    <thead>
                        <tr>
                            <th>{tu_string!(i18n, orders.import.columns.column)}</th>
                            <th>{tu_string!(i18n, orders.import.columns.required)}</th>
                            <th>{tu_string!(i18n, orders.import.columns.what_it_holds)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {CSV_COLUMNS
                            .iter()
                            .map(|(name, required, help)| {
                                let (name, required, help) = (*name, *required, *help);
                                view! {
                                    <tr>
                                        <td class="mono">{name}</td>
                                        <td>
                                            {move || {
                                                if required {
                                                    t_string!(i18n, orders.import.columns.yes)
                                                } else {
                                                    ""
                                                }
                                            }}
                                        </td>
                                        <td>{move || column_help(name, help, i18n.get_locale())}</td>
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

/// The help text of a column of `CSV_COLUMNS` (which holds it in English) in a language.
fn column_help(name: &str, english: &'static str, locale: Locale) -> &'static str {
    match name {
        "partner_reference_no" => {
            td_string!(locale, orders.import.columns.help.partner_reference_no)
        }
        "merchant_id" => td_string!(locale, orders.import.columns.help.merchant_id),
        "amount" => td_string!(locale, orders.import.columns.help.amount),
        "currency" => td_string!(locale, orders.import.columns.help.currency),
        "status" => td_string!(locale, orders.import.columns.help.status),
        "paid_at" => td_string!(locale, orders.import.columns.help.paid_at),
        "placed_at" => td_string!(locale, orders.import.columns.help.placed_at),
        "reference_no" => td_string!(locale, orders.import.columns.help.reference_no),
        "sub_merchant_id" => td_string!(locale, orders.import.columns.help.sub_merchant_id),
        "external_store_id" => td_string!(locale, orders.import.columns.help.external_store_id),
        "customer_name" => td_string!(locale, orders.import.columns.help.customer_name),
        "customer_phone" => td_string!(locale, orders.import.columns.help.customer_phone),
        "item_description" => td_string!(locale, orders.import.columns.help.item_description),
        _ => english,
    }
}

/// The labels of the report's count tiles, in order: rows, new, updated, unchanged, with
/// problems. Before the import they say what the import would do.
fn tile_labels(locale: Locale, imported: bool) -> [&'static str; 5] {
    [
        td_string!(locale, orders.import.tiles.rows),
        if imported {
            td_string!(locale, orders.import.tiles.new_orders)
        } else {
            td_string!(locale, orders.import.tiles.would_be_new)
        },
        if imported {
            td_string!(locale, orders.import.tiles.updated)
        } else {
            td_string!(locale, orders.import.tiles.would_update)
        },
        td_string!(locale, orders.import.tiles.unchanged),
        td_string!(locale, orders.import.tiles.with_problems),
    ]
}

#[component]
fn ImportReport(view: ImportView) -> impl IntoView {
    let i18n = use_i18n();
    let c = view.counts;
    let writes = c.created + c.updated;
    let imported = view.imported_at_display.clone();
    let is_imported = imported.is_some();
    let issue_count = view.issue_count;
    let upload = view.upload.clone();
    let errors_href = format!("/orders/import/{}/errors.csv", view.upload);
    let file_line = {
        let file = view.file_name.clone();
        let size = view.size_display.clone();
        let who = view.uploaded_by.clone();
        let when = view.uploaded_at_display.clone();
        move || {
            t_string!(
                i18n,
                orders.import.file_line,
                file = file.clone(),
                size = size.clone(),
                who = who.clone(),
                when = when.clone()
            )
            .to_string()
        }
    };
    let tiles = [
        (0usize, c.rows, "neutral"),
        (1, c.created, "success"),
        (2, c.updated, "success"),
        (3, c.unchanged, "neutral"),
        (
            4,
            c.rejected,
            if c.rejected > 0 { "failed" } else { "neutral" },
        ),
    ];
    view! {
        <section class="panel import-report" data-testid="import-report">
            <p class="subtle small" data-testid="import-file-line">{file_line}</p>
            {view.file_error.clone().map(|error| view! {
                <div class="flash flash-failed" data-testid="import-file-error">
                    <strong>{tu_string!(i18n, orders.import.file_error)}</strong>{error}
                </div>
            })}
            <div class="queue-summary">
                {tiles
                    .into_iter()
                    .map(|(index, n, tone)| view! {
                        <span class=format!("chip chip-{tone}") data-testid="import-count">
                            <span class="chip-count">{n}</span>
                            {move || tile_labels(i18n.get_locale(), is_imported)[index]}
                        </span>
                    })
                    .collect_view()}
            </div>
            {match imported {
                Some(at) => view! {
                    <div class="flash flash-success" data-testid="import-done">
                        {move || {
                            t_string!(
                                i18n,
                                orders.import.done,
                                at = at.clone(),
                                created = c.created,
                                updated = c.updated,
                                unchanged = c.unchanged,
                                rejected = c.rejected
                            )
                            .to_string()
                        }}
                        {view.first_reference.clone().map(|r| {
                            let reference = r.clone();
                            view! {
                                " "
                                <a href=order_path(&r) data-testid="import-first-order">
                                    {move || {
                                        t_string!(i18n, orders.import.open_order, reference = reference.clone())
                                            .to_string()
                                    }}
                                </a>
                            }
                        })}
                    </div>
                }.into_any(),
                None if view.file_error.is_none() => view! {
                    <form method="post" action={url::<RunImport>()} class="import-go" data-live>
                        <input type="hidden" name="upload" value=upload />
                        <button type="submit" class="button" data-testid="import-run" disabled=writes == 0 data-busy=tu_string!(i18n, orders.import.importing)>
                            {t_string!(i18n, orders.import.run, writes = writes).to_string()}
                        </button>
                        <span class="subtle small">
                            {if c.rejected > 0 {
                                t_string!(i18n, orders.import.skipped_note)
                            } else {
                                t_string!(i18n, orders.import.all_passed)
                            }}
                        </span>
                    </form>
                }.into_any(),
                None => ().into_any(),
            }}
        </section>
        {(!view.preview.is_empty()).then(|| view! {
            <section class="panel table-panel">
                <h2 class="table-title">{tu_string!(i18n, orders.import.first_rows)}</h2>
                <div
                    class="table-scroll"
                    role="region"
                    tabindex="0"
                    aria-label=tu_string!(i18n, orders.import.first_rows_label)
                >
                    <table class="orders" data-testid="import-preview">
                        <thead>
                            <tr>
                                <th class="num">{tu_string!(i18n, orders.import.table.line)}</th>
                                <th>{tu_string!(i18n, orders.table.partner_reference)}</th>
                                <th class="num">{tu_string!(i18n, orders.table.amount)}</th>
                                <th>{tu_string!(i18n, orders.table.status)}</th>
                                <th>{tu_string!(i18n, orders.table.customer)}</th>
                                <th>{tu_string!(i18n, orders.import.table.time)}</th>
                                <th>{tu_string!(i18n, orders.import.table.problem)}</th>
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
        {(issue_count > 0).then(|| view! {
            <section class="panel table-panel">
                <div class="table-title-row">
                    <h2 class="table-title">
                        {move || t_string!(i18n, orders.import.problems_title, total = issue_count).to_string()}
                    </h2>
                    <a href=errors_href class="button button-secondary" data-testid="import-errors-download" download>
                        {tu_string!(i18n, orders.import.download_problems)}
                    </a>
                </div>
                {(issue_count as usize > ISSUES_SHOWN).then(|| view! {
                    <p class="subtle small table-note">
                        {move || t_string!(i18n, orders.import.first_shown, shown = ISSUES_SHOWN).to_string()}
                    </p>
                })}
                <div
                    class="table-scroll"
                    role="region"
                    tabindex="0"
                    aria-label=tu_string!(i18n, orders.import.problems_label)
                >
                    <table class="orders" data-testid="import-issues">
                        <thead>
                            <tr>
                                <th class="num">{tu_string!(i18n, orders.import.table.line)}</th>
                                <th>{tu_string!(i18n, orders.import.table.column)}</th>
                                <th>{tu_string!(i18n, orders.import.table.reason)}</th>
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
#[island(lazy)]
fn SandboxPayment() -> impl IntoView {
    crate::components::island::enter_lazy("SandboxPayment");
    let i18n = use_i18n();
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
                    {tu_string!(i18n, orders.sandbox.simulate)}
                </button>
                <span class="subtle small">{tu_string!(i18n, orders.sandbox.note)}</span>
            </div>
            {move || pay.value().get().map(|result| match result {
                Ok(paid) => {
                    let href = order_path(&paid.partner_reference_no);
                    let reference = paid.partner_reference_no;
                    let amount = paid.amount_display;
                    // DANA's response code and message, as the notify receiver answered.
                    let answer = paid.answer;
                    view! {
                        <p class="flash flash-success sandbox-paid" data-testid="sandbox-paid">
                            {t!(
                                i18n,
                                orders.sandbox.paid,
                                reference = move || reference.clone(),
                                amount = move || amount.clone(),
                                answer = move || {
                                    let answer = answer.clone();
                                    view! { <span lang="en">{answer}</span> }
                                }
                            )}
                            " "
                            <a href=href>{tu_string!(i18n, orders.sandbox.open_the_order)}</a>
                        </p>
                    }.into_any()
                }
                Err(error) => view! { <p class="flash flash-failed">{error.message_in(crate::language::current())}</p> }.into_any(),
            })}
        </section>
    }
}
