//! The preload links of a lazily loaded island's wasm files, written on the server as the
//! island renders.
//!
//! Without them the browser asks for an island's files only once the main module has run and
//! found the island on the page: a second round of downloads that costs about a second on a
//! phone network (`end2end/bench/first-visit.mjs`). (Leptos writes such links for lazy routes
//! only, not for lazy islands.)

use leptos::prelude::*;
use leptos_meta::Link;

/// Registers `<link rel="preload">` in the page's head for every wasm file the lazy island
/// `island` (its function's name, `LiveRegion`) needs, and `modulepreload` for the loader.
pub fn island_files(island: &str) {
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, files, loader) = &*manifest;
    let key = format!("{}_loader_", snake_case(island));
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

/// `LiveRegion` → `live_region`, as `#[island(lazy)]` names an island's split module.
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
    fn an_island_is_named_as_its_split_module() {
        assert_eq!(snake_case("FilterBar"), "filter_bar");
        assert_eq!(snake_case("LiveRegion"), "live_region");
    }
}
