use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Top bar with navigation, and the page area. `data-hydrated` appears once the browser app has
/// taken over the server-rendered page (end-to-end tests wait for it).
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let location = use_location();
    let on_orders = move || location.pathname.get().starts_with("/orders");
    view! {
        <div class="app" data-hydrated=move || hydrated.get().then_some("true")>
            <header class="topbar">
                <a href="/orders" class="brand">
                    <span class="brand-mark">"CD"</span>
                    <span class="brand-name">"Cancel Desk"</span>
                </a>
                <nav class="nav">
                    <a href="/orders" class:active=on_orders>
                        "Orders"
                    </a>
                </nav>
                <span class="topbar-note">"Times in WIB (GMT+7)"</span>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}
