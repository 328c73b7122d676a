//! What every island starts with. The server renders each page whole; in the browser only its
//! islands run, each with a reactive root of its own that sees none of the server's contexts.

use leptos::prelude::*;

use crate::i18n::Locale;

/// Gives the island the page's language (`use_i18n`; in the browser read from `<html lang>`,
/// which the server wrote) and counts it towards the page's `data-hydrated` marker. First
/// thing in every `#[island]`.
pub fn enter() {
    if use_context::<leptos_i18n::I18nContext<Locale>>().is_none() {
        provide_context(crate::language::init_context());
    }
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| hydrated::one_more());
}

/// [`enter`] for an `#[island(lazy)]`, whose code is a wasm file of its own: `name` is the
/// island's function name, to preload that file with the page (`preload`).
pub fn enter_lazy(name: &'static str) {
    #[cfg(feature = "ssr")]
    crate::components::preload::island_files(name);
    #[cfg(not(feature = "ssr"))]
    let _ = name;
    enter();
}

/// What is typed in `input` now (empty before it is in the page). Islands that submit a form
/// read their fields with it and call the server function themselves: `ActionForm` would bring
/// form-data parsing (`serde_qs`) into every page's download.
pub fn input_value(input: NodeRef<leptos::html::Input>) -> String {
    input.get_untracked().map(|e| e.value()).unwrap_or_default()
}

/// The option chosen in `select` now (empty before it is in the page).
pub fn select_value(select: NodeRef<leptos::html::Select>) -> String {
    select
        .get_untracked()
        .map(|e| e.value())
        .unwrap_or_default()
}

/// `on:submit` for a form whose island calls the server function itself (`call`): the form
/// keeps its `method="post"` and `action` (the server function's URL, [`url`]) for a press
/// before the page is live.
pub fn on_submit(call: impl Fn() + 'static) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    move |ev| {
        ev.prevent_default();
        call();
    }
}

/// The URL of server function `S`, a direct-call form's `action`.
pub fn url<S: leptos::server_fn::ServerFn>() -> &'static str {
    S::url()
}

/// Data an island was rendered with, loaded again in the browser (on a timer, after an action).
/// The server renders the island from what it passes as props, so the browser hydrates from the
/// same value with nothing to wait for: a `Resource` read under a `Suspense` inside an island
/// could still be loading when the island hydrates, and the markup then differs from the
/// server's. Of overlapping loads only the latest one requested lands.
pub struct Live<T: Send + Sync + 'static> {
    value: RwSignal<T>,
    requested: StoredValue<u64>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T: Clone + Send + Sync + 'static> Live<T> {
    pub fn new(initial: T) -> Self {
        Live {
            value: RwSignal::new(initial),
            requested: StoredValue::new(0),
        }
    }

    /// The value now (tracked).
    pub fn get(self) -> T {
        self.value.get()
    }

    /// Loads the value again with `load` (a server function call); the answer replaces the value
    /// unless a later load was asked for meanwhile.
    pub fn reload<F>(self, load: F)
    where
        F: std::future::Future<Output = T> + 'static,
    {
        self.requested.update_value(|n| *n += 1);
        #[cfg(feature = "hydrate")]
        {
            let this = self.requested.get_value();
            leptos::task::spawn_local(async move {
                let value = load.await;
                if self.requested.try_get_value() == Some(this) {
                    let _ = self.value.try_set(value);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        drop(load);
    }
}

/// `data-hydrated="true"` on the frame once every island on the page runs in the browser:
/// end-to-end tests wait for it before they press anything (before then a press would be an
/// ordinary form post, or nothing).
#[cfg(feature = "hydrate")]
mod hydrated {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static LIVE: AtomicUsize = AtomicUsize::new(0);

    pub fn one_more() {
        let live = LIVE.fetch_add(1, Ordering::Relaxed) + 1;
        let document = leptos::prelude::document();
        let islands = document
            .query_selector_all("leptos-island")
            .map(|list| list.length() as usize)
            .unwrap_or(0);
        if live >= islands
            && let Ok(Some(frame)) = document.query_selector(".app")
        {
            let _ = frame.set_attribute("data-hydrated", "true");
        }
    }
}
