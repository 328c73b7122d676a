use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::http_status::HttpStatus;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <HttpStatus code=404 />
        <Title text="Not found · Cancel Desk" />
        <section class="panel notice" data-status="404">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address."</p>
            <p>
                <a href="/orders" class="button button-secondary">
                    "Go to orders"
                </a>
            </p>
        </section>
    }
}
