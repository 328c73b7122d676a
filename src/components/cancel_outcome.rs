//! What DANA answered to a cancel, in plain words: the code, DANA's message, what it means and
//! what to do next, coloured by outcome; and the list of attempts.

use leptos::prelude::*;

use crate::cancel::model::{AttemptView, CancelRequestView, RequestState};
use crate::dana::catalog::Outcome;

fn headline(state: RequestState, outcome: Option<Outcome>) -> &'static str {
    match (state, outcome) {
        (RequestState::Retrying, _) => "Cancel failed \u{2014} retrying periodically",
        // A refusal of a later attempt waits for DANA's status before it counts.
        (RequestState::Pending | RequestState::InFlight, Some(Outcome::Failed)) => {
            "Not settled yet \u{2014} checking the status with DANA"
        }
        (_, Some(Outcome::Success)) => "Cancelled at DANA",
        (_, Some(Outcome::Pending)) => "Not settled yet",
        (_, Some(Outcome::Failed)) => "Not cancelled",
        (_, None) => "Waiting for DANA",
    }
}

#[component]
pub fn CancelOutcome(request: CancelRequestView) -> impl IntoView {
    let entry = request.entry();
    let last = request.attempts.last().cloned();
    let tone = match request.state {
        RequestState::Retrying => "pending",
        _ => entry.map_or("pending", |e| e.outcome.tone()),
    };
    let periodic = request.state == RequestState::Retrying;
    let dana_said = last.as_ref().and_then(|a| a.response_message.clone());
    view! {
        <div class=format!("outcome outcome-{tone}") role="status" data-testid="cancel-outcome" data-code=entry.map(|e| e.code)>
            <div class="outcome-head">
                <strong class="outcome-title">{headline(request.state, entry.map(|e| e.outcome))}</strong>
                {entry.map(|e| view! { <span class="mono outcome-code">{e.code}" · "{e.message}</span> })}
            </div>
            {entry.map(|e| view! { <p class="outcome-explanation">{e.explanation}</p> })}
            {dana_said.map(|m| view! { <p class="subtle small">"DANA said: \u{201c}"{m}"\u{201d}"</p> })}
            {entry.map(|e| {
                view! {
                    <p class="outcome-next">
                        <strong>"Next step: "</strong>
                        {e.retry.label()}
                        {(!e.solution.is_empty()).then(|| format!(" — DANA advises: {}", e.solution))}
                    </p>
                }
            })}
            {request.next_attempt_display.clone().map(|n| view! {
                <p class="outcome-next">
                    <strong>{if periodic { "Cancel Desk sends it again periodically: " } else { "Cancel Desk keeps trying on its own: " }}</strong>
                    "next try " {n} ". Operations can follow it, or stop it, on the Pending page."
                </p>
            })}
            {request.attention.clone().map(|a| view! {
                <p class="outcome-next"><strong>"Needs a person: "</strong>{a}</p>
            })}
            {request.resolution_note.clone().map(|note| view! {
                <p class="outcome-next">
                    <strong>"Resolved by hand"</strong>
                    {request.resolved_by.clone().map(|by| format!(" by {by}"))}
                    ": " {note}
                </p>
            })}
        </div>
    }
}

#[component]
pub fn AttemptsTable(attempts: Vec<AttemptView>) -> impl IntoView {
    let rows = attempts
        .into_iter()
        .map(|a| {
            let entry = a.entry();
            let tone = entry.map_or("pending", |e| e.outcome.tone());
            let code = a.catalog_code.clone().unwrap_or_else(|| "in flight".into());
            view! {
                <tr>
                    <td class="num">{a.number}</td>
                    <td class="nowrap">{a.sent_at_display}</td>
                    <td>
                        <span class=format!("badge badge-{tone}")>{code}</span>
                    </td>
                    <td>{entry.map(|e| e.message).unwrap_or("—")}</td>
                    <td class="num">{a.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{a.latency_ms.map(|l| format!("{l} ms")).unwrap_or_else(|| "—".into())}</td>
                    <td class="mono small">{a.external_id}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Scrolls sideways inside its own box on a phone; focusable so the keyboard can scroll it.
        <div class="attempts-scroll" role="region" tabindex="0" aria-label="Attempts sent to DANA">
            <table class="attempts">
                <thead>
                    <tr>
                        <th class="num">"#"</th>
                        <th>"Sent"</th>
                        <th>"Code"</th>
                        <th>"Meaning"</th>
                        <th class="num">"HTTP"</th>
                        <th class="num">"Took"</th>
                        <th>"X-EXTERNAL-ID"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
