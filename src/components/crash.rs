//! What a person sees when the browser app stops: a notice with a reload link.
//!
//! A panic ends the wasm app (release builds abort), leaving the server-rendered page on screen
//! with buttons that no longer answer. The usual cause is a deploy: a page's wasm file from the
//! release the tab was opened with is gone, and loading it fails on the first visit to that
//! page. The panic hook puts this notice on the page with plain DOM calls (the reactive runtime
//! may be what broke) in the page's language, and a link back to the same address: a reload gets
//! the new release.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::i18n::{Locale, td_string};

static SHOWN: AtomicBool = AtomicBool::new(false);

/// Logs the panic to the console as before, then shows the notice (once).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if !SHOWN.swap(true, Ordering::SeqCst) {
            show_notice();
        }
    }));
}

fn show_notice() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let locale = document
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|lang| crate::language::parse(&lang))
        .unwrap_or(Locale::en);
    let href = document
        .location()
        .and_then(|l| l.href().ok())
        .unwrap_or_else(|| "/".to_string());
    let build = || -> Option<web_sys::Element> {
        let notice = document.create_element("div").ok()?;
        notice.set_class_name("crash-notice panel notice notice-error");
        notice.set_attribute("role", "alert").ok()?;
        notice.set_attribute("data-testid", "crash-notice").ok()?;
        let title = document.create_element("strong").ok()?;
        title.set_text_content(Some(td_string!(locale, common.crash.title)));
        let text = document.create_element("p").ok()?;
        text.set_text_content(Some(td_string!(locale, common.crash.text)));
        let link = document.create_element("a").ok()?;
        link.set_class_name("button");
        link.set_attribute("href", &href).ok()?;
        // A full load by the browser itself: the router would handle a plain link in-app.
        link.set_attribute("rel", "external").ok()?;
        link.set_text_content(Some(td_string!(locale, common.crash.reload)));
        for child in [&title, &text, &link] {
            notice.append_child(child).ok()?;
        }
        document.body()?.append_child(&notice).ok()?;
        Some(notice)
    };
    let _ = build();
}
