//! The router's fallback: a file of the site root (the browser bundle, the favicon), or else the
//! app's not-found page.
//!
//! It replaces `leptos_axum::file_and_error_handler`, whose file branch makes a reactive owner
//! with `Owner::new()`: a child of whatever owner the worker thread last had current. When that
//! was a page still rendering, the file response took the page's response options (its
//! Content-Security-Policy moved to a `.wasm` or the favicon) and the page went out under the
//! deny-all policy of non-pages, its scripts blocked. Serving files needs no owner at all.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use leptos::prelude::{IntoView, provide_context};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::state::AppState;

/// `shell`: the app's HTML shell, which renders the not-found page.
pub async fn files_or_not_found<IV: IntoView + 'static>(
    State(state): State<AppState>,
    request: Request,
    shell: fn(LeptosOptions) -> IV,
) -> Response {
    let (parts, _body) = request.into_parts();
    let root = state.leptos_options.site_root.to_string();
    if let Some(file) = site_file(&root, &parts).await {
        return file;
    }
    not_found_page(state, Request::from_parts(parts, Body::empty()), shell).await
}

/// The file of `root` the request names, if there is one (or a 304, a range, …: anything but a
/// 404). Only the path and the headers matter (conditional and range requests, accepted
/// encodings); a POST to an unknown address is looked up like a GET and gets the not-found page.
async fn site_file(root: &str, parts: &Parts) -> Option<Response> {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = if parts.method == Method::HEAD {
        Method::HEAD
    } else {
        Method::GET
    };
    *request.uri_mut() = parts.uri.clone();
    *request.headers_mut() = parts.headers.clone();
    let response = match ServeDir::new(root)
        .precompressed_gzip()
        .precompressed_br()
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    };
    (response.status() != StatusCode::NOT_FOUND).then(|| response.into_response())
}

/// The app renders the address (its router shows the not-found page, which sets 404 itself) on
/// a fresh root owner, as every page is.
async fn not_found_page<IV: IntoView + 'static>(
    state: AppState,
    request: Request,
    shell: fn(LeptosOptions) -> IV,
) -> Response {
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || provide_context(state.clone()),
        move || shell(options.clone()),
    );
    let mut response = render(request).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, header};
    use leptos::prelude::{Owner, provide_context, use_context};
    use leptos_axum::ResponseOptions;

    fn get(path: &str) -> axum::http::request::Parts {
        axum::http::Request::get(path)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    /// A page's response options on the thread's current owner, as a page still rendering can
    /// leave them: serving a file neither takes the page's headers nor wears them (leptos_axum's
    /// file handler made a child owner here and took them).
    #[tokio::test(flavor = "current_thread")]
    async fn a_file_leaves_the_headers_of_a_page_being_rendered_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();
        let root = dir.path().to_str().unwrap();
        let page = Owner::new();
        page.set();
        provide_context(ResponseOptions::default());
        let page_options = use_context::<ResponseOptions>().unwrap();
        page_options.insert_header(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'nonce-abc'"),
        );
        let file = super::site_file(root, &get("/favicon.svg"))
            .await
            .expect("the file is served");
        // The premise: the page's owner was current the whole time, where a file handler that
        // makes an owner would have found it.
        assert!(Owner::current() == Some(page.clone()));
        assert_eq!(file.status(), 200);
        assert!(!file.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(
            page_options
                .0
                .read()
                .unwrap()
                .headers
                .contains_key(header::CONTENT_SECURITY_POLICY),
            "the page keeps its policy"
        );
        assert!(
            super::site_file(root, &get("/pkg/gone.wasm"))
                .await
                .is_none()
        );
        page.unset();
    }
}
