//! The top bar's colour theme switch: Auto (the device's setting) → Dark → Light → Auto. The
//! choice goes into a cookie on this device (see `prefs`), and the page changes at once.

use leptos::prelude::*;

use crate::i18n::*;
use crate::prefs::Theme;

/// The theme this page was rendered in: from the request's cookie on the server, from
/// `<html data-theme>` (which the server wrote) in the browser, so both render the same button.
fn rendered_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|p| Theme::from_headers(&p.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        if let Some(value) = document()
            .document_element()
            .and_then(|root| root.get_attribute("data-theme"))
        {
            return Theme::parse(&value).unwrap_or_default();
        }
        Theme::Auto
    }
}

/// Shows `theme` now (`<html data-theme>`, which the stylesheet reads) and keeps it for the next
/// page (the cookie, which the server reads).
fn choose(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = match theme.attribute() {
                Some(value) => root.set_attribute("data-theme", value),
                None => root.remove_attribute("data-theme"),
            };
        }
        let secure = window().location().protocol().is_ok_and(|p| p == "https:");
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&theme.cookie(secure));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

#[island]
pub fn ThemeSwitch() -> impl IntoView {
    crate::components::island::enter();
    let i18n = use_i18n();
    let chosen = RwSignal::new(rendered_theme());
    let switch = move |_| {
        let next = chosen.get_untracked().next();
        chosen.set(next);
        choose(next);
    };
    view! {
        <button
            type="button"
            class="theme-switch"
            data-testid="theme-switch"
            data-theme-choice=move || chosen.get().as_str()
            title=tu_string!(i18n, common.theme_title)
            on:click=switch
        >
            <span class="theme-icon" aria-hidden="true">
                {move || match chosen.get() {
                    Theme::Auto => "◐",
                    Theme::Light => "☀",
                    Theme::Dark => "☾",
                }}
            </span>
            <span class="theme-name">{move || t_string!(i18n, common.theme_label, theme = chosen.get().label_in(i18n.get_locale()))}</span>
        </button>
    }
}
