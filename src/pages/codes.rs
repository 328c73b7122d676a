//! `/codes`: DANA's Cancel Order answers, what each means and what to do, from the one catalog.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::dana::catalog::CATALOG;

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
    }
}
