//! `/pending`: the operations queue of cancels DANA has not settled. Those needing a person come
//! first; each row says what DANA last answered and what happens next, with the three actions.
//! The page refreshes itself every few seconds, so a cancel settling is seen without reloading.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::pending::{
    CheckPendingStatus, ResolvePending, RetryPending, list_pending, poll_pending,
};
use crate::cancel::model::{PendingCancelView, PendingQueue, QueueActionResult, QueueState};
use crate::components::error_panel::ErrorPanel;
use crate::components::unknown::or_dash;
use crate::dana::catalog::{self, StatusDecision};
use crate::error::AppError;
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

fn describe_error(err: &AppError) -> String {
    match err {
        AppError::InvalidInput { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
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
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(|q| q.get("state").unwrap_or_default()));
    let reference = Memo::new(move |_| query.with(|q| q.get("reference").unwrap_or_default()));
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
                Err(err) => actions.resolve_error.set(Some(describe_error(err))),
            }
            last.set(Some(v));
            tick.update(|r| *r = r.by_person());
        }
    });
    // The filters last loaded: a timer tick is background only while they stay the same (a
    // filter the person changed is their request, even if a tick is what it rides on).
    let loaded = StoredValue::new((String::new(), String::new()));
    let queue = Resource::new(
        move || (state.get(), reference.get(), tick.get()),
        move |(state, reference, reload)| async move {
            let same_filters = loaded.with_value(|l| l.0 == state && l.1 == reference);
            loaded.set_value((state.clone(), reference.clone()));
            let background = reload.background && same_filters;
            let state = (!state.is_empty()).then_some(state);
            let reference = (!reference.is_empty()).then_some(reference);
            if background {
                poll_pending(state, reference).await
            } else {
                list_pending(state, reference).await
            }
        },
    );
    let busy = move || {
        actions.retry.pending().get()
            || actions.check.pending().get()
            || actions.resolve.pending().get()
    };
    view! {
        <Title text="Pending cancels · Cancel Desk" />
        <div class="page-head">
            <div>
                <h1>"Pending cancels"</h1>
                <p class="subtle">
                    "Cancels DANA has not settled yet. Cancel Desk retries each with the same request and checks DANA's status before resending when an answer was lost. Items that need a person come first."
                </p>
            </div>
        </div>
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
                        {describe_error(&err)}
                    </div>
                }.into_any(),
            })
        }}
        <form class="filters panel" method="get" action="/pending">
            <label class="field">
                <span>"State"</span>
                <select name="state">
                    <option value="">"All open cancels"</option>
                    {QueueState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=move || state.get() == s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"Order reference starts with"</span>
                <input type="text" name="reference" maxlength="64" value=move || reference.get() />
            </label>
            <div class="filter-actions">
                <button type="submit" class="button">"Filter"</button>
                <a href="/pending" class="button button-secondary">"Clear"</a>
            </div>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) => view! { <QueueView queue actions busy=Signal::derive(busy) /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
        <PendingRefunds reload=Signal::derive(move || tick.get().count) />
    }
}

#[component]
fn QueueView(queue: PendingQueue, actions: Actions, busy: Signal<bool>) -> impl IntoView {
    // Set once this part of the page is live in the browser: before that, a click on an action
    // would be an ordinary form post (tests wait for it).
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let c = &queue.counts;
    let chip = |state: QueueState, n: i64| {
        view! {
            <a class=format!("chip chip-{}", state.tone()) href=format!("/pending?state={}", state.as_str()) data-testid=format!("count-{}", state.as_str())>
                <span class="chip-count">{n}</span>
                <span>{state.label()}</span>
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
                "Updated " {queue.as_of_display.clone()} " · refreshes every 5 s"
            </span>
        </div>
    };
    if queue.items.is_empty() {
        return view! {
            {summary}
            <section class="panel empty" data-testid="queue-empty">
                <h2>"Nothing pending"</h2>
                <p class="subtle">"Every cancel matching these filters has been settled by DANA."</p>
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
        <section class="panel table-panel" tabindex="0" aria-label="Pending cancels">
            <table class="orders queue" data-testid="pending-table" data-live=move || live.get().then_some("true")>
                <thead>
                    <tr>
                        <th>"Order"</th>
                        <th class="num">"Amount"</th>
                        <th>"Requested"</th>
                        <th class="num">"Tries"</th>
                        <th>"Last answer from DANA"</th>
                        <th>"State"</th>
                        <th>"Actions"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn QueueRow(item: PendingCancelView, actions: Actions, busy: Signal<bool>) -> impl IntoView {
    let entry = item.entry();
    let status = item
        .last_status
        .as_deref()
        .and_then(catalog::transaction_status);
    let (id_retry, id_check, id_resolve) = (
        item.id.to_string(),
        item.id.to_string(),
        item.id.to_string(),
    );
    let tone = entry.map_or("pending", |e| e.outcome.tone());
    let reference = item.partner_reference_no.clone();
    let periodic = item.state == QueueState::Periodic;
    view! {
        <tr data-testid="pending-row" data-reference=reference.clone() data-state=item.state.as_str()>
            <td>
                <a class="mono" href=order_path(&reference)>{reference.clone()}</a>
                <div class="subtle small">{or_dash(item.customer_name)}</div>
            </td>
            <td class="num nowrap">{item.amount_display}</td>
            <td>
                <div class="nowrap">{item.age_display} " ago"</div>
                <div class="subtle small" title=item.reason.clone()>"by " {item.requested_by}</div>
            </td>
            <td class="num">{item.attempts}</td>
            <td class="answer-cell">
                {entry.map(|e| view! {
                    <span class=format!("badge badge-{tone}")>{e.code}</span>
                    " "
                    <span>{e.message}</span>
                    <div class="subtle small">{e.explanation}</div>
                })}
                {status.map(|s| {
                    let meaning = match s.decision {
                        StatusDecision::Cancelled => "cancelled at DANA",
                        StatusDecision::StillPaid => "still paid at DANA",
                        StatusDecision::InProcess => "payment still in process",
                        StatusDecision::NeedsPerson => s.meaning,
                    };
                    view! {
                        <div class="small status-line" title=s.explanation>
                            "Status check: " <span class="mono">{s.code}</span> " " {s.name} " · " {meaning}
                        </div>
                    }
                })}
            </td>
            <td class="state-cell">
                <span class=format!("badge badge-{}", item.state.tone())>{item.state.label()}</span>
                {item.next_attempt_display.map(|n| view! { <div class="subtle small next-try">"Next try " {n}</div> })}
                {item.attention.map(|a| view! { <div class="attention small">{a}</div> })}
                {item.approval.map(|a| view! { <div class="awaiting small" data-testid="pending-approval">{a}</div> })}
            </td>
            <td class="actions-cell">
                <div class="row-actions">
                    <ActionForm action=actions.retry>
                        <input type="hidden" name="id" value=id_retry />
                        <button type="submit" class="button button-small" disabled=move || busy.get()>"Retry now"</button>
                    </ActionForm>
                    <ActionForm action=actions.check>
                        <input type="hidden" name="id" value=id_check />
                        <button type="submit" class="button button-small button-secondary" disabled=move || busy.get()>"Check status with DANA"</button>
                    </ActionForm>
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
                    {if periodic { "Stop retrying or resolve…" } else { "Resolve by hand…" }}
                </button>
                <div class:hidden=move || actions.resolving.get() != Some(item.id)>
                    <ActionForm action=actions.resolve attr:class="resolve-form">
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
                                "Stop retrying: the order stays paid (cancel failed)"
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
                            "DANA confirmed it is cancelled"
                        </label>
                        <label class="radio">
                            <input
                                type="radio"
                                name="resolution"
                                value="not_cancelled"
                                prop:checked=move || actions.resolution.get() == "not_cancelled"
                                on:change=move |_| actions.resolution.set("not_cancelled")
                            />
                            "Not cancelled: the order stays paid"
                        </label>
                        <label class="field">
                            <span>"Note (required): how was this confirmed?"</span>
                            <textarea
                                name="note"
                                rows="2"
                                maxlength="500"
                                placeholder="e.g. DANA support ticket 8812 confirmed the payment is closed"
                                prop:value=move || actions.note.get()
                                on:input=move |ev| actions.note.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        {move || (actions.resolution.get() != "stop_retrying").then(|| view! {
                            <p class="subtle small">"A supervisor or an admin approves a settling by hand before it counts."</p>
                        })}
                        {move || actions.resolve_error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
                        <button type="submit" class="button button-small" disabled=move || busy.get()>
                            {move || if actions.resolution.get() == "stop_retrying" { "Stop retrying" } else { "Ask for approval" }}
                        </button>
                    </ActionForm>
                </div>
            </td>
        </tr>
    }
}
