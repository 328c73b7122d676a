//! Keyboard focus that follows the step a form moves to.

use leptos::html::ElementType;
use leptos::prelude::*;

/// Moves focus to `target` once the browser has drawn the change that shows it: focusing an
/// element that is still hidden does nothing, and the keyboard user would be left on `<body>`.
pub fn focus_after_render<E>(target: NodeRef<E>)
where
    E: ElementType,
    E::Output: leptos::wasm_bindgen::JsCast + AsRef<leptos::web_sys::HtmlElement> + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = target.get_untracked() {
            let element: &leptos::web_sys::HtmlElement = element.as_ref();
            let _ = element.focus();
        }
    });
}
