#!/usr/bin/env bash
# Builds the release dashboard and runs it on the embedded SQLite database under data/,
# seeding demo orders when the database is empty. Configuration: see the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
ensure_wasm_target
ensure_cargo_leptos
ensure_wasm_bindgen
ensure_node_modules   # binaryen's wasm-opt for the release build
cargo leptos build --release --split --precompress
exec target/release/cancel-desk serve --demo "$@"
