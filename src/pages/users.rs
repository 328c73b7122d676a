//! `/users`: staff accounts, for admins. Add an account (its first password is shown once),
//! change a role, disable or enable, reset a password, end sessions. The server checks the role
//! in every call; other roles are told the page is for admins (403).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::users::{
    AddStaff, ChangeStaffRole, DisableStaff, EnableStaff, EndStaffSessions, ResetStaffPassword,
    StaffMember, list_staff,
};
use crate::auth::role::Role;
use crate::components::error_panel::RefusedPanel;
use crate::components::island::url;
use crate::components::live_region::{LiveRegion, Source};
use crate::error::AppError;
use crate::i18n::*;

/// The element the form and the list are rendered into, and again after each action.
const REGION: &str = "staff-region";

/// A role's name as people read it, in `locale` (the `<option value>` stays `Role::as_str`).
fn role_name(role: Role, locale: Locale) -> &'static str {
    match role {
        Role::Finance => td_string!(locale, users.roles.finance),
        Role::Operations => td_string!(locale, users.roles.operations),
        Role::Supervisor => td_string!(locale, users.roles.supervisor),
        Role::Admin => td_string!(locale, users.roles.admin),
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let staff = Resource::new(|| (), |_| list_staff());
    view! {
        <Title text=tu_string!(i18n, users.title) />
        <div class="page-head">
            <div>
                <h1>{tu_string!(i18n, users.heading)}</h1>
                <p class="subtle">{tu_string!(i18n, users.intro)}</p>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{tu_string!(i18n, users.loading)}</p> }>
            {move || Suspend::new(async move {
                match staff.await {
                    Ok(members) => view! {
                        <LiveRegion
                            region=REGION.to_string()
                            source={Source::of::<StaffRegion>("")}
                            poll=Source::default()
                            every_ms=0
                            testid="staff-message".to_string()
                        />
                        <div id=REGION><StaffAdmin members /></div>
                    }.into_any(),
                    Err(error) => view! { <Refused error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form and the list rendered again with what changed, for the page's live region.
#[server(prefix = "/api", endpoint = "users/region")]
pub async fn staff_region() -> Result<String, AppError> {
    let members = list_staff().await?;
    Ok(crate::components::live_region::render(move || {
        view! { <StaffAdmin members /> }
    }))
}

/// Why the staff list cannot be shown: not an admin (403), or another error.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <RefusedPanel
            error
            testid="admins-only"
            heading=tu_string!(i18n, users.admins_only.heading)
            body=tu_string!(i18n, users.admins_only.body)
        />
    }
}

/// Adding staff, and the staff list with its actions. A new or reset password comes back in
/// the answer and is shown once, in the message line (`data-secret`).
#[component]
fn StaffAdmin(members: Vec<StaffMember>) -> impl IntoView {
    view! {
        <AddForm />
        <StaffTable members />
    }
}

/// Words and a secret's note for a form that makes a first password.
fn password_done(locale: Locale) -> (String, &'static str) {
    (
        td_string!(locale, users.first_password, email = "{email}").to_string(),
        td_string!(locale, users.first_password_note),
    )
}

#[component]
fn AddForm() -> impl IntoView {
    let i18n = use_i18n();
    let (done, note) = password_done(i18n.get_locale_untracked());
    view! {
        <section class="panel">
            <h2>{tu_string!(i18n, users.add.heading)}</h2>
            <form
                method="post"
                action={url::<AddStaff>()}
                class="filters"
                data-testid="add-staff"
                data-live
                data-done=done
                data-secret="password"
                data-secret-note=note
                data-flash="one-time-password"
            >
                <label class="field field-grow">
                    <span>{tu_string!(i18n, users.add.email)}</span>
                    <input type="email" name="email" required maxlength="320" autocomplete="off" />
                </label>
                <label class="field">
                    <span>{tu_string!(i18n, users.add.role)}</span>
                    <select name="role">
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{role_name(r, i18n.get_locale_untracked())}</option> }).collect_view()}
                    </select>
                </label>
                <div class="filter-actions">
                    <button type="submit" class="button">{tu_string!(i18n, users.add.submit)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn StaffTable(members: Vec<StaffMember>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let (password, password_note) = password_done(locale);
    let rows = members
        .into_iter()
        .map(|m| {
            let email = m.email.clone();
            let status = if m.active {
                td_string!(locale, users.table.active)
            } else {
                td_string!(locale, users.table.disabled)
            };
            let badge = if m.active { "badge badge-success" } else { "badge badge-muted" };
            let last_sign_in = m
                .last_sign_in
                .clone()
                .unwrap_or_else(|| td_string!(locale, users.table.never).to_string());
            let role_label = td_string!(locale, users.table.role_of, email = email.clone()).to_string();
            let toggle = if m.active {
                view! {
                    <form method="post" action={url::<DisableStaff>()} data-live data-done={td_string!(locale, users.messages.account_disabled)}>
                        <input type="hidden" name="email" value=email.clone() />
                        <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.disable)}</button>
                    </form>
                }
                .into_any()
            } else {
                view! {
                    <form method="post" action={url::<EnableStaff>()} data-live data-done={td_string!(locale, users.messages.account_enabled)}>
                        <input type="hidden" name="email" value=email.clone() />
                        <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.enable)}</button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr data-testid="staff-row" data-email=email.clone()>
                    <td class="customer">{email.clone()}</td>
                    <td>
                        <form method="post" action={url::<ChangeStaffRole>()} class="inline-form" data-live data-done={td_string!(locale, users.messages.role_changed)}>
                            <input type="hidden" name="email" value=email.clone() />
                            <select name="role" aria-label=role_label>
                                {Role::ALL
                                    .into_iter()
                                    .map(|r| view! { <option value=r.as_str() selected=r == m.role>{role_name(r, locale)}</option> })
                                    .collect_view()}
                            </select>
                            <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.change)}</button>
                        </form>
                    </td>
                    <td><span class=badge>{status}</span></td>
                    <td class="nowrap" data-label=tu_string!(i18n, users.table.card_last_sign_in)>{last_sign_in}</td>
                    <td class="num" data-suffix=tu_string!(i18n, users.table.card_open)>{m.open_sessions}</td>
                    <td>
                        <div class="row-actions staff-actions">
                            {toggle}
                            <form
                                method="post"
                                action={url::<ResetStaffPassword>()}
                                data-live
                                data-done=password.clone()
                                data-secret="password"
                                data-secret-note=password_note
                                data-flash="one-time-password"
                            >
                                <input type="hidden" name="email" value=email.clone() />
                                <button type="submit" class="button button-secondary button-small">{tu_string!(i18n, users.buttons.reset_password)}</button>
                            </form>
                            <form method="post" action={url::<EndStaffSessions>()} data-live data-done={td_string!(locale, users.messages.sessions_ended, sessions = "{}").to_string()}>
                                <input type="hidden" name="email" value=email.clone() />
                                <button type="submit" class="button button-secondary button-small" disabled=m.open_sessions == 0>{tu_string!(i18n, users.buttons.end_sessions)}</button>
                            </form>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel table-panel" tabindex="0" aria-label=tu_string!(i18n, users.table.label)>
            <table class="orders staff" data-testid="staff-table">
                <thead>
                    <tr>
                        <th>{tu_string!(i18n, users.table.email)}</th>
                        <th>{tu_string!(i18n, users.table.role)}</th>
                        <th>{tu_string!(i18n, users.table.status)}</th>
                        <th>{tu_string!(i18n, users.table.last_sign_in)}</th>
                        <th class="num">{tu_string!(i18n, users.table.open_sessions)}</th>
                        <th>{tu_string!(i18n, users.table.actions)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
