//! A four-eyes request where the order is: "waiting for approval by a supervisor" with what was
//! asked, by whom and until when; or, once closed without approval, who rejected it and why.

use leptos::prelude::*;

use crate::approval::model::{ApprovalKind, ApprovalState, ApprovalView};

/// The sentence naming what waits, for the order page.
fn what_waits(a: &ApprovalView) -> String {
    match a.kind {
        ApprovalKind::Cancel => format!("Cancel of {}", a.amount_display),
        ApprovalKind::Refund => format!("Refund of {}", a.amount_display),
        ApprovalKind::ResolveCancel | ApprovalKind::ResolveRefund => format!(
            "{} as \u{201c}{}\u{201d}",
            a.kind.label(),
            a.resolution.clone().unwrap_or_default()
        ),
    }
}

/// The request's state on the order page.
#[component]
pub fn ApprovalNotice(approval: ApprovalView) -> impl IntoView {
    let waiting = approval.state == ApprovalState::Waiting;
    let tone = if waiting { "pending" } else { "failed" };
    let title = match approval.state {
        ApprovalState::Waiting => "Waiting for approval by a supervisor",
        ApprovalState::Rejected => "The request was rejected",
        ApprovalState::Expired => "The request expired before anyone approved it",
        ApprovalState::Approved => "Approved",
    };
    let why_label = match approval.kind {
        ApprovalKind::Cancel | ApprovalKind::Refund => "Reason",
        _ => "Note",
    };
    view! {
        <div
            class=format!("outcome outcome-{tone} approval-notice")
            role="status"
            data-testid=if waiting { "approval-waiting" } else { "approval-closed" }
        >
            <div class="outcome-head">
                <strong class="outcome-title">{title}</strong>
                <span class="subtle small">{format!("Request {}", approval.id)}</span>
            </div>
            <p>
                <strong>{what_waits(&approval)}</strong>
                {format!(", asked by {} on {}.", approval.requested_by, approval.requested_at_display)}
            </p>
            <p class="subtle small">{format!("{why_label}: \u{201c}{}\u{201d}", approval.reason)}</p>
            {waiting.then(|| view! {
                <p class="outcome-next">
                    "Nothing has been sent to DANA yet. A supervisor or an admin other than "
                    {approval.requested_by.clone()}
                    " approves or rejects it on the Approvals page; it expires on "
                    {approval.expires_at_display.clone()}
                    "."
                </p>
            })}
            {approval.decided_by.clone().map(|by| view! {
                <p class="outcome-next">
                    <strong>{format!("Rejected by {by}")}</strong>
                    {approval.decision_note.clone().map(|n| format!(": \u{201c}{n}\u{201d}"))}
                    " Nothing was sent to DANA."
                </p>
            })}
        </div>
    }
}
