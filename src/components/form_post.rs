//! Server function calls sent as a browser posts a form (form-encoded, to the function's URL),
//! asking for JSON, for islands that need only "done" or "why not" from the answer: no typed
//! decoding of it (nor encoding of the arguments) comes into the download.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::error::AppError;

/// A call being sent from a form: while it is, and why the server refused it (in the reader's
/// language). The form's island says both; on success it moves on (a page load).
#[derive(Clone, Copy)]
pub struct Sending {
    pub pending: RwSignal<bool>,
    pub problem: RwSignal<Option<String>>,
}

impl Sending {
    pub fn new() -> Self {
        Sending {
            pending: RwSignal::new(false),
            problem: RwSignal::new(None),
        }
    }

    /// Calls server function `S` with `fields`; on success the browser loads `then`.
    pub fn send<S: leptos::server_fn::ServerFn>(
        self,
        fields: Vec<(&'static str, String)>,
        then: String,
    ) {
        self.pending.set(true);
        self.problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let mut body = form_urlencoded::Serializer::new(String::new());
            for (name, value) in &fields {
                body.append_pair(name, value);
            }
            match post(S::url(), body.finish()).await {
                // The page stays busy until the next one loads.
                Ok(_) => {
                    let _ = window().location().set_href(&then);
                }
                Err(error) => {
                    self.problem
                        .set(Some(error.message_in(crate::language::current())));
                    self.pending.set(false);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, then);
    }
}

impl Default for Sending {
    fn default() -> Self {
        Self::new()
    }
}

/// Posts `form` (its fields form-encoded, as the browser would) to its `action`: the answer's
/// text, or the server's error.
#[cfg(feature = "hydrate")]
pub async fn send_form(form: &web_sys::HtmlFormElement) -> Result<String, AppError> {
    let data = web_sys::FormData::new_with_form(form).map_err(|_| transport("form"))?;
    let body = String::from(
        web_sys::UrlSearchParams::new_with_str_sequence_sequence(data.as_ref())
            .map_err(|_| transport("form"))?
            .to_string(),
    );
    post(&form.action(), body).await
}

/// Posts `body` (form-encoded) to `url` as a server function call: the answer's text, or the
/// server's error (its JSON, else the status).
#[cfg(feature = "hydrate")]
pub async fn post(url: &str, body: String) -> Result<String, AppError> {
    let response = gloo_net::http::Request::post(url)
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|e| transport(&e.to_string()))?
        .send()
        .await
        .map_err(|e| transport(&e.to_string()))?;
    let ok = response.ok();
    let text = response
        .text()
        .await
        .map_err(|e| transport(&e.to_string()))?;
    if ok {
        Ok(text)
    } else {
        Err(serde_json::from_str::<AppError>(&text)
            .unwrap_or_else(|_| transport(&response.status().to_string())))
    }
}

#[cfg(feature = "hydrate")]
fn transport(detail: &str) -> AppError {
    AppError::Transport(detail.to_string())
}
