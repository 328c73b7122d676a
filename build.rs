//! Build steps: rebuild when the migrations change (`sqlx::migrate!` embeds them), and generate
//! the `i18n` module from the translation files in `locales/` (leptos_i18n checks every key at
//! compile time, so a key missing from one language fails the build).

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

/// One translation file per namespace and language: `locales/{en,id}/<namespace>.json`.
const NAMESPACES: [&str; 11] = [
    "common",
    "labels",
    "catalog",
    "errors",
    "orders",
    "order",
    "pending",
    "audit",
    "approvals",
    "users",
    "validation",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo::rerun-if-changed=build.rs");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let options = ParseOptions::default().interpolate_display(true);
    let config = Config::new("en")?
        .add_locale("id")?
        .add_namespaces(NAMESPACES)?
        .parse_options(options);
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out)?;
    Ok(())
}
