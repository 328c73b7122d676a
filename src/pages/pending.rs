//! `/pending`: the operations queue of cancels DANA has not settled. Those needing a person come
//! first; each row says what DANA last answered and what happens next, with the three actions.
//! The page refreshes itself every few seconds, so a cancel settling is seen without reloading.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::pending::{
    CheckPendingStatus, ResolvePending, RetryPending, list_pending, poll_pending,
};
use crate::api::refund::{PendingRefundView, list_pending_refunds};
use crate::cancel::model::{PendingCancelView, PendingQueue, QueueActionResult, QueueState};
use crate::components::error_panel::ErrorPanel;
use crate::components::island::{Live, on_submit, url};
use crate::components::queue_head::QueueHead;
use crate::components::unknown::or_dash;
use crate::dana::catalog::StatusDecision;
use crate::error::AppError;
use crate::i18n::*;
use crate::ids::CancelRequestId;
use crate::orders::model::order_path;
use crate::pages::pending_refunds::PendingRefunds;

/// How often the open page asks for the queue again.
const REFRESH_MS: u64 = 5_000;

/// The three actions, shared by every row, and the one open resolve form. The form's state lives
/// here, above the rows, so the queue refreshing underneath does not lose a note being typed.
#[derive(Clone, Copy)]
struct Actions {
    retry: ServerAction<RetryPending>,
    check: ServerAction<CheckPendingStatus>,
    resolve: ServerAction<ResolvePending>,
    resolving: RwSignal<Option<CancelRequestId>>,
    note: RwSignal<String>,
    resolution: RwSignal<&'static str>,
    /// Why the last resolve was refused, shown in the open form.
    resolve_error: RwSignal<Option<String>>,
}

/// Why the queue is loaded again: the page's own timer (background: it must not keep the
/// session alive) or something the person did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reload {
    count: u64,
    background: bool,
}

impl Reload {
    fn by_person(self) -> Self {
        Reload {
            count: self.count + 1,
            background: false,
        }
    }
}

/// A signal bumped every `REFRESH_MS` in the browser (never on the server), paused while
/// `paused` holds (someone is typing a resolution note).
fn refresh_ticker(paused: RwSignal<Option<CancelRequestId>>) -> RwSignal<Reload> {
    let tick = RwSignal::new(Reload {
        count: 0,
        background: false,
    });
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if paused.get_untracked().is_none() {
                    tick.update(|r| {
                        *r = Reload {
                            count: r.count + 1,
                            background: true,
                        }
                    })
                }
            },
            std::time::Duration::from_millis(REFRESH_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}

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
                            view! { <PendingQueues state reference queue refunds /> }.into_any()
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

/// The two queues, live: refreshed on a timer and after every action (one island, as the
/// actions' results and the refreshes share their state). The server renders it from the
/// queues it loaded; the browser loads them again.
#[island(lazy)]
fn PendingQueues(
    state: String,
    reference: String,
    queue: PendingQueue,
    refunds: Result<Vec<PendingRefundView>, AppError>,
) -> impl IntoView {
    crate::components::island::enter_lazy("PendingQueues");
    let i18n = use_i18n();
    let state = StoredValue::new(state);
    let reference = StoredValue::new(reference);
    let queue = Live::new(Ok::<_, AppError>(queue));
    let resolving = RwSignal::new(None);
    let tick = refresh_ticker(resolving);
    let actions = Actions {
        retry: ServerAction::new(),
        check: ServerAction::new(),
        resolve: ServerAction::new(),
        resolving,
        note: RwSignal::new(String::new()),
        resolution: RwSignal::new("cancelled"),
        resolve_error: RwSignal::new(None),
    };
    // Any finished action: show its result and reload the queue at once.
    let last: RwSignal<Option<Result<QueueActionResult, AppError>>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(v) = actions.retry.value().get() {
            last.set(Some(v));
            tick.update(|r| *r = r.by_person());
        }
    });
    Effect::new(move |_| {
        if let Some(v) = actions.check.value().get() {
            last.set(Some(v));
            tick.update(|r| *r = r.by_person());
        }
    });
    Effect::new(move |_| {
        if let Some(v) = actions.resolve.value().get() {
            match &v {
                Ok(_) => {
                    actions.resolving.set(None);
                    actions.note.set(String::new());
                    actions.resolve_error.set(None);
                }
                Err(err) => actions
                    .resolve_error
                    .set(Some(err.message_in(crate::language::current()))),
            }
            last.set(Some(v));
            tick.update(|r| *r = r.by_person());
        }
    });
    // Every tick after the first: load the queue again. A timer's tick is background only (it
    // must not keep the session alive); after an action it is the person's request.
    Effect::new(move |seen: Option<()>| {
        let reload = tick.get();
        if seen.is_some() {
            let state = non_empty(state.get_value());
            let reference = non_empty(reference.get_value());
            queue.reload(async move {
                if reload.background {
                    poll_pending(state, reference).await
                } else {
                    list_pending(state, reference).await
                }
            });
        }
    });
    let busy = move || {
        actions.retry.pending().get()
            || actions.check.pending().get()
            || actions.resolve.pending().get()
    };
    view! {
        {move || {
            last.get().map(|result| match result {
                Ok(r) => view! {
                    <div class=format!("flash flash-{}", r.tone) role="status" data-testid="queue-message">
                        <strong class="mono">{r.reference}</strong>
                        " — "
                        {r.message}
                    </div>
                }.into_any(),
                Err(err) => view! {
                    <div class="flash flash-failed" role="alert" data-testid="queue-message">
                        {err.message_in(crate::language::current())}
                    </div>
                }.into_any(),
            })
        }}
        <form class="filters panel" method="get" action="/pending" autocomplete="off">
            <label class="field">
                <span>{tu_string!(i18n, pending.filter.state)}</span>
                <select name="state">
                    <option value="">{tu_string!(i18n, pending.filter.all_open)}</option>
                    {QueueState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=move || state.get_value() == s.as_str()>{move || s.label_in(i18n.get_locale())}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span>{tu_string!(i18n, pending.filter.reference)}</span>
                <input type="text" name="reference" maxlength="64" value=move || reference.get_value() />
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">{tu_string!(i18n, pending.filter.submit)}</button>
                <a href="/pending" class="button button-secondary">{tu_string!(i18n, pending.filter.clear)}</a>
            </div>
        </form>
        {move || match queue.get() {
            Ok(queue) => view! { <QueueView queue actions busy=Signal::derive(busy) /> }.into_any(),
            Err(error) => view! { <ErrorPanel error /> }.into_any(),
        }}
        <PendingRefunds reload=Signal::derive(move || tick.get().count) initial=refunds />
    }
}

#[component]
fn QueueView(queue: PendingQueue, actions: Actions, busy: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    // Set once this part of the page is live in the browser: before that, a click on an action
    // would be an ordinary form post (tests wait for it).
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
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
        .map(|item| view! { <QueueRow item actions busy /> })
        .collect_view();
    view! {
        {summary}
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, pending.heading)>
            <table class="orders queue" data-testid="pending-table" data-live=move || live.get().then_some("true")>
                <QueueHead amount=tu_string!(i18n, pending.table.amount) />
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn QueueRow(item: PendingCancelView, actions: Actions, busy: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let answer = item.answer.clone();
    let status = item.status.clone();
    let (id_retry, id_check, id_resolve) = (
        item.id.to_string(),
        item.id.to_string(),
        item.id.to_string(),
    );
    let reference = item.partner_reference_no.clone();
    let periodic = item.state == QueueState::Periodic;
    let queue_state = item.state;
    // Sent by direct calls (`ActionForm` would bring form-data parsing into the download).
    let id = item.id;
    let retry = on_submit(move || {
        actions.retry.dispatch(RetryPending { id });
    });
    let check = on_submit(move || {
        actions.check.dispatch(CheckPendingStatus { id });
    });
    let resolve = on_submit(move || {
        actions.resolve.dispatch(ResolvePending {
            id,
            resolution: actions.resolution.get_untracked().to_string(),
            note: actions.note.get_untracked(),
        });
    });
    let (retry_url, check_url, resolve_url) = (
        url::<RetryPending>(),
        url::<CheckPendingStatus>(),
        url::<ResolvePending>(),
    );
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
                <span class=format!("badge badge-{}", item.state.tone())>{move || queue_state.label_in(i18n.get_locale())}</span>
                {item.next_attempt_display.map(|n| view! { <div class="subtle small next-try">{t!(i18n, pending.row.next_try, when = n)}</div> })}
                {item.attention.map(|a| view! { <div class="attention small" lang=a.lang>{a.text}</div> })}
                {item.approval.map(|a| view! { <div class="awaiting small" data-testid="pending-approval">{a}</div> })}
            </td>
            <td class="actions-cell">
                <div class="row-actions">
                    <form method="post" action=retry_url on:submit=retry>
                        <input type="hidden" name="id" value=id_retry />
                        <button type="submit" class="button button-small" disabled=move || busy.get()>{tu_string!(i18n, pending.actions.retry_now)}</button>
                    </form>
                    <form method="post" action=check_url on:submit=check>
                        <input type="hidden" name="id" value=id_check />
                        <button type="submit" class="button button-small button-secondary" disabled=move || busy.get()>{tu_string!(i18n, pending.actions.check_status)}</button>
                    </form>
                </div>
                <button
                    type="button"
                    class="link-button resolve-toggle"
                    on:click=move |_| {
                        let open = actions.resolving.get_untracked() == Some(item.id);
                        actions.resolving.set((!open).then_some(item.id));
                        actions.note.set(String::new());
                        actions.resolve_error.set(None);
                        actions.resolution.set(if periodic { "stop_retrying" } else { "cancelled" });
                    }
                >
                    {move || if periodic { t_string!(i18n, pending.actions.stop_or_resolve) } else { t_string!(i18n, pending.actions.resolve_by_hand) }}
                </button>
                <div class:hidden=move || actions.resolving.get() != Some(item.id)>
                    <form method="post" action=resolve_url class="resolve-form" on:submit=resolve>
                        <input type="hidden" name="id" value=id_resolve />
                        {periodic.then(|| view! {
                            <label class="radio">
                                <input
                                    type="radio"
                                    name="resolution"
                                    value="stop_retrying"
                                    prop:checked=move || actions.resolution.get() == "stop_retrying"
                                    on:change=move |_| actions.resolution.set("stop_retrying")
                                />
                                {tu_string!(i18n, pending.resolve.stop_retrying_option)}
                            </label>
                        })}
                        <label class="radio">
                            <input
                                type="radio"
                                name="resolution"
                                value="cancelled"
                                prop:checked=move || actions.resolution.get() == "cancelled"
                                on:change=move |_| actions.resolution.set("cancelled")
                            />
                            {tu_string!(i18n, pending.resolve.confirmed_cancelled)}
                        </label>
                        <label class="radio">
                            <input
                                type="radio"
                                name="resolution"
                                value="not_cancelled"
                                prop:checked=move || actions.resolution.get() == "not_cancelled"
                                on:change=move |_| actions.resolution.set("not_cancelled")
                            />
                            {tu_string!(i18n, pending.resolve.not_cancelled)}
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, pending.resolve.note_label)}</span>
                            <textarea
                                name="note"
                                rows="2"
                                maxlength="500"
                                placeholder=tu_string!(i18n, pending.resolve.note_placeholder)
                                prop:value=move || actions.note.get()
                                on:input=move |ev| actions.note.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        {move || (actions.resolution.get() != "stop_retrying").then(|| view! {
                            <p class="subtle small">{tu_string!(i18n, pending.resolve.approval_hint)}</p>
                        })}
                        {move || actions.resolve_error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
                        <button type="submit" class="button button-small" disabled=move || busy.get()>
                            {move || if actions.resolution.get() == "stop_retrying" { t_string!(i18n, pending.resolve.stop_retrying) } else { t_string!(i18n, pending.resolve.ask_for_approval) }}
                        </button>
                    </form>
                </div>
            </td>
        </tr>
    }
}
