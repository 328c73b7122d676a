//! A four-eyes request where the order is: "waiting for approval by a supervisor" with what was
//! asked, by whom and until when; or, once closed without approval, who rejected it and why.

use leptos::prelude::*;

use crate::approval::model::{ApprovalKind, ApprovalState, ApprovalView};
use crate::i18n::*;

/// The sentence naming what waits, for the order page.
fn what_waits(a: &ApprovalView, locale: Locale) -> String {
    match a.kind {
        ApprovalKind::Cancel => {
            td_string!(locale, order.approval.cancel_of, amount = &a.amount_display)
        }
        ApprovalKind::Refund => {
            td_string!(locale, order.approval.refund_of, amount = &a.amount_display)
        }
        ApprovalKind::ResolveCancel | ApprovalKind::ResolveRefund => td_string!(
            locale,
            order.approval.resolve_as,
            kind = a.kind.label_in(locale),
            resolution = crate::approval::model::resolution_label(
                a.resolution.as_deref().unwrap_or_default(),
                locale
            )
        ),
    }
}

/// The request's state on the order page.
#[component]
pub fn ApprovalNotice(approval: ApprovalView) -> impl IntoView {
    let i18n = use_i18n();
    let waiting = approval.state == ApprovalState::Waiting;
    let tone = if waiting { "pending" } else { "failed" };
    let state = approval.state;
    let title = move || match state {
        ApprovalState::Waiting => t_string!(i18n, order.approval.waiting),
        ApprovalState::Rejected => t_string!(i18n, order.approval.rejected),
        ApprovalState::Expired => t_string!(i18n, order.approval.expired),
        ApprovalState::Approved => t_string!(i18n, order.approval.approved),
    };
    let is_reason = matches!(approval.kind, ApprovalKind::Cancel | ApprovalKind::Refund);
    let why_text = approval.reason.clone();
    // The reason or note is recorded text, in whatever language its author wrote it.
    let why = move || {
        let text = why_text.clone();
        if is_reason {
            t!(i18n, order.approval.reason_quoted, <data> = <span translate="no" />, text)
                .into_any()
        } else {
            t!(i18n, order.approval.note_quoted, <data> = <span translate="no" />, text).into_any()
        }
    };
    let id = approval.id;
    let what = approval.clone();
    let asker = approval.requested_by.clone();
    let asked_at = approval.requested_at_display.clone();
    view! {
        <div
            class=format!("outcome outcome-{tone} approval-notice")
            role="status"
            data-testid=if waiting { "approval-waiting" } else { "approval-closed" }
        >
            <div class="outcome-head">
                <strong class="outcome-title">{title}</strong>
                <span class="subtle small">{move || t_string!(i18n, order.approval.request_id, id = id)}</span>
            </div>
            <p>
                <strong>{move || what_waits(&what, i18n.get_locale())}</strong>
                {move || {
                    t_string!(i18n, order.approval.asked_by, who = asker.clone(), when = asked_at.clone())
                }}
            </p>
            <p class="subtle small">{why}</p>
            {waiting.then(|| view! {
                <p class="outcome-next">
                    {t!(
                        i18n,
                        order.approval.waiting_hint,
                        who = approval.requested_by.clone(),
                        when = approval.expires_at_display.clone()
                    )}
                </p>
            })}
            {approval.decided_by.clone().map(|by| view! {
                <p class="outcome-next">
                    <strong>{move || t_string!(i18n, order.approval.rejected_by, who = by.clone())}</strong>
                    {approval.decision_note.clone().map(|n| format!(": \u{201c}{n}\u{201d}"))}
                    {tu_string!(i18n, order.approval.nothing_sent)}
                </p>
            })}
        </div>
    }
}
