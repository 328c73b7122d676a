use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::auth::{Logout, whoami};
use crate::auth::CurrentUser;
use crate::auth::role::Role;

/// The signed-in user, for every page (loaded once by the layout).
pub type Me = Resource<Result<Option<CurrentUser>, crate::error::AppError>>;

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Finance => "Finance",
        Role::Operations => "Operations",
        Role::Supervisor => "Supervisor",
        Role::Admin => "Admin",
    }
}

/// Top bar with navigation and the signed-in user, and the page area. `data-hydrated` appears
/// once the browser app has taken over the server-rendered page (end-to-end tests wait for it).
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let location = use_location();
    let me: Me = Resource::new(move || location.pathname.get() == "/login", |_| whoami());
    provide_context(me);
    let logout = ServerAction::<Logout>::new();
    let on = move |prefix: &'static str| move || location.pathname.get().starts_with(prefix);
    view! {
        <div class="app" data-hydrated=move || hydrated.get().then_some("true")>
            <header class="topbar">
                <a href="/orders" class="brand">
                    <span class="brand-mark">"CD"</span>
                    <span class="brand-name">"Cancel Desk"</span>
                </a>
                <nav class="nav">
                    <a href="/orders" class:active=on("/orders")>
                        "Orders"
                    </a>
                    <a href="/codes" class:active=on("/codes")>
                        "Response codes"
                    </a>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let can_queue = me
                                .await
                                .ok()
                                .flatten()
                                .is_some_and(|u| u.role.can(crate::auth::role::Permission::ViewPendingQueue));
                            can_queue.then(|| view! { <PendingNavLink active=Signal::derive(on("/pending")) /> })
                        })}
                    </Suspense>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let can_audit = me
                                .await
                                .ok()
                                .flatten()
                                .is_some_and(|u| u.role.can(crate::auth::role::Permission::ViewAuditLog));
                            can_audit.then(|| view! { <a href="/audit" class:active=on("/audit")>"Audit log"</a> })
                        })}
                    </Suspense>
                </nav>
                <span class="topbar-note">"Times in WIB (GMT+7)"</span>
                <Suspense>
                    {move || Suspend::new(async move {
                        me.await.ok().flatten().map(|user| {
                            view! {
                                <div class="who" data-testid="signed-in">
                                    <span class="who-email">{user.email}</span>
                                    <span class="who-role">{role_label(user.role)}</span>
                                    <ActionForm action=logout>
                                        <button type="submit" class="link-button">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                        })
                    })}
                </Suspense>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// "Pending" in the navigation, with how many cancels need a person (refreshed every 15 s).
#[component]
fn PendingNavLink(active: Signal<bool>) -> impl IntoView {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|n| *n += 1),
            std::time::Duration::from_secs(15),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let count = Resource::new(
        move || tick.get(),
        |_| crate::api::pending::attention_count(),
    );
    view! {
        <a href="/pending" class:active=move || active.get() data-testid="nav-pending">
            "Pending"
            <Transition>
                {move || Suspend::new(async move {
                    count.await.ok().filter(|n| *n > 0).map(|n| view! {
                        <span class="nav-count" data-testid="attention-count" title="Cancels that need a person">{n}</span>
                    })
                })}
            </Transition>
        </a>
    }
}
