//! A part of a page the server renders whole (a list and its forms) that stays current in the
//! browser without its views in the download: one small island sends the region's forms with
//! `fetch`, says what came of it, and puts in the region as the server renders it again (after
//! an action, and on a timer where the page asks for one).
//!
//! A form in the region takes part when it carries `data-live`; it keeps `method="post"` and its
//! server function's `action`, so a press before the page is live still works (as a plain post).
//! After it succeeded:
//! - `data-then`: the browser loads that URL (the page shows what came of it);
//! - `data-into`: the answer is HTML the server rendered (a next step), put into the element
//!   with that id, which is shown in place of the form's step;
//! - else the region is rendered again, and the message line says, from the JSON answer:
//!   `data-done`'s words (the server's, in the reader's language) with `{name}` filled from the
//!   answer's field `name` (`{}` from an answer that is one number or string); else an answer
//!   that is a string; else an answer's `message` (and `reference`, `tone`); else nothing (the
//!   region, rendered again, says what happened).
//!
//! `data-secret` names a field shown once as a secret (a first password), `data-secret-note` is
//! said under it, `data-flash` is the message's test id (else the island's) and `data-tone` its
//! colour. A button's `data-busy` is what it says while its form is sent. A refusal is said in
//! the form's `[data-error]` if it has one, else in the message line; the form keeps what was
//! typed.
//!
//! Steps: a `[data-step]` element is one step of a form that has several (only one shown, the
//! others `hidden`); a button's `data-go` names the step it moves to, which takes the focus
//! (its `[data-focus]`, else its first field, else its first button). A textarea's `data-counter` names the element that
//! counts its characters against its `maxlength`.
//!
//! The timer skips a turn while someone works in the region (the focus is in it, or a
//! `<details>` in it is open), while the tab is hidden, or while a form is being sent.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A server function that renders a region again: its URL and its arguments, form-encoded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub url: String,
    pub args: String,
}

impl Source {
    /// Server function `S` with `args` (`name=value` pairs, already encoded).
    pub fn of<S: leptos::server_fn::ServerFn>(args: impl Into<String>) -> Self {
        Source {
            url: S::url().to_string(),
            args: args.into(),
        }
    }
}

/// What the message line says.
#[derive(Clone, Debug, PartialEq)]
struct Message {
    testid: String,
    tone: String,
    /// Errors are `alert`s, anything else a `status`.
    alert: bool,
    reference: Option<String>,
    text: String,
    secret: Option<(String, String)>,
}

/// The island for the region with id `region`: it renders the message line, and in the browser
/// sends the region's forms and renders the region again from `source` after each success, and
/// every `every_ms` (0: never) from `poll` (a background path, which keeps nobody signed in);
/// a `source` with no URL: never.
#[island(lazy)]
pub fn LiveRegion(
    region: String,
    source: Source,
    poll: Source,
    every_ms: u32,
    testid: String,
) -> impl IntoView {
    crate::components::island::enter_lazy("LiveRegion");
    let message = RwSignal::new(None::<Message>);
    let line = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    browser::start(region, source, poll, every_ms, testid, message, line);
    #[cfg(not(feature = "hydrate"))]
    let _ = (region, source, poll, every_ms, testid);
    view! {
        <div class="live-message" tabindex="-1" node_ref=line>
            {move || message.get().map(|m| {
                let link = m.reference.map(|r| view! {
                    <a class="mono" href=crate::orders::model::order_path(&r)>{r.clone()}</a>
                    ": "
                });
                let secret = m.secret.map(|(value, note)| view! {
                    " " <code class="mono password" data-testid="password-value">{value}</code>
                    <span class="small secret-note">{note}</span>
                });
                let role = if m.alert { "alert" } else { "status" };
                view! {
                    <div class=format!("flash flash-{}", m.tone) role=role data-testid=m.testid>
                        {link}
                        {m.text}
                        {secret}
                    </div>
                }
            })}
        </div>
    }
}

/// The region rendered on the server with the request's language, for a server function that
/// answers with it (the one a [`Source`] names).
#[cfg(feature = "ssr")]
pub fn render<V: IntoView + 'static>(view: impl FnOnce() -> V) -> String {
    Owner::new().with(|| {
        provide_context(crate::language::init_context());
        view().to_html()
    })
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement, HtmlFormElement, HtmlTextAreaElement};

    use super::{Message, Source};
    use crate::components::form_post::{post, send_form};
    use crate::error::AppError;

    pub fn start(
        region: String,
        source: Source,
        poll: Source,
        every_ms: u32,
        testid: String,
        message: RwSignal<Option<Message>>,
        line: NodeRef<leptos::html::Div>,
    ) {
        let Some(root) = document().get_element_by_id(&region) else {
            return;
        };
        // For tests: the region's forms are sent from here from now on.
        let _ = root.set_attribute("data-live", "true");
        // A form being sent (one at a time), and the latest render asked for: of overlapping
        // renders (a timer's and an action's) only the latest one lands.
        let sending = StoredValue::new(false);
        let latest = StoredValue::new(0_u64);
        let (region, source, testid) = (
            StoredValue::new(region),
            StoredValue::new(source),
            StoredValue::new(testid),
        );
        // Whether the region was rendered anew. A failed render leaves it as it was; the
        // timer's next turn tries again.
        let render = move |root: Element, from: Source| async move {
            if from.url.is_empty() {
                return false;
            }
            latest.update_value(|n| *n += 1);
            let this = latest.get_value();
            if let Ok(text) = post(&from.url, from.args).await
                && let Ok(html) = serde_json::from_str::<String>(&text)
                && latest.get_value() == this
            {
                root.set_inner_html(&html);
                return true;
            }
            false
        };
        let listener = window_event_listener(leptos::ev::submit, move |ev| {
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
            else {
                return;
            };
            let Some(root) = document().get_element_by_id(&region.get_value()) else {
                return;
            };
            if !form.has_attribute("data-live") || !inside(&root, &form) {
                return;
            }
            ev.prevent_default();
            if sending.get_value() {
                return;
            }
            sending.set_value(true);
            set_busy(&root, &form, true);
            leptos::task::spawn_local(async move {
                let answer = send(&form).await;
                let slot = form.query_selector("[data-error]").ok().flatten();
                if let Ok(answer) = &answer {
                    if let Some(slot) = &slot {
                        slot.set_text_content(None);
                    }
                    if let Some(then) = form.get_attribute("data-then") {
                        // Busy until the next page is in.
                        let _ = window().location().set_href(&then);
                        return;
                    }
                    if let Some(step) = form
                        .get_attribute("data-into")
                        .and_then(|id| document().get_element_by_id(&id))
                    {
                        step.set_inner_html(answer.as_str().unwrap_or_default());
                        message.set(None);
                        set_busy(&root, &form, false);
                        go(&form, &step);
                        sending.set_value(false);
                        return;
                    }
                }
                let said = said(&form, answer, &testid.get_value());
                let ok = !said.alert;
                // A refusal is said once: in the form's own slot when it has one.
                let in_slot = match (&slot, ok) {
                    (Some(slot), false) => {
                        slot.set_text_content(Some(&said.text));
                        true
                    }
                    _ => false,
                };
                // An answer with nothing to say (the region says it) clears the line.
                let silent = in_slot || (said.text.is_empty() && said.secret.is_none());
                message.set((!silent).then_some(said));
                let rendered = ok && render(root.clone(), source.get_value()).await;
                if rendered {
                    // The pressed button is gone with the old rows: the focus goes to what
                    // came of it. A refusal leaves it in the form, to mend what was typed.
                    if let Some(line) = line.get_untracked() {
                        let _ = line.focus();
                    }
                } else {
                    set_busy(&root, &form, false);
                }
                sending.set_value(false);
            });
        });
        on_cleanup(move || listener.remove());
        // Moving between a form's steps, and counting what is typed, in this region only.
        let in_region = move |node: &web_sys::Node| {
            document()
                .get_element_by_id(&region.get_value())
                .is_some_and(|root| inside(&root, node))
        };
        let steps = window_event_listener(leptos::ev::click, move |ev| {
            let Some(button) = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|e| e.closest("[data-go]").ok().flatten())
            else {
                return;
            };
            if let Some(to) = button
                .get_attribute("data-go")
                .and_then(|id| document().get_element_by_id(&id))
                && in_region(&button)
            {
                go(&button, &to);
            }
        });
        on_cleanup(move || steps.remove());
        let counter = window_event_listener(leptos::ev::input, move |ev| {
            let Some(field) = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            else {
                return;
            };
            if let Some(count) = field
                .get_attribute("data-counter")
                .and_then(|id| document().get_element_by_id(&id))
                && in_region(&field)
            {
                let (typed, max) = (field.value().chars().count(), field.max_length());
                count.set_text_content(Some(&format!("{typed}/{max}")));
                let full = i32::try_from(typed).unwrap_or(i32::MAX) >= max;
                count.set_class_name(if full {
                    "counter counter-full"
                } else {
                    "counter"
                });
            }
        });
        on_cleanup(move || counter.remove());
        if every_ms > 0
            && let Ok(timer) = set_interval_with_handle(
                move || {
                    let Some(root) = document().get_element_by_id(&region.get_value()) else {
                        return;
                    };
                    if sending.get_value() || document().hidden() || at_work(&root) {
                        return;
                    }
                    let poll = poll.clone();
                    leptos::task::spawn_local(async move {
                        render(root, poll).await;
                    });
                },
                std::time::Duration::from_millis(u64::from(every_ms)),
            )
        {
            on_cleanup(move || timer.clear());
        }
    }

    /// Shows step `to` in place of the step `from` is in, and puts the focus on its
    /// `[data-focus]`, else its first field, else its first button.
    fn go(from: &Element, to: &Element) {
        if let Ok(Some(step)) = from.closest("[data-step]") {
            let _ = step.set_attribute("hidden", "");
        }
        let _ = to.remove_attribute("hidden");
        let first = [
            "[data-focus]",
            "textarea, input:not([type=hidden]), select",
            "button",
        ]
        .into_iter()
        .find_map(|selector| to.query_selector(selector).ok().flatten());
        if let Some(first) = first.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = first.focus();
        }
    }

    fn inside(outer: &web_sys::Node, inner: &web_sys::Node) -> bool {
        outer.contains(Some(inner))
    }

    /// Someone works in the region: the focus is in it, or a `<details>` in it is open.
    fn at_work(root: &Element) -> bool {
        let focused = document()
            .active_element()
            .is_some_and(|e| inside(root, &e));
        focused
            || root
                .query_selector("details[open]")
                .ok()
                .flatten()
                .is_some()
    }

    /// Disables the region's buttons while a form is sent (one at a time), and enables again
    /// only those it disabled (a button the server rendered disabled stays so); the pressed
    /// form's buttons say their `data-busy` words meanwhile.
    fn set_busy(root: &Element, form: &HtmlFormElement, busy: bool) {
        let Ok(buttons) = root.query_selector_all("button") else {
            return;
        };
        for i in 0..buttons.length() {
            let Some(button) = buttons.item(i).and_then(|b| b.dyn_into::<Element>().ok()) else {
                continue;
            };
            if busy && !button.has_attribute("disabled") {
                let _ = button.set_attribute("disabled", "");
                let _ = button.set_attribute("data-held", "");
            } else if !busy && button.has_attribute("data-held") {
                let _ = button.remove_attribute("disabled");
                let _ = button.remove_attribute("data-held");
            }
            if let Some(words) = button
                .get_attribute("data-busy")
                .filter(|_| inside(form, &button))
            {
                if busy {
                    let _ = button.set_attribute("data-idle", &button.inner_html());
                    button.set_text_content(Some(&words));
                } else if let Some(idle) = button.get_attribute("data-idle") {
                    button.set_inner_html(&idle);
                }
            }
        }
    }

    /// Posts `form` to its action: the JSON answer, or why not.
    async fn send(form: &HtmlFormElement) -> Result<serde_json::Value, AppError> {
        let text = send_form(form).await?;
        serde_json::from_str(&text).map_err(|e| AppError::Transport(e.to_string()))
    }

    /// What the message line says about `form`'s answer (see the module's header).
    fn said(
        form: &HtmlFormElement,
        answer: Result<serde_json::Value, AppError>,
        testid: &str,
    ) -> Message {
        let attr = |name: &str| form.get_attribute(name);
        let testid = attr("data-flash").unwrap_or_else(|| testid.to_string());
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                return Message {
                    testid,
                    tone: "failed".into(),
                    alert: true,
                    reference: None,
                    text: error.message_in(crate::language::current()),
                    secret: None,
                };
            }
        };
        let field = |name: &str| match answer.get(name) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let (reference, text) = match (attr("data-done"), &answer) {
            (Some(words), _) => (None, fill(&words, &answer)),
            (None, serde_json::Value::String(s)) => (None, s.clone()),
            (None, _) => (field("reference"), field("message").unwrap_or_default()),
        };
        let secret = attr("data-secret")
            .and_then(|name| field(&name))
            .map(|value| (value, attr("data-secret-note").unwrap_or_default()));
        Message {
            testid,
            tone: attr("data-tone")
                .or_else(|| field("tone"))
                .unwrap_or_else(|| "success".into()),
            alert: false,
            reference,
            text,
            secret,
        }
    }

    /// `words` with `{name}` replaced by the answer's field `name`, and `{}` by the answer itself.
    fn fill(words: &str, answer: &serde_json::Value) -> String {
        let plain = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut out = words.replace("{}", &plain(answer));
        if let serde_json::Value::Object(fields) = answer {
            for (name, value) in fields {
                out = out.replace(&format!("{{{name}}}"), &plain(value));
            }
        }
        out
    }
}
