//! The refunds part of `/pending`: refunds DANA has not settled, with what DANA last answered,
//! and "retry now" or "resolve by hand" (with a note) for operations.

use leptos::prelude::*;

use crate::api::refund::{PendingRefundView, ResolveRefund, RetryRefund};
use crate::components::island::url;
use crate::components::queue_head::QueueHead;
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::model::order_path;

/// Open refunds, rendered by the server with the cancels' queue (and again with it: the page's
/// live region). An action's answer is DANA's, in words, shown as "pending" news.
#[component]
pub fn PendingRefunds(refunds: Result<Vec<PendingRefundView>, AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let list = match refunds {
        Ok(items) if items.is_empty() => view! {
            <section class="panel empty" data-testid="refunds-empty"><p class="subtle">{tu_string!(i18n, pending.refunds.empty)}</p></section>
        }.into_any(),
        Ok(items) => view! {
            <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, pending.refunds.heading)>
                <table class="orders queue" data-testid="pending-refunds">
                    <QueueHead amount=tu_string!(i18n, pending.table.refund) />
                    <tbody>
                        {items.into_iter().map(|item| view! { <RefundRow item /> }).collect_view()}
                    </tbody>
                </table>
            </section>
        }.into_any(),
        Err(err) => view! { <p class="form-error">{err.message_in(crate::language::current())}</p> }.into_any(),
    };
    view! {
        <h2 class="section-title">{tu_string!(i18n, pending.refunds.heading)}</h2>
        <p class="subtle">{tu_string!(i18n, pending.refunds.intro)}</p>
        {list}
    }
}

#[component]
fn RefundRow(item: PendingRefundView) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.id.to_string();
    let state_label = if item.attention.is_some() {
        ("failed", tu_string!(i18n, pending.refunds.needs_attention))
    } else {
        ("neutral", tu_string!(i18n, pending.refunds.waiting))
    };
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
                <span class=format!("badge badge-{}", state_label.0)>{state_label.1}</span>
                {item.next_attempt_display.clone().map(|n| view! { <div class="subtle small next-try">{t!(i18n, pending.row.next_try, when = n)}</div> })}
                {item.attention.clone().map(|a| view! { <div class="attention small" lang=a.lang>{a.text}</div> })}
                {item.approval.clone().map(|a| view! { <div class="awaiting small" data-testid="pending-approval">{a}</div> })}
            </td>
            <td class="actions-cell">
                <div class="row-actions">
                    <form method="post" action={url::<RetryRefund>()} data-live data-flash="refund-queue-message" data-tone="pending">
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="button button-small">{tu_string!(i18n, pending.actions.retry_now)}</button>
                    </form>
                </div>
                <details class="resolve">
                    <summary class="link-button resolve-toggle">{tu_string!(i18n, pending.actions.resolve_by_hand)}</summary>
                    <form method="post" action={url::<ResolveRefund>()} class="resolve-form" data-live data-flash="refund-queue-message" data-tone="pending">
                        <input type="hidden" name="id" value=id />
                        <label class="radio">
                            <input type="radio" name="resolution" value="refunded" checked />
                            {tu_string!(i18n, pending.refunds.confirmed_refunded)}
                        </label>
                        <label class="radio">
                            <input type="radio" name="resolution" value="not_refunded" />
                            {tu_string!(i18n, pending.refunds.not_refunded)}
                        </label>
                        <label class="field">
                            <span>{tu_string!(i18n, pending.resolve.note_label)}</span>
                            <textarea name="note" rows="2" maxlength="500" placeholder=tu_string!(i18n, pending.refunds.note_placeholder)></textarea>
                        </label>
                        <p class="subtle small">{tu_string!(i18n, pending.resolve.approval_hint)}</p>
                        <p class="form-error small" role="alert" data-error></p>
                        <button type="submit" class="button button-small">{tu_string!(i18n, pending.resolve.ask_for_approval)}</button>
                    </form>
                </details>
            </td>
        </tr>
    }
}
