//! `/audit`: who did what, when, why, and what DANA answered. Every filter is in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::audit_events;
use crate::audit::query::{AuditPage, AuditParams, OUTCOMES};
use crate::components::error_panel::ErrorPanel;
use crate::dana::catalog;
use crate::orders::model::order_path;

const ACTIONS: [&str; 33] = [
    "cancel.intent",
    "dana.attempt",
    "cancel.pending",
    "dana.status_check",
    "cancel.settled",
    "cancel.resolved",
    "cancel.stopped",
    "refund.intent",
    "dana.refund_attempt",
    "refund.pending",
    "refund.settled",
    "refund.resolved",
    "approval.requested",
    "approval.approved",
    "approval.rejected",
    "approval.expired",
    "login.succeeded",
    "login.failed",
    "logout",
    "access.forbidden",
    "audit.exported",
    "user.created",
    "user.role_changed",
    "user.disabled",
    "user.enabled",
    "user.password_reset",
    "user.password_changed",
    "order.notified",
    "orders.received",
    "orders.import_started",
    "orders.imported",
    "token.created",
    "token.revoked",
];

fn outcome_tone(outcome: &str) -> &'static str {
    match outcome {
        "success" => "success",
        "pending" => "pending",
        "failure" | "forbidden" => "failed",
        _ => "neutral",
    }
}

fn audit_href(params: &AuditParams, page: Option<(&str, &str)>) -> String {
    let q = params.to_query_string(page);
    if q.is_empty() {
        "/audit".into()
    } else {
        format!("/audit?{q}")
    }
}

#[component]
pub fn AuditPageView() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(|q| AuditParams::from_lookup(|k| q.get(k))));
    let page = Resource::new(move || params.get(), audit_events);
    let value = move |f: fn(&AuditParams) -> &Option<String>| {
        params.with(|p| f(p).clone().unwrap_or_default())
    };
    view! {
        <Title text="Audit log · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"Audit log"</h1>
                <p class="subtle">"Every sign-in, cancel, DANA answer and account change, in a chain nobody can quietly edit."</p>
            </div>
            <a class="button button-secondary" data-testid="export-csv" rel="external" download="cancel-desk-audit.csv" href=move || format!("/audit/export.csv?{}", params.with(|p| p.to_query_string(None)))>
                "Download CSV"
            </a>
        </div>
        <form class="filters panel" method="get" action="/audit">
            <label class="field">
                <span>"Staff e-mail"</span>
                <input type="text" name="actor" value=move || value(|p| &p.actor) />
            </label>
            <label class="field">
                <span>"Order reference"</span>
                <input type="text" name="order" value=move || value(|p| &p.order) />
            </label>
            <label class="field">
                <span>"Action"</span>
                <select name="action">
                    <option value="">"All actions"</option>
                    {ACTIONS.into_iter().map(|a| view! { <option value=a selected=move || value(|p| &p.action) == a>{a}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"Outcome"</span>
                <select name="outcome">
                    <option value="">"All outcomes"</option>
                    {OUTCOMES.into_iter().map(|o| view! { <option value=o selected=move || value(|p| &p.outcome) == o>{o}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"Response code"</span>
                <input type="text" name="code" size="9" value=move || value(|p| &p.code) />
            </label>
            <label class="field">
                <span>"From"</span>
                <input type="date" name="from" value=move || value(|p| &p.from) />
            </label>
            <label class="field">
                <span>"To"</span>
                <input type="date" name="to" value=move || value(|p| &p.to) />
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">"Filter"</button>
                <a href="/audit" class="button button-secondary">"Clear"</a>
            </div>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading the log…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AuditTable page params=params.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(page: AuditPage, params: AuditParams) -> impl IntoView {
    if page.events.is_empty() {
        return view! { <section class="panel empty"><h2>"No events match these filters"</h2></section> }.into_any();
    }
    let older = page
        .older
        .map(|id| audit_href(&params, Some(("before", &id.to_string()))));
    let newer = page
        .newer
        .map(|id| audit_href(&params, Some(("after", &id.to_string()))));
    let rows = page
        .events
        .into_iter()
        .map(|e| {
            let meaning = e
                .response_code
                .as_deref()
                .and_then(|c| match e.action.as_str() {
                    "dana.status_check" => catalog::lookup_query(c),
                    a if a.starts_with("refund.") || a == "dana.refund_attempt" => catalog::lookup_refund(c),
                    _ => catalog::lookup(c),
                })
                .map(|c| c.message);
            view! {
                <tr data-testid="audit-row">
                    <td class="nowrap">{e.occurred_at_display}</td>
                    <td>{e.actor}</td>
                    <td class="mono">{e.action}</td>
                    <td>
                        <span class=format!("badge badge-{}", outcome_tone(&e.outcome))>{e.outcome.clone()}</span>
                    </td>
                    <td class="mono">
                        {e.order_ref.map(|r| view! { <a href=order_path(&r)>{r.clone()}</a> })}
                    </td>
                    <td>
                        {e.response_code.map(|c| view! { <span class="mono">{c}</span> })}
                        {meaning.map(|m| view! { <div class="subtle small">{m}</div> })}
                    </td>
                    <td class="details-cell">
                        <details>
                            <summary>"Details"</summary>
                            <pre class="details-json">{e.details}</pre>
                        </details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label="Audit events">
            <table class="orders audit" data-testid="audit-table">
                <thead>
                    <tr>
                        <th>"When"</th>
                        <th>"Who"</th>
                        <th>"Action"</th>
                        <th>"Outcome"</th>
                        <th>"Order"</th>
                        <th>"DANA code"</th>
                        <th>"Request and response"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <nav class="pager" aria-label="Pages">
                <span></span>
                <div class="pager-links">
                    {match newer {
                        Some(href) => view! { <a href=href class="button button-secondary">"← Newer"</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled">"← Newer"</span> }.into_any(),
                    }}
                    {match older {
                        Some(href) => view! { <a href=href class="button button-secondary">"Older →"</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled">"Older →"</span> }.into_any(),
                    }}
                </div>
            </nav>
        </section>
    }
    .into_any()
}
