use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::auth::Logout;
use crate::api::nav::{NavSummary, load_nav, poll_nav};
use crate::auth::CurrentUser;
use crate::auth::role::{Permission, Role};
use crate::components::language_switch::LanguageSwitch;
use crate::components::theme_switch::ThemeSwitch;
use crate::i18n::*;

/// The page frame's data (signed-in user, sandbox mode, attention count), loaded once by the
/// layout for every page and refreshed in the browser every 15 s.
pub type Me = Resource<Result<NavSummary, crate::error::AppError>>;

/// The signed-in user of the frame's data, if it has loaded.
pub fn current_user(me: Me) -> Option<CurrentUser> {
    me.get().and_then(Result::ok).and_then(|s| s.user)
}

/// A role's name for people, in `locale`.
pub fn role_label(role: Role, locale: Locale) -> &'static str {
    role.label_in(locale)
}

/// Whether the page in the frame is live in the browser; see [`mark_page_hydrated`].
#[derive(Clone, Copy)]
struct PageHydrated(RwSignal<bool>);

/// Called by every page's route: once the page (a lazily loaded route, hydrated after the frame)
/// runs in the browser, the frame gets `data-hydrated`, which end-to-end tests wait for before
/// they press anything.
pub fn mark_page_hydrated() {
    if let Some(PageHydrated(hydrated)) = use_context() {
        Effect::new(move |_| hydrated.set(true));
    }
}

/// Top bar with navigation and the signed-in user, and the page area. `data-hydrated` appears
/// once the browser app has taken over the server-rendered page, the page included.
///
/// Every resource of the frame is created here, unconditionally and before the page's own: the
/// server and the browser must create resources in the same order, or the browser hydrates one
/// resource with another's data and the page panics (`hydration.rs` unreachable).
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let hydrated = RwSignal::new(false);
    provide_context(PageHydrated(hydrated));
    let location = use_location();
    // Browser-only ticks: 0 on the server and while hydrating, so both render the same markup.
    let tick = RwSignal::new(0u64);
    let me: Me = Resource::new(
        move || (location.pathname.get() == "/login", tick.get()),
        |(_, tick)| async move {
            if tick == 0 {
                load_nav().await
            } else {
                poll_nav().await
            }
        },
    );
    provide_context(me);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                // Only roles that see the attention count need it refreshed.
                let counts = me
                    .get_untracked()
                    .and_then(Result::ok)
                    .is_some_and(|s| s.attention.is_some());
                if counts {
                    tick.update(|n| *n += 1);
                }
            },
            std::time::Duration::from_secs(15),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let logout = ServerAction::<Logout>::new();
    // The phone menu closes whenever the page changes.
    let menu_open = RwSignal::new(false);
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    let on = move |prefix: &'static str| move || location.pathname.get().starts_with(prefix);
    let on_import = move || location.pathname.get().starts_with("/orders/import");
    let summary = move || me.get().and_then(Result::ok);
    let user_can = move |permission: Permission| {
        summary()
            .and_then(|s| s.user)
            .is_some_and(|u| u.role.can(permission))
    };
    view! {
        <div class="app" data-hydrated=move || hydrated.get().then_some("true")>
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
                <button
                    type="button"
                    class="menu-button"
                    data-testid="menu-button"
                    aria-controls="topbar-menu"
                    aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                    on:click=move |_| menu_open.update(|open| *open = !*open)
                >
                    <span aria-hidden="true">"☰"</span>
                    " "
                    {tu_string!(i18n, common.menu)}
                </button>
                <div id="topbar-menu" class="topbar-menu" class:open=move || menu_open.get()>
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
                                        {attention.filter(|n| *n > 0).map(|n| view! {
                                            <span class="nav-count" data-testid="attention-count" title=tu_string!(i18n, common.nav.attention_title)>{n}</span>
                                        })}
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
                                        {waiting.filter(|n| *n > 0).map(|n| view! {
                                            <span class="nav-count" data-testid="approvals-count" title=tu_string!(i18n, common.nav.approvals_title)>{n}</span>
                                        })}
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
                    <LanguageSwitch signed_in=Signal::derive(move || current_user(me).is_some()) />
                    <ThemeSwitch />
                    <Transition>
                        {move || Suspend::new(async move {
                            me.await.ok().and_then(|s| s.user).map(|user| {
                                view! {
                                    <div class="who" data-testid="signed-in">
                                        <span class="who-email">{user.email}</span>
                                        <span class="who-role">{move || role_label(user.role, i18n.get_locale())}</span>
                                        <a href="/account/password" class="who-link" data-testid="nav-password">{tu_string!(i18n, common.password)}</a>
                                        <ActionForm action=logout>
                                            <button type="submit" class="link-button">
                                                {tu_string!(i18n, common.sign_out)}
                                            </button>
                                        </ActionForm>
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
