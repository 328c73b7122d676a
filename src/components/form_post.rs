//! Server function calls sent as a browser posts a form (form-encoded, to the function's URL),
//! asking for JSON: no typed encoding of the arguments (nor decoding of the answer) comes into
//! the download.

use crate::error::AppError;

/// Posts `form` (its fields form-encoded, as the browser would) to its `action`: the answer's
/// text, or the server's error.
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

fn transport(detail: &str) -> AppError {
    AppError::Transport(detail.to_string())
}
