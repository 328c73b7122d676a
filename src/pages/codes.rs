//! `/codes`: DANA's Cancel Order, Refund Order and Query Payment answers and the transaction
//! statuses, what each means and what to do, from the catalogs the client logic reads.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::dana::catalog::{
    CATALOG, CatalogEntry, QUERY_CATALOG, REFUND_CATALOG, TRANSACTION_STATUSES,
};
use crate::i18n::*;

/// One catalog as a table: code, HTTP status, DANA's message, outcome, next step, meaning.
/// `label` names the table (for screen readers) in the reader's language.
fn catalog_table(
    table: &'static [CatalogEntry],
    testid: &'static str,
    label: fn(Locale) -> String,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows = table
        .iter()
        .map(move |e| {
            view! {
                <tr>
                    <td class="mono nowrap">{e.code}</td>
                    <td class="num">{e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td lang="en">{e.message}</td>
                    <td>
                        <span class=format!("badge badge-{}", e.outcome.tone())>{move || e.outcome.label_in(i18n.get_locale())}</span>
                    </td>
                    <td class="nowrap">{move || e.retry.label_in(i18n.get_locale())}</td>
                    <td>
                        <div>{move || e.explanation_in(i18n.get_locale())}</div>
                        <div class="subtle small">"DANA: "<span lang="en">{if e.solution.is_empty() { e.cause } else { e.solution }}</span></div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label=move || label(i18n.get_locale())>
            <table class="orders codes" data-testid=testid>
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, audit.codes.table.code)}</th>
                        <th class="num">"HTTP"</th>
                        <th>{tu_string!(i18n, audit.codes.table.message)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.outcome)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.next_step)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.meaning)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
pub fn CodesPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=tu_string!(i18n, audit.codes.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, audit.codes.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, audit.codes.intro)}</p>
            </div>
        </div>
        {catalog_table(CATALOG, "codes-table", |l| td_string!(l, audit.codes.cancel_label).to_string())}
        <h2 class="section-title">{tu_string!(i18n, audit.codes.refund_heading)}" ("<span lang="en">"Refund Order"</span>")"</h2>
        <p class="subtle">{tu_string!(i18n, audit.codes.refund_intro)}</p>
        {catalog_table(REFUND_CATALOG, "refund-codes-table", |l| td_string!(l, audit.codes.refund_label).to_string())}
        <h2 class="section-title">{tu_string!(i18n, audit.codes.query_heading)}" ("<span lang="en">"Query Payment"</span>")"</h2>
        <p class="subtle">{tu_string!(i18n, audit.codes.query_intro)}</p>
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, audit.codes.status_label)>
            <table class="orders codes" data-testid="status-table">
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, audit.codes.table.status)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.name)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.status_meaning)}</th>
                    </tr>
                </thead>
                <tbody>
                    {TRANSACTION_STATUSES
                        .iter()
                        .map(move |s| view! {
                            <tr>
                                <td class="mono">{s.code}</td>
                                <td lang="en">{s.name}<div class="subtle small">{s.meaning}</div></td>
                                <td>{move || s.explanation_in(i18n.get_locale())}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, audit.codes.query_label)>
            <table class="orders codes" data-testid="query-codes-table">
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, audit.codes.table.code)}</th>
                        <th class="num">"HTTP"</th>
                        <th>{tu_string!(i18n, audit.codes.table.message)}</th>
                        <th>{tu_string!(i18n, audit.codes.table.meaning)}</th>
                    </tr>
                </thead>
                <tbody>
                    {QUERY_CATALOG
                        .iter()
                        .map(move |e| view! {
                            <tr>
                                <td class="mono nowrap">{e.code}</td>
                                <td class="num">{e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td lang="en">{e.message}</td>
                                <td>{move || e.explanation_in(i18n.get_locale())}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
