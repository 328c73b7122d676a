//! What DANA answered to a cancel, in plain words: the code, DANA's message, what it means and
//! what to do next, coloured by outcome; and the list of attempts.

use leptos::prelude::*;

use crate::cancel::model::{AttemptView, CancelRequestView, RequestState};
use crate::dana::catalog::Outcome;
use crate::i18n::*;

fn headline(state: RequestState, outcome: Option<Outcome>, locale: Locale) -> &'static str {
    match (state, outcome) {
        (RequestState::Retrying, _) => td_string!(locale, order.outcome.retrying_periodically),
        // A refusal of a later attempt waits for DANA's status before it counts.
        (RequestState::Pending | RequestState::InFlight, Some(Outcome::Failed)) => {
            td_string!(locale, order.outcome.checking_status)
        }
        (_, Some(Outcome::Success)) => td_string!(locale, order.outcome.cancelled),
        (_, Some(Outcome::Pending)) => td_string!(locale, order.outcome.not_settled),
        (_, Some(Outcome::Failed)) => td_string!(locale, order.outcome.not_cancelled),
        (_, None) => td_string!(locale, order.outcome.waiting),
    }
}

#[component]
pub fn CancelOutcome(request: CancelRequestView) -> impl IntoView {
    let i18n = use_i18n();
    let entry = request.entry();
    let last = request.attempts.last().cloned();
    let tone = match request.state {
        RequestState::Retrying => "pending",
        _ => entry.map_or("pending", |e| e.outcome.tone()),
    };
    let periodic = request.state == RequestState::Retrying;
    let dana_said = last.as_ref().and_then(|a| a.response_message.clone());
    let state = request.state;
    let outcome = entry.map(|e| e.outcome);
    view! {
        <div class=format!("outcome outcome-{tone}") role="status" data-testid="cancel-outcome" data-code=entry.map(|e| e.code)>
            <div class="outcome-head">
                <strong class="outcome-title">{move || headline(state, outcome, i18n.get_locale())}</strong>
                {entry.map(|e| view! { <span class="mono outcome-code">{e.code}" · "<span lang="en">{e.message}</span></span> })}
            </div>
            {entry.map(|e| view! { <p class="outcome-explanation">{move || e.explanation_in(i18n.get_locale())}</p> })}
            {dana_said.map(|m| view! {
                <p class="subtle small">
                    {t!(i18n, order.outcome.dana_said, <en> = <span lang="en" />, message = m)}
                </p>
            })}
            {entry.map(|e| {
                view! {
                    <p class="outcome-next">
                        <strong>{tu_string!(i18n, order.next_step)}</strong>
                        {move || e.retry.label_in(i18n.get_locale())}
                        {(!e.solution.is_empty())
                            .then(|| {
                                t!(
                                    i18n,
                                    order.outcome.dana_advises,
                                    <en> = <span lang="en" />,
                                    solution = e.solution
                                )
                            })}
                    </p>
                }
            })}
            {request.next_attempt_display.clone().map(|n| view! {
                <p class="outcome-next">
                    <strong>
                        {move || {
                            if periodic {
                                t_string!(i18n, order.outcome.sends_periodically)
                            } else {
                                t_string!(i18n, order.keeps_trying)
                            }
                        }}
                    </strong>
                    {t!(i18n, order.outcome.next_try_pending, next = n)}
                </p>
            })}
            {request.attention.clone().map(|a| view! {
                <p class="outcome-next"><strong>{tu_string!(i18n, order.needs_person)}</strong><span lang=a.lang>{a.text}</span></p>
            })}
            {request.resolution_note.clone().map(|note| view! {
                <p class="outcome-next">
                    <strong>{tu_string!(i18n, order.resolved_by_hand)}</strong>
                    {request.resolved_by.clone().map(|by| t!(i18n, order.resolved_by, who = by))}
                    ": " <span translate="no">{note}</span>
                </p>
            })}
        </div>
    }
}

#[component]
pub fn AttemptsTable(attempts: Vec<AttemptView>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = attempts
        .into_iter()
        .map(|a| {
            let entry = a.entry();
            let tone = entry.map_or("pending", |e| e.outcome.tone());
            let catalog_code = a.catalog_code.clone();
            let code = move || {
                catalog_code
                    .clone()
                    .unwrap_or_else(|| t_string!(i18n, order.attempts.in_flight).to_string())
            };
            view! {
                <tr>
                    <td class="num">{a.number}</td>
                    <td class="nowrap">{a.sent_at_display}</td>
                    <td>
                        <span class=format!("badge badge-{tone}")>{code}</span>
                    </td>
                    <td lang=entry.map(|_| "en")>{entry.map(|e| e.message).unwrap_or("—")}</td>
                    <td class="num">{a.http_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{a.latency_ms.map(|l| format!("{l} ms")).unwrap_or_else(|| "—".into())}</td>
                    <td class="mono small">{a.external_id}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Scrolls sideways inside its own box on a phone; focusable so the keyboard can scroll it.
        <div
            class="attempts-scroll"
            role="region"
            tabindex="0"
            aria-label=tu_string!(i18n, order.attempts.label)
        >
            <table class="attempts">
                <thead>
                    <tr>
                        <th class="num">"#"</th>
                        <th>{tu_string!(i18n, order.attempts.sent)}</th>
                        <th>{tu_string!(i18n, order.attempts.code)}</th>
                        <th>{tu_string!(i18n, order.attempts.meaning)}</th>
                        <th class="num">"HTTP"</th>
                        <th class="num">{tu_string!(i18n, order.attempts.took)}</th>
                        <th>"X-EXTERNAL-ID"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
