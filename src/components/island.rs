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

/// The URL of server function `S`, a form's `action` (for a press before the page is live, and
/// for a live region, which sends it with `fetch`).
pub fn url<S: leptos::server_fn::ServerFn>() -> &'static str {
    S::url()
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
