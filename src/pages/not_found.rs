use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::http_status::HttpStatus;
use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <HttpStatus code=404 />
        <Title text=tu_string!(i18n, common.not_found.title) />
        <section class="panel notice" data-status="404">
            <h1>{tu_string!(i18n, common.not_found.heading)}</h1>
            <p>{tu_string!(i18n, common.not_found.text)}</p>
            <p>
                <a href="/orders" class="button button-secondary">
                    {tu_string!(i18n, common.not_found.go_to_orders)}
                </a>
            </p>
        </section>
    }
}
