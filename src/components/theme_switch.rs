//! The top bar's colour theme switch: Auto (the device's setting) → Dark → Light → Auto. The
//! browser keeps the choice in a cookie (see `prefs`), and the page changes at once.

use leptos::prelude::*;

use crate::api::prefs::SetTheme;
use crate::prefs::Theme;

/// `<html data-theme>`, which the stylesheet reads; the server sets it on the next page load.
fn show(theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = match theme.attribute() {
            Some(value) => root.set_attribute("data-theme", value),
            None => root.remove_attribute("data-theme"),
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

/// `initial` is what the server rendered the page in.
#[component]
pub fn ThemeSwitch(initial: Theme) -> impl IntoView {
    let chosen = RwSignal::new(initial);
    let save = ServerAction::<SetTheme>::new();
    let switch = move |_| {
        let next = chosen.get_untracked().next();
        chosen.set(next);
        show(next);
        save.dispatch(SetTheme {
            theme: next.as_str().to_string(),
        });
    };
    view! {
        <button
            type="button"
            class="theme-switch"
            data-testid="theme-switch"
            data-theme-choice=move || chosen.get().as_str()
            title="Colour theme: Auto follows the device's setting"
            on:click=switch
        >
            <span class="theme-icon" aria-hidden="true">
                {move || match chosen.get() {
                    Theme::Auto => "◐",
                    Theme::Light => "☀",
                    Theme::Dark => "☾",
                }}
            </span>
            {move || format!("Theme: {}", chosen.get().label())}
        </button>
    }
}
