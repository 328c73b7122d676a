//! `/approvals`: what waits for a second person (oldest first) with approve and
//! reject-with-note, and what was decided lately. Supervisors and admins; the server checks the
//! permission in every call, and nobody decides their own request.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::approvals::{
    ApprovalLists as Lists, ApproveRequest, RejectRequest, list_approvals,
};
use crate::approval::model::{ApprovalKind, ApprovalView};
use crate::components::error_panel::RefusedPanel;
use crate::components::island::url;
use crate::components::live_region::{LiveRegion, Source};
use crate::error::AppError;
use crate::i18n::*;
use crate::orders::model::order_path;

/// The element the lists are rendered into, and again after each decision.
const REGION: &str = "approvals-region";

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i18n = use_i18n();
    let lists = Resource::new(|| (), |_| list_approvals());
    view! {
        <Title text=tu_string!(i18n, approvals.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, approvals.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, approvals.intro)}</p>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, approvals.loading)}</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(lists) => view! {
                        <LiveRegion
                            region=REGION.to_string()
                            source={Source::of::<ApprovalsRegion>("")}
                            poll=Source::default()
                            every_ms=0
                            testid="approval-message".to_string()
                        />
                        <div id=REGION><ApprovalLists lists /></div>
                    }.into_any(),
                    Err(error) => view! { <Refused error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The lists rendered again with what changed, for the page's live region after a decision.
#[server(prefix = "/api", endpoint = "approvals/region")]
pub async fn approvals_region() -> Result<String, AppError> {
    let lists = list_approvals().await?;
    Ok(crate::components::live_region::render(move || {
        view! { <ApprovalLists lists /> }
    }))
}

/// Why the lists cannot be shown: not an approver (403), or another error.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <RefusedPanel
            error
            testid="approvers-only"
            heading=tu_string!(i18n, approvals.approvers_only.heading)
            body=tu_string!(i18n, approvals.approvers_only.body)
        />
    }
}

/// What waits (each with approve and reject-with-note) and what was decided lately.
#[component]
fn ApprovalLists(lists: Lists) -> impl IntoView {
    let i18n = use_i18n();
    let rule = match lists.threshold_display.clone() {
        None => t_string!(i18n, approvals.rule_off).to_string(),
        Some(t) => t_string!(i18n, approvals.rule, threshold = t).to_string(),
    };
    let count = lists.waiting.len();
    let heading = match count {
        0 => t_string!(i18n, approvals.nothing_waits).to_string(),
        1 => t_string!(i18n, approvals.one_waits).to_string(),
        n => t_string!(i18n, approvals.several_wait, total = n).to_string(),
    };
    view! {
        <section class="panel" data-testid="approvals-waiting">
            <h2>{heading}</h2>
            <p class="subtle small">{rule}</p>
            {(count == 0).then(move || view! { <p class="empty subtle">{tu_string!(i18n, approvals.empty)}</p> })}
            <div class="approval-list">
                {lists.waiting.into_iter().map(|approval| view! { <WaitingCard approval /> }).collect_view()}
            </div>
        </section>
        <DecidedTable decided=lists.decided />
    }
}

fn what(a: &ApprovalView, locale: Locale) -> String {
    match a.kind {
        ApprovalKind::Cancel | ApprovalKind::Refund => a.kind.label_in(locale).to_string(),
        _ => td_string!(
            locale,
            approvals.what_resolve,
            kind = a.kind.label_in(locale),
            resolution = crate::approval::model::resolution_label(
                a.resolution.as_deref().unwrap_or_default(),
                locale
            )
        )
        .to_string(),
    }
}

#[component]
fn WaitingCard(approval: ApprovalView) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let a = approval;
    let id = a.id.to_string();
    let note_id = format!("reject-note-{}", a.id);
    let label_for = note_id.clone();
    let by_hand = !matches!(a.kind, ApprovalKind::Cancel | ApprovalKind::Refund);
    let why = if by_hand {
        td_string!(locale, approvals.why_confirmed)
    } else {
        td_string!(locale, approvals.why_reason)
    };
    let waiting_since = td_string!(
        locale,
        approvals.waiting_since,
        age = a.age_display.clone(),
        since = a.requested_at_display.clone()
    )
    .to_string();
    let decide = if a.mine {
        view! {
            <p class="subtle small" data-testid="own-request">
                {tu_string!(i18n, approvals.own_request)}
            </p>
        }
        .into_any()
    } else {
        let approve_label = td_string!(
            locale,
            approvals.approve_label,
            number = id.clone(),
            reference = a.partner_reference_no.clone()
        )
        .to_string();
        view! {
            <div class="approval-actions">
                <form method="post" action={url::<ApproveRequest>()} data-live>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" class="button" aria-label=approve_label data-busy=tu_string!(i18n, approvals.working)>
                        {tu_string!(i18n, approvals.approve)}
                    </button>
                </form>
                <form method="post" action={url::<RejectRequest>()} class="reject-form" data-live>
                    <input type="hidden" name="id" value=id />
                    <label class="field field-grow" for=label_for>
                        <span>{tu_string!(i18n, approvals.reject_why)}</span>
                        <input id=note_id type="text" name="note" required maxlength="500" placeholder=tu_string!(i18n, approvals.reject_placeholder) />
                    </label>
                    <button type="submit" class="button button-secondary">
                        {tu_string!(i18n, approvals.reject)}
                    </button>
                </form>
            </div>
        }
        .into_any()
    };
    view! {
        <article class="approval-card" data-testid="approval-card" data-reference=a.partner_reference_no.clone()>
            <div class="approval-head">
                <div>
                    <p class="subtle small">{what(&a, locale)}</p>
                    <a class="mono approval-ref" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a>
                </div>
                <div class="amount-big">{a.amount_display.clone()}</div>
            </div>
            <dl class="facts">
                <dt>{why}</dt>
                <dd translate="no">{format!("\u{201c}{}\u{201d}", a.reason)}</dd>
                <dt>{tu_string!(i18n, approvals.asked_by)}</dt>
                <dd>{a.requested_by.clone()}</dd>
                <dt>{tu_string!(i18n, approvals.waiting)}</dt>
                <dd>{waiting_since}</dd>
                <dt>{tu_string!(i18n, approvals.expires)}</dt>
                <dd>{a.expires_at_display.clone()}</dd>
            </dl>
            {decide}
        </article>
    }
}

#[component]
fn DecidedTable(decided: Vec<ApprovalView>) -> impl IntoView {
    let i18n = use_i18n();
    if decided.is_empty() {
        return ().into_any();
    }
    let rows = decided
        .into_iter()
        .map(move |a| {
            let badge = match a.state {
                crate::approval::model::ApprovalState::Approved => "badge badge-success",
                crate::approval::model::ApprovalState::Rejected => "badge badge-failed",
                _ => "badge badge-muted",
            };
            let state = a.state;
            let what_text = {
                let a = a.clone();
                move || what(&a, i18n.get_locale())
            };
            view! {
                <tr data-testid="decided-row">
                    <td class="nowrap">{a.decided_at_display.clone().unwrap_or_default()}</td>
                    <td><a class="mono" href=order_path(&a.partner_reference_no)>{a.partner_reference_no.clone()}</a></td>
                    <td>{what_text}</td>
                    <td class="num nowrap">{a.amount_display.clone()}</td>
                    <td>{a.requested_by.clone()}</td>
                    <td><span class=badge>{move || state.label_in(i18n.get_locale())}</span></td>
                    <td>{a.decided_by.clone().unwrap_or_else(|| "\u{2014}".into())}</td>
                    <td translate="no">{a.decision_note.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>{tu_string!(i18n, approvals.decided.heading)}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=tu_string!(i18n, approvals.decided.label)>
                <table class="orders" data-testid="approvals-decided">
                    <thead>
                        <tr>
                            <th>{tu_string!(i18n, approvals.decided.when)}</th>
                            <th>{tu_string!(i18n, approvals.decided.order)}</th>
                            <th>{tu_string!(i18n, approvals.decided.request)}</th>
                            <th class="num">{tu_string!(i18n, approvals.decided.amount)}</th>
                            <th>{tu_string!(i18n, approvals.decided.asked_by)}</th>
                            <th>{tu_string!(i18n, approvals.decided.decision)}</th>
                            <th>{tu_string!(i18n, approvals.decided.by)}</th>
                            <th>{tu_string!(i18n, approvals.decided.note)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
