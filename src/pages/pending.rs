//! `/pending`: the operations queue of cancels DANA has not settled. Those needing a person come
//! first; each row says what DANA last answered and what happens next, with the three actions.
//! The page refreshes itself every few seconds, so a cancel settling is seen without reloading.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::pending::{CheckPendingStatus, ResolvePending, RetryPending, list_pending};
use crate::api::refund::{PendingRefundView, list_pending_refunds};
use crate::cancel::model::{PendingCancelView, PendingQueue, QueueState};
use crate::components::error_panel::ErrorPanel;
use crate::components::island::url;
use crate::components::live_region::{LiveRegion, Source};
use crate::components::queue_head::QueueHead;
use crate::components::unknown::or_dash;
use crate::dana::catalog::StatusDecision;
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::model::order_path;
use crate::pages::pending_refunds::PendingRefunds;

/// How often the open page renders the queues again.
const REFRESH_MS: u32 = 5_000;

/// The element the queues are rendered into, and again on the timer and after each action.
const REGION: &str = "pending-region";

#[component]
pub fn PendingPage() -> impl IntoView {
    let i18n = use_i18n();
    let (state, reference) = use_query_map().with_untracked(|q| {
        (
            q.get("state").unwrap_or_default(),
            q.get("reference").unwrap_or_default(),
        )
    });
    let filters = (state.clone(), reference.clone());
    let queue = Resource::new(
        move || filters.clone(),
        |(state, reference)| list_pending(non_empty(state), non_empty(reference)),
    );
    let refunds = Resource::new(|| (), |_| list_pending_refunds());
    view! {
        <Title text=tu_string!(i18n, pending.page_title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, pending.heading)}</h1>
                <p class="subtle">
                    {tu_string!(i18n, pending.intro)}
                </p>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, pending.loading_queue)}</p> }>
            {move || {
                let (state, reference) = (state.clone(), reference.clone());
                Suspend::new(async move {
                    match (queue.await, refunds.await) {
                        (Err(error), _) => view! { <ErrorPanel error /> }.into_any(),
                        (Ok(queue), refunds) => {
                            // The region is rendered again with the same filters.
                            let mut args = form_urlencoded::Serializer::new(String::new());
                            for (name, value) in [("state", &state), ("reference", &reference)] {
                                if !value.is_empty() {
                                    args.append_pair(name, value);
                                }
                            }
                            let args = args.finish();
                            view! {
                                <LiveRegion
                                    region=REGION.to_string()
                                    source={Source::of::<PendingRegion>(args.clone())}
                                    poll={Source::of::<PollPendingRegion>(args)}
                                    every_ms=REFRESH_MS
                                    testid="queue-message".to_string()
                                />
                                <Filters state reference />
                                <div id=REGION><PendingLists queue refunds /></div>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// A filter from the query string, `None` when not given.
fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// The queues rendered again, for the page's live region after an action.
#[server(prefix = "/api", endpoint = "pending/region")]
pub async fn pending_region(
    state: Option<String>,
    reference: Option<String>,
) -> Result<String, AppError> {
    let queue = list_pending(state, reference).await?;
    let refunds = list_pending_refunds().await;
    Ok(crate::components::live_region::render(move || {
        view! { <PendingLists queue refunds /> }
    }))
}

/// The same, asked by the open page on its timer: it never extends the session (the guard
/// lists this path among the background ones).
#[server(prefix = "/api", endpoint = "pending/region-poll")]
pub async fn poll_pending_region(
    state: Option<String>,
    reference: Option<String>,
) -> Result<String, AppError> {
    pending_region(state, reference).await
}

/// Which cancels the queue shows (a plain form: the page loads again with its choice).
#[component]
fn Filters(state: String, reference: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form class="filters panel" method="get" action="/pending" autocomplete="off">
            <label class="field">
                <span>{tu_string!(i18n, pending.filter.state)}</span>
                <select name="state">
                    <option value="">{tu_string!(i18n, pending.filter.all_open)}</option>
                    {QueueState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=state == s.as_str()>{s.label_in(i18n.get_locale_untracked())}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{tu_string!(i18n, pending.filter.reference)}</span>
                <input type="text" name="reference" maxlength="64" value=reference />
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">{tu_string!(i18n, pending.filter.submit)}</button>
                <a href="/pending" class="button button-secondary">{tu_string!(i18n, pending.filter.clear)}</a>
            </div>
        </form>
    }
}

/// The cancels' queue and the refunds' queue.
#[component]
fn PendingLists(
    queue: PendingQueue,
    refunds: Result<Vec<PendingRefundView>, AppError>,
) -> impl IntoView {
    view! {
        <QueueView queue />
        <PendingRefunds refunds />
    }
}

#[component]
fn QueueView(queue: PendingQueue) -> impl IntoView {
    let i18n = use_i18n();
    let c = &queue.counts;
    let chip = move |state: QueueState, n: i64| {
        view! {
            <a class=format!("chip chip-{}", state.tone()) href=format!("/pending?state={}", state.as_str()) data-testid=format!("count-{}", state.as_str())>
                <span class="chip-count">{n}</span>
                <span>{move || state.label_in(i18n.get_locale())}</span>
            </a>
        }
    };
    let summary = view! {
        <div class="queue-summary">
            {chip(QueueState::NeedsAttention, c.needs_attention)}
            {chip(QueueState::Retrying, c.retrying)}
            {chip(QueueState::Waiting, c.waiting)}
            {chip(QueueState::Periodic, c.periodic)}
            <span class="subtle small refreshed" data-testid="refreshed">
                {t!(i18n, pending.updated, time = queue.as_of_display.clone())}
            </span>
        </div>
    };
    if queue.items.is_empty() {
        return view! {
            {summary}
            <section class="panel empty" data-testid="queue-empty">
                <h2>{tu_string!(i18n, pending.empty.title)}</h2>
                <p class="subtle">{tu_string!(i18n, pending.empty.text)}</p>
            </section>
        }
        .into_any();
    }
    let rows = queue
        .items
        .into_iter()
        .map(|item| view! { <QueueRow item /> })
        .collect_view();
    view! {
        {summary}
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, pending.heading)>
            <table class="orders queue" data-testid="pending-table">
                <QueueHead amount=tu_string!(i18n, pending.table.amount) />
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn QueueRow(item: PendingCancelView) -> impl IntoView {
    let i18n = use_i18n();
    let answer = item.answer.clone();
    let status = item.status.clone();
    let id = item.id.to_string();
    let reference = item.partner_reference_no.clone();
    let periodic = item.state == QueueState::Periodic;
    let queue_state = item.state;
    view! {
        <tr data-testid="pending-row" data-reference=reference.clone() data-state=item.state.as_str()>
            <td>
                <a class="mono" href=order_path(&reference)>{reference.clone()}</a>
                <div class="subtle small">{or_dash(item.customer_name)}</div>
            </td>
            <td class="num nowrap">{item.amount_display}</td>
            <td>
                <div class="nowrap">{t!(i18n, pending.row.ago, age = item.age_display)}</div>
                <div class="subtle small" title=item.reason.clone()>{t!(i18n, pending.row.by, who = item.requested_by)}</div>
            </td>
            <td class="num">{item.attempts}</td>
            <td class="answer-cell">
                {answer.map(|a| view! {
                    <span class=format!("badge badge-{}", a.tone)>{a.code}</span>
                    " "
                    <span lang="en">{a.message}</span>
                    <div class="subtle small">{a.explanation}</div>
                })}
                {status.map(|s| {
                    let meaning = match s.decision {
                        StatusDecision::Cancelled => tu_string!(i18n, pending.status_meaning.cancelled).into_any(),
                        StatusDecision::StillPaid => tu_string!(i18n, pending.status_meaning.still_paid).into_any(),
                        StatusDecision::InProcess => tu_string!(i18n, pending.status_meaning.in_process).into_any(),
                        StatusDecision::NeedsPerson => view! { <span lang="en">{s.meaning}</span> }.into_any(),
                    };
                    view! {
                        <div class="small status-line" title=s.explanation>
                            {tu_string!(i18n, pending.status_check)} " " <span class="mono">{s.code}</span> " " <span lang="en">{s.name}</span> " · " {meaning}
                        </div>
                    }
                })}
            </td>
            <td class="state-cell">
                <span class=format!("badge badge-{}", item.state.tone())>{queue_state.label_in(i18n.get_locale_untracked())}</span>
                {item.next_attempt_display.map(|n| view! { <div class="subtle small next-try">{t!(i18n, pending.row.next_try, when = n)}</div> })}
                {item.attention.map(|a| view! { <div class="attention small" lang=a.lang>{a.text}</div> })}
                {item.approval.map(|a| view! { <div class="awaiting small" data-testid="pending-approval">{a}</div> })}
            </td>
            <td class="actions-cell">
                <div class="row-actions">
                    <form method="post" action={url::<RetryPending>()} data-live>
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="button button-small">{tu_string!(i18n, pending.actions.retry_now)}</button>
                    </form>
                    <form method="post" action={url::<CheckPendingStatus>()} data-live>
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="button button-small button-secondary">{tu_string!(i18n, pending.actions.check_status)}</button>
                    </form>
                </div>
                // A disclosure, so the form opens without the browser's help; the page's timer
                // leaves the queue alone while one is open.
                <details class="resolve">
                    <summary class="link-button resolve-toggle">
                        {if periodic { tu_string!(i18n, pending.actions.stop_or_resolve) } else { tu_string!(i18n, pending.actions.resolve_by_hand) }}
                    </summary>
                    <form method="post" action={url::<ResolvePending>()} class="resolve-form" data-live>
                        <input type="hidden" name="id" value=id />
                        {periodic.then(|| view! {
                            <label class="radio">
                                <input type="radio" name="resolution" value="stop_retrying" checked />
                                {tu_string!(i18n, pending.resolve.stop_retrying_option)}
                            </label>
                        })}
                        <label class="radio">
                            <input type="radio" name="resolution" value="cancelled" checked=!periodic />
                            {tu_string!(i18n, pending.resolve.confirmed_cancelled)}
                        </label>
                        <label class="radio">
                            <input type="radio" name="resolution" value="not_cancelled" />
                            {tu_string!(i18n, pending.resolve.not_cancelled)}
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, pending.resolve.note_label)}</span>
                            <textarea
                                name="note"
                                rows="2"
                                maxlength="500"
                                placeholder=tu_string!(i18n, pending.resolve.note_placeholder)
                            ></textarea>
                        </label>
                        // Which of these shows follows the choice above (CSS `:has`).
                        <p class="subtle small when-approval">{tu_string!(i18n, pending.resolve.approval_hint)}</p>
                        <p class="form-error small" role="alert" data-error></p>
                        <button type="submit" class="button button-small">
                            <span class="when-approval">{tu_string!(i18n, pending.resolve.ask_for_approval)}</span>
                            <span class="when-stop">{tu_string!(i18n, pending.resolve.stop_retrying)}</span>
                        </button>
                    </form>
                </details>
            </td>
        </tr>
    }
}
