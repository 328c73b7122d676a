//! Security headers on every response. Pages get a Content-Security-Policy whose only inline
//! scripts are Leptos' own, carrying the request's nonce (set by the HTML shell, which knows it);
//! everything else gets a policy that allows nothing at all.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of an HTML page: scripts only from this origin or with this response's nonce (the
/// hydration script and streamed resources), WebAssembly compiled from them, nothing framed,
/// no plugins, no `<base>` rewriting.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `/pkg/cancel-desk.<hash>.wasm` and the like: a release bundle file named by its content.
pub fn is_hashed_bundle_file(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && !name.contains('/')
        && parts[parts.len() - 2].len() >= 8
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// For everything that is not a page (server-function answers, CSV, probes, files).
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// `State` is whether the site is served over TLS (`CANCEL_DESK_SECURE_COOKIES`): then browsers
/// are told to use HTTPS only (HSTS).
pub async fn security_headers(State(tls): State<bool>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let hashed_asset = is_hashed_bundle_file(path);
    let static_asset = path.starts_with("/pkg/") || matches!(path, "/favicon.svg" | "/favicon.ico");
    let mut response = next.run(request).await;
    let found = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_CSP),
        );
    }
    // A bundle file whose name carries its content hash never changes: cached for a year. Other
    // files are cached but revalidated (Last-Modified); nothing else is stored at all: pages
    // show money and customers.
    let cache = if hashed_asset && found {
        "public, max-age=31536000, immutable"
    } else if static_asset {
        "public, no-cache"
    } else {
        "no-store"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_policy_names_the_nonce_and_forbids_framing() {
        let csp = super::page_csp("abc123");
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("object-src 'none'"));
        assert!(csp.contains("base-uri 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn only_content_named_bundle_files_count_as_hashed() {
        assert!(super::is_hashed_bundle_file(
            "/pkg/cancel-desk.4Hq2x_9ZkLm3.wasm"
        ));
        assert!(super::is_hashed_bundle_file(
            "/pkg/cancel-desk.a1b2c3d4e5f6a7b8.css"
        ));
        assert!(!super::is_hashed_bundle_file("/pkg/cancel-desk.wasm"));
        assert!(!super::is_hashed_bundle_file("/pkg/cancel-desk_bg.wasm"));
        assert!(!super::is_hashed_bundle_file("/favicon.svg"));
        assert!(!super::is_hashed_bundle_file("/pkg/x/y.abcdefgh.js"));
    }
}
