use leptos::prelude::*;

/// Sets the HTTP status of the server-rendered response; does nothing in the browser.
#[component]
pub fn HttpStatus(code: u16) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
