//! `/codes`: DANA's Cancel Order and Query Payment answers and the transaction statuses, what each
//! means and what to do, from the catalogs the client logic reads.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::dana::catalog::{CATALOG, QUERY_CATALOG, TRANSACTION_STATUSES};

#[component]
pub fn CodesPage() -> impl IntoView {
    let rows = CATALOG
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
        <Title text="Response codes · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"DANA response codes"</h1>
                <p class="subtle">"Every answer DANA can give to a cancel, what it means, and what to do next."</p>
            </div>
        </div>
        <section class="panel table-panel">
            <table class="orders codes" data-testid="codes-table">
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
        <h2 class="section-title">"Checking a payment's status (Query Payment)"</h2>
        <p class="subtle">"When DANA's answer to a cancel was lost, Cancel Desk asks for the payment's latest status before sending anything again."</p>
        <section class="panel table-panel">
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
        <section class="panel table-panel">
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
