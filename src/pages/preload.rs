//! The preload links of a page's wasm files, written by the page's route on the server.
//!
//! Leptos writes them too (`leptos_integration_utils`), but it looks the split manifest up
//! after an `.await`, through whatever reactive owner the worker thread has current by then.
//! When the request's task has moved to another thread the lookup finds nothing and the page
//! goes out without the links: half of all page loads here. The browser then asks for the
//! page's files only once the main module has run, a second round of downloads that cost about
//! a second on a phone network (`end2end/bench/first-visit.mjs`). Here the lookup runs inside
//! the page's own render, under the request's owner. When Leptos' links are there as well, the
//! browser still fetches each file once.

use leptos::prelude::*;
use leptos_meta::Link;

/// Registers `<link rel="preload">` in the page's head for every wasm file the page `route`
/// (the route type's name, `OrdersRoute`) needs, and `modulepreload` for the loader script.
pub fn page_files(route: &str) {
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, files, loader) = &*manifest;
    let key = format!("__{}_view_", snake_case(route));
    let Some((_, modules)) = files.iter().find(|(name, _)| name.starts_with(&key)) else {
        return;
    };
    for module in modules {
        // Rendering a meta `<Link>` registers it for the head; it writes nothing where it is.
        let _ = view! {
            <Link
                rel="preload"
                href=format!("{pkg}/{module}.wasm")
                as_="fetch"
                type_="application/wasm"
                crossorigin="anonymous"
            />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{pkg}/{loader}") crossorigin="anonymous" /> }
        .to_html();
}

/// `OrderDetailRoute` → `order_detail_route`, as `#[lazy]` names a route's split module.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_type_is_named_as_its_split_module() {
        assert_eq!(snake_case("OrdersRoute"), "orders_route");
        assert_eq!(snake_case("OrderDetailRoute"), "order_detail_route");
    }
}
