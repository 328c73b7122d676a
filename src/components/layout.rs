use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::api::auth::Logout;
use crate::api::nav::{NavSummary, load_nav};
use crate::auth::role::{Permission, Role};
use crate::components::island;
use crate::components::language_switch::LanguageSwitch;
use crate::components::theme_switch::ThemeSwitch;
use crate::i18n::*;

/// The page frame's data (signed-in user, sandbox mode, attention count), loaded by the layout
/// on the server for every page; the counts' islands refresh themselves ([`NavCount`]).
pub type Me = Resource<Result<NavSummary, crate::error::AppError>>;

/// A role's name for people, in `locale`.
pub fn role_label(role: Role, locale: Locale) -> &'static str {
    role.label_in(locale)
}

/// Top bar with navigation and the signed-in user, and the page area. Rendered on the server;
/// its live parts (the phone menu, the counts, the switches, signing out) are islands.
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let me: Me = Resource::new(move || location.pathname.get() == "/login", |_| load_nav());
    provide_context(me);
    let on = move |prefix: &'static str| move || location.pathname.get().starts_with(prefix);
    let on_import = move || location.pathname.get().starts_with("/orders/import");
    let summary = move || me.get().and_then(Result::ok);
    let user_can = move |permission: Permission| {
        summary()
            .and_then(|s| s.user)
            .is_some_and(|u| u.role.can(permission))
    };
    view! {
        <div class="app">
            <Transition>
                {move || Suspend::new(async move {
                    me.await.ok().filter(|s| s.sandbox).map(|_| view! {
                        <div class="sandbox-banner" role="status" data-testid="sandbox-banner">
                            {t!(i18n, common.sandbox_banner, <strong> = <strong />)}
                        </div>
                    })
                })}
            </Transition>
            <header class="topbar">
                <a href="/orders" class="brand">
                    <span class="brand-mark" aria-hidden="true">"CD"</span>
                    <span class="brand-name" translate="no">"Cancel Desk"</span>
                </a>
                // Phones: the navigation and the signed-in user fold into this menu.
                <MenuButton />
                <div id="topbar-menu" class="topbar-menu">
                    <nav class="nav" aria-label=tu_string!(i18n, common.nav_label)>
                        <a href="/orders" class:active=move || on("/orders")() && !on_import()>
                            {tu_string!(i18n, common.nav.orders)}
                        </a>
                        <a href="/codes" class:active=on("/codes")>
                            {tu_string!(i18n, common.nav.codes)}
                        </a>
                        <Transition>
                            {move || Suspend::new(async move {
                                let summary = me.await.ok();
                                let attention = summary.as_ref().and_then(|s| s.attention);
                                user_can(Permission::ViewPendingQueue).then(|| view! {
                                    <a href="/pending" class:active=on("/pending") data-testid="nav-pending">
                                        {tu_string!(i18n, common.nav.pending)}
                                        {attention.map(|n| view! { <NavCount count=NavCountKind::Attention initial=n /> })}
                                    </a>
                                })
                            })}
                        </Transition>
                        <Transition>
                            {move || Suspend::new(async move {
                                let summary = me.await.ok();
                                let waiting = summary.as_ref().and_then(|s| s.approvals_waiting);
                                user_can(Permission::Approve).then(|| view! {
                                    <a href="/approvals" class:active=on("/approvals") data-testid="nav-approvals">
                                        {tu_string!(i18n, common.nav.approvals)}
                                        {waiting.map(|n| view! { <NavCount count=NavCountKind::Approvals initial=n /> })}
                                    </a>
                                })
                            })}
                        </Transition>
                        <Transition>
                            {move || Suspend::new(async move {
                                let _ = me.await;
                                user_can(Permission::ViewAuditLog).then(|| view! { <a href="/audit" class:active=on("/audit")>{tu_string!(i18n, common.nav.audit)}</a> })
                            })}
                        </Transition>
                        <Transition>
                            {move || Suspend::new(async move {
                                let _ = me.await;
                                user_can(Permission::ImportOrders).then(|| view! { <a href="/orders/import" class:active=on_import data-testid="nav-import">{tu_string!(i18n, common.nav.import)}</a> })
                            })}
                        </Transition>
                        <Transition>
                            {move || Suspend::new(async move {
                                let _ = me.await;
                                user_can(Permission::ManageUsers).then(|| view! { <a href="/users" class:active=on("/users") data-testid="nav-users">{tu_string!(i18n, common.nav.staff)}</a> })
                            })}
                        </Transition>
                    </nav>
                    <span class="topbar-note">{tu_string!(i18n, common.times_note)}</span>
                    <Transition>
                        {move || Suspend::new(async move {
                            let signed_in = me.await.ok().is_some_and(|s| s.user.is_some());
                            view! { <LanguageSwitch signed_in /> }
                        })}
                    </Transition>
                    <ThemeSwitch />
                    <Transition>
                        {move || Suspend::new(async move {
                            me.await.ok().and_then(|s| s.user).map(|user| {
                                view! {
                                    <div class="who" data-testid="signed-in">
                                        <span class="who-email" title=user.email.clone()>{user.email.clone()}</span>
                                        <span class="who-role">{move || role_label(user.role, i18n.get_locale())}</span>
                                        <a href="/account/password" class="who-link" data-testid="nav-password">{tu_string!(i18n, common.password)}</a>
                                        <SignOut />
                                    </div>
                                }
                            })
                        })}
                    </Transition>
                </div>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// Phones: the navigation and the signed-in user fold into the menu this button opens.
#[island]
fn MenuButton() -> impl IntoView {
    island::enter();
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    // The menu is the server's markup around this island: its class follows the button.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let open = open.get();
        if let Some(menu) = document().get_element_by_id("topbar-menu") {
            let _ = menu.class_list().toggle_with_force("open", open);
        }
    });
    view! {
        <button
            type="button"
            class="menu-button"
            data-testid="menu-button"
            aria-controls="topbar-menu"
            aria-expanded=move || if open.get() { "true" } else { "false" }
            on:click=move |_| open.update(|open| *open = !*open)
        >
            <span aria-hidden="true">"☰"</span>
            " "
            {tu_string!(i18n, common.menu)}
        </button>
    }
}

/// Which number a [`NavCount`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NavCountKind {
    /// Open cancels needing a person (`/pending`).
    Attention,
    /// Requests waiting for a second person (`/approvals`).
    Approvals,
}

/// A number beside a link of the top bar, refreshed every 15 s while the page is open (shown
/// only above zero). The counts of a page share one request ([`poll`]).
#[island]
fn NavCount(count: NavCountKind, initial: i64) -> impl IntoView {
    island::enter();
    let i18n = use_i18n();
    let n = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    poll::listen(count, n);
    let (test_id, title) = match count {
        NavCountKind::Attention => (
            "attention-count",
            tu_string!(i18n, common.nav.attention_title),
        ),
        NavCountKind::Approvals => (
            "approvals-count",
            tu_string!(i18n, common.nav.approvals_title),
        ),
    };
    move || {
        (n.get() > 0).then(
            || view! { <span class="nav-count" data-testid=test_id title=title>{n.get()}</span> },
        )
    }
}

/// The top bar's counts, asked for once every 15 s for all of a page's [`NavCount`]s (an admin
/// sees two). Islands live as long as the page, so the listeners are never removed.
#[cfg(feature = "hydrate")]
mod poll {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::*;

    use super::NavCountKind;

    thread_local! {
        static LISTENERS: RefCell<Vec<(NavCountKind, RwSignal<i64>)>> = const { RefCell::new(Vec::new()) };
        static STARTED: Cell<bool> = const { Cell::new(false) };
    }

    pub fn listen(count: NavCountKind, n: RwSignal<i64>) {
        LISTENERS.with(|l| l.borrow_mut().push((count, n)));
        if STARTED.replace(true) {
            return;
        }
        let _ = set_interval_with_handle(
            || {
                leptos::task::spawn_local(async {
                    let Ok(summary) = crate::api::nav::poll_nav().await else {
                        return;
                    };
                    LISTENERS.with(|l| {
                        for (count, n) in l.borrow().iter() {
                            let now = match count {
                                NavCountKind::Attention => summary.attention,
                                NavCountKind::Approvals => summary.approvals_waiting,
                            };
                            if let Some(now) = now {
                                let _ = n.try_set(now);
                            }
                        }
                    });
                });
            },
            std::time::Duration::from_secs(15),
        );
    }
}

/// The top bar's sign-out button: the server's redirect then loads the sign-in page. (The call
/// is made directly rather than through `ActionForm`, whose form-data parsing would otherwise
/// be in the main module every page loads.)
#[island]
fn SignOut() -> impl IntoView {
    island::enter();
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let url = <Logout as leptos::server_fn::ServerFn>::url();
    view! {
        <form
            method="post"
            action=url
            on:submit=move |ev| {
                ev.prevent_default();
                logout.dispatch(Logout {});
            }
        >
            <button type="submit" class="link-button">
                {tu_string!(i18n, common.sign_out)}
            </button>
        </form>
    }
}
