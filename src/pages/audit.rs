//! `/audit`: who did what, when, why, and what DANA answered. Every filter is in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::audit_events;
use crate::audit::query::{AuditPage, AuditParams, OUTCOMES};
use crate::components::error_panel::ErrorPanel;
use crate::dana::catalog;
use crate::i18n::*;
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

/// A recorded outcome (`success`, `failure`, …) in the reader's language; an unknown one as recorded.
fn outcome_label(outcome: &str, locale: Locale) -> String {
    match outcome {
        "success" => td_string!(locale, audit.outcomes.success).to_string(),
        "failure" => td_string!(locale, audit.outcomes.failure).to_string(),
        "pending" => td_string!(locale, audit.outcomes.pending).to_string(),
        "forbidden" => td_string!(locale, audit.outcomes.forbidden).to_string(),
        "info" => td_string!(locale, audit.outcomes.info).to_string(),
        other => other.to_string(),
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
    let i18n = use_i18n();
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(|q| AuditParams::from_lookup(|k| q.get(k))));
    let page = Resource::new(move || params.get(), audit_events);
    let value = move |f: fn(&AuditParams) -> &Option<String>| {
        params.with(|p| f(p).clone().unwrap_or_default())
    };
    view! {
        <Title text=tu_string!(i18n, audit.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, audit.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, audit.intro)}</p>
            </div>
            <a class="button button-secondary" data-testid="export-csv" rel="external" download="cancel-desk-audit.csv" href=move || format!("/audit/export.csv?{}", params.with(|p| p.to_query_string(None)))>
                {tu_string!(i18n, audit.download_csv)}
            </a>
        </div>
        <form class="filters panel" method="get" action="/audit" autocomplete="off">
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.actor)}</span>
                <input type="text" name="actor" value=move || value(|p| &p.actor) />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.order)}</span>
                <input type="text" name="order" value=move || value(|p| &p.order) />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.action)}</span>
                <select name="action">
                    <option value="">{tu_string!(i18n, audit.filters.all_actions)}</option>
                    {ACTIONS.into_iter().map(|a| view! { <option value=a translate="no" selected=move || value(|p| &p.action) == a>{a}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.outcome)}</span>
                <select name="outcome">
                    <option value="">{tu_string!(i18n, audit.filters.all_outcomes)}</option>
                    {OUTCOMES.into_iter().map(|o| view! { <option value=o selected=move || value(|p| &p.outcome) == o>{move || outcome_label(o, i18n.get_locale())}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.code)}</span>
                <input type="text" name="code" size="9" value=move || value(|p| &p.code) />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.from)}</span>
                <input type="date" name="from" value=move || value(|p| &p.from) />
            </label>
            <label class="field">
                <span>{tu_string!(i18n, audit.filters.to)}</span>
                <input type="date" name="to" value=move || value(|p| &p.to) />
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">{tu_string!(i18n, audit.filters.filter)}</button>
                <a href="/audit" class="button button-secondary">{tu_string!(i18n, audit.filters.clear)}</a>
            </div>
        </form>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, audit.loading)}</p> }>
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
    let i18n = use_i18n();
    if page.events.is_empty() {
        return view! { <section class="panel empty"><h2>{tu_string!(i18n, audit.empty)}</h2></section> }
            .into_any();
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
        .map(move |e| {
            let meaning = e
                .response_code
                .as_deref()
                .and_then(|c| match e.action.as_str() {
                    "dana.status_check" => catalog::lookup_query(c),
                    a if a.starts_with("refund.") || a == "dana.refund_attempt" => catalog::lookup_refund(c),
                    _ => catalog::lookup(c),
                })
                .map(|c| c.message);
            let outcome = e.outcome.clone();
            view! {
                <tr data-testid="audit-row">
                    <td class="nowrap">{e.occurred_at_display}</td>
                    <td>{e.actor}</td>
                    <td class="mono">{e.action}</td>
                    <td>
                        <span class=format!("badge badge-{}", outcome_tone(&e.outcome))>{move || outcome_label(&outcome, i18n.get_locale())}</span>
                    </td>
                    <td class="mono">
                        {e.order_ref.map(|r| view! { <a href=order_path(&r)>{r.clone()}</a> })}
                    </td>
                    <td>
                        {e.response_code.map(|c| view! { <span class="mono">{c}</span> })}
                        {meaning.map(|m| view! { <div class="subtle small" lang="en">{m}</div> })}
                    </td>
                    <td class="details-cell">
                        <details>
                            <summary>{tu_string!(i18n, audit.details)}</summary>
                            <pre class="details-json">{e.details}</pre>
                        </details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, audit.table.label)>
            <table class="orders audit" data-testid="audit-table">
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, audit.table.when)}</th>
                        <th>{tu_string!(i18n, audit.table.who)}</th>
                        <th>{tu_string!(i18n, audit.table.action)}</th>
                        <th>{tu_string!(i18n, audit.table.outcome)}</th>
                        <th>{tu_string!(i18n, audit.table.order)}</th>
                        <th>{tu_string!(i18n, audit.table.dana_code)}</th>
                        <th>{tu_string!(i18n, audit.table.request_response)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <nav class="pager" aria-label=tu_string!(i18n, audit.pager.label)>
                <span></span>
                <div class="pager-links">
                    {match newer {
                        Some(href) => view! { <a href=href class="button button-secondary">{tu_string!(i18n, audit.pager.newer)}</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled">{tu_string!(i18n, audit.pager.newer)}</span> }.into_any(),
                    }}
                    {match older {
                        Some(href) => view! { <a href=href class="button button-secondary">{tu_string!(i18n, audit.pager.older)}</a> }.into_any(),
                        None => view! { <span class="button button-secondary disabled">{tu_string!(i18n, audit.pager.older)}</span> }.into_any(),
                    }}
                </div>
            </nav>
        </section>
    }
    .into_any()
}
