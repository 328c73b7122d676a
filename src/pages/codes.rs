//! `/codes`: DANA's Cancel Order, Refund Order and Query Payment answers and the transaction
//! statuses, what each means and what to do, from the catalogs the client logic reads.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::dana::catalog::{
    CATALOG, CatalogEntry, QUERY_CATALOG, REFUND_CATALOG, TRANSACTION_STATUSES,
};

/// One catalog as a table: code, HTTP status, DANA's message, outcome, next step, meaning.
fn catalog_table(
    table: &'static [CatalogEntry],
    testid: &'static str,
    label: &'static str,
) -> impl IntoView {
    let rows = table
        .iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="mono nowrap">{e.code}</td>
                    <td class="num">{e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td>{e.message}</td>
                    <td>
                        <span class=format!("badge badge-{}", e.outcome.tone())>{e.outcome.label()}</span>
                    </td>
                    <td class="nowrap">{e.retry.label()}</td>
                    <td>
                        <div>{e.explanation}</div>
                        <div class="subtle small">{format!("DANA: {}", if e.solution.is_empty() { e.cause } else { e.solution })}</div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label=label>
            <table class="orders codes" data-testid=testid>
                <thead>
                    <tr>
                        <th>"Code"</th>
                        <th class="num">"HTTP"</th>
                        <th>"DANA's message"</th>
                        <th>"Outcome"</th>
                        <th>"Next step"</th>
                        <th>"What it means"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
pub fn CodesPage() -> impl IntoView {
    view! {
        <Title text="Response codes · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"DANA response codes"</h1>
                <p class="subtle">"Every answer DANA can give to a cancel or a refund, what it means, and what to do next."</p>
            </div>
        </div>
        {catalog_table(CATALOG, "codes-table", "Cancel Order response codes")}
        <h2 class="section-title">"Refunds (Refund Order)"</h2>
        <p class="subtle">"A refund is sent again with the same refund number until DANA settles it: DANA answers a repeat with its first answer, so it never refunds twice."</p>
        {catalog_table(REFUND_CATALOG, "refund-codes-table", "Refund Order response codes")}
        <h2 class="section-title">"Checking a payment's status (Query Payment)"</h2>
        <p class="subtle">"When DANA's answer to a cancel was lost, Cancel Desk asks for the payment's latest status before sending anything again."</p>
        <section class="panel table-panel" tabindex="0" aria-label="Query Payment statuses">
            <table class="orders codes" data-testid="status-table">
                <thead>
                    <tr>
                        <th>"Status"</th>
                        <th>"DANA's name"</th>
                        <th>"What it means for a waiting cancel"</th>
                    </tr>
                </thead>
                <tbody>
                    {TRANSACTION_STATUSES
                        .iter()
                        .map(|s| view! {
                            <tr>
                                <td class="mono">{s.code}</td>
                                <td>{s.name}<div class="subtle small">{s.meaning}</div></td>
                                <td>{s.explanation}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section class="panel table-panel" tabindex="0" aria-label="Query Payment response codes">
            <table class="orders codes" data-testid="query-codes-table">
                <thead>
                    <tr>
                        <th>"Code"</th>
                        <th class="num">"HTTP"</th>
                        <th>"DANA's message"</th>
                        <th>"What it means"</th>
                    </tr>
                </thead>
                <tbody>
                    {QUERY_CATALOG
                        .iter()
                        .map(|e| view! {
                            <tr>
                                <td class="mono nowrap">{e.code}</td>
                                <td class="num">{e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{e.message}</td>
                                <td>{e.explanation}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
