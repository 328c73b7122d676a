//! The refunds part of `/pending`: refunds DANA has not settled, with what DANA last answered,
//! and "retry now" or "resolve by hand" (with a note) for operations.

use leptos::prelude::*;

use crate::api::refund::{PendingRefundView, ResolveRefund, RetryRefund, list_pending_refunds};
use crate::components::island::{Live, on_submit, url};
use crate::components::queue_head::QueueHead;
use crate::error::AppError;
use crate::i18n::*;
use crate::ids::RefundId;
use crate::orders::model::order_path;

/// Open refunds (`initial`, as the server loaded them), read again on `reload` (the page's
/// timer) unless a resolve form is open, and after every action.
#[component]
pub fn PendingRefunds(
    reload: Signal<u64>,
    initial: Result<Vec<PendingRefundView>, AppError>,
) -> impl IntoView {
    let i18n = use_i18n();
    let retry = ServerAction::<RetryRefund>::new();
    let resolve = ServerAction::<ResolveRefund>::new();
    let resolving: RwSignal<Option<RefundId>> = RwSignal::new(None);
    let list = Live::new(initial);
    Effect::new(move |seen: Option<()>| {
        let paused = resolving.get().is_some();
        let _ = (reload.get(), retry.version().get(), resolve.version().get());
        if seen.is_some() && !paused {
            list.reload(list_pending_refunds());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = resolve.value().get() {
            resolving.set(None);
        }
    });
    let message = move || {
        let latest = match (retry.value().get(), resolve.value().get()) {
            (Some(r), None) | (None, Some(r)) => Some(r),
            (Some(a), Some(b)) => Some(
                if retry.version().get_untracked() >= resolve.version().get_untracked() {
                    a
                } else {
                    b
                },
            ),
            (None, None) => None,
        };
        latest.map(|r| match r {
            Ok(text) => view! { <div class="flash flash-pending" role="status" data-testid="refund-queue-message">{text}</div> }.into_any(),
            Err(err) => view! { <div class="flash flash-failed" role="alert" data-testid="refund-queue-message">{err.message_in(crate::language::current())}</div> }.into_any(),
        })
    };
    let busy = move || retry.pending().get() || resolve.pending().get();
    view! {
        <h2 class="section-title">{tu_string!(i18n, pending.refunds.heading)}</h2>
        <p class="subtle">{tu_string!(i18n, pending.refunds.intro)}</p>
        {message}
        {move || {
            match list.get() {
                Ok(items) if items.is_empty() => view! {
                    <section class="panel empty" data-testid="refunds-empty"><p class="subtle">{tu_string!(i18n, pending.refunds.empty)}</p></section>
                }.into_any(),
                Ok(items) => view! {
                    <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, pending.refunds.heading)>
                        <table class="orders queue" data-testid="pending-refunds">
                            <QueueHead amount=tu_string!(i18n, pending.table.refund) />
                            <tbody>
                                {items.into_iter().map(|item| view! { <RefundRow item retry resolve resolving busy=Signal::derive(busy) /> }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any(),
                Err(err) => view! { <p class="form-error">{err.message_in(crate::language::current())}</p> }.into_any(),
            }
        }}
    }
}

#[component]
fn RefundRow(
    item: PendingRefundView,
    retry: ServerAction<RetryRefund>,
    resolve: ServerAction<ResolveRefund>,
    resolving: RwSignal<Option<RefundId>>,
    busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.id;
    let (id_retry, id_resolve) = (id.to_string(), id.to_string());
    let needs_attention = item.attention.is_some();
    let state_tone = if needs_attention { "failed" } else { "neutral" };
    let state_label = move || {
        if needs_attention {
            t_string!(i18n, pending.refunds.needs_attention)
        } else {
            t_string!(i18n, pending.refunds.waiting)
        }
    };
    // Sent by direct calls (`ActionForm` would bring form-data parsing into the download).
    let resolution = RwSignal::new("refunded");
    let note = RwSignal::new(String::new());
    let send_retry = on_submit(move || {
        retry.dispatch(RetryRefund { id });
    });
    let send_resolve = on_submit(move || {
        resolve.dispatch(ResolveRefund {
            id,
            resolution: resolution.get_untracked().to_string(),
            note: note.get_untracked(),
        });
    });
    let (retry_url, resolve_url) = (url::<RetryRefund>(), url::<ResolveRefund>());
    view! {
        <tr data-testid="pending-refund" data-reference=item.partner_reference_no.clone()>
            <td>
                <a class="mono" href=order_path(&item.partner_reference_no)>{item.partner_reference_no.clone()}</a>
                <div class="subtle small mono">{item.partner_refund_no.clone()}</div>
            </td>
            <td class="num nowrap">{item.amount_display.clone()}</td>
            <td>
                <div class="nowrap">{t!(i18n, pending.row.ago, age = item.age_display.clone())}</div>
                <div class="subtle small" title=item.reason.clone()>{t!(i18n, pending.row.by, who = item.requested_by.clone())}</div>
            </td>
            <td class="num">{item.attempts}</td>
            <td class="answer-cell">
                {item.answer.clone().map(|a| view! {
                    <span class=format!("badge badge-{}", a.tone)>{a.code}</span>
                    " "
                    <span lang="en">{a.message}</span>
                    <div class="subtle small">{a.explanation}</div>
                })}
            </td>
            <td class="state-cell">
                <span class=format!("badge badge-{}", state_tone)>{state_label}</span>
                {item.next_attempt_display.clone().map(|n| view! { <div class="subtle small next-try">{t!(i18n, pending.row.next_try, when = n)}</div> })}
                {item.attention.clone().map(|a| view! { <div class="attention small" lang=a.lang>{a.text}</div> })}
                {item.approval.clone().map(|a| view! { <div class="awaiting small" data-testid="pending-approval">{a}</div> })}
            </td>
            <td class="actions-cell">
                <div class="row-actions">
                    <form method="post" action=retry_url on:submit=send_retry>
                        <input type="hidden" name="id" value=id_retry />
                        <button type="submit" class="button button-small" disabled=move || busy.get()>{tu_string!(i18n, pending.actions.retry_now)}</button>
                    </form>
                </div>
                <button
                    type="button"
                    class="link-button resolve-toggle"
                    on:click=move |_| resolving.update(|r| *r = if *r == Some(id) { None } else { Some(id) })
                >
                    {tu_string!(i18n, pending.actions.resolve_by_hand)}
                </button>
                <div class:hidden=move || resolving.get() != Some(id)>
                    <form method="post" action=resolve_url class="resolve-form" on:submit=send_resolve>
                        <input type="hidden" name="id" value=id_resolve />
                        <label class="radio">
                            <input type="radio" name="resolution" value="refunded" checked on:change=move |_| resolution.set("refunded") />
                            {tu_string!(i18n, pending.refunds.confirmed_refunded)}
                        </label>
                        <label class="radio">
                            <input type="radio" name="resolution" value="not_refunded" on:change=move |_| resolution.set("not_refunded") />
                            {tu_string!(i18n, pending.refunds.not_refunded)}
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, pending.resolve.note_label)}</span>
                            <textarea name="note" rows="2" maxlength="500" placeholder=tu_string!(i18n, pending.refunds.note_placeholder) on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                        </label>
                        <p class="subtle small">{tu_string!(i18n, pending.resolve.approval_hint)}</p>
                        <button type="submit" class="button button-small" disabled=move || busy.get()>{tu_string!(i18n, pending.resolve.ask_for_approval)}</button>
                    </form>
                </div>
            </td>
        </tr>
    }
}
