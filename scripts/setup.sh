#!/usr/bin/env bash
# Installs everything Cancel Desk needs to build and test, idempotently.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run on its own.
# Only package registries are reachable here, so nothing is downloaded from elsewhere:
# see ../shared/build-notes.md for why each step looks the way it does.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.11
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# cargo-leptos 0.3.11's lock pins cargo-util-schemas 0.14.2, which needs a newer rustc than ours;
# 0.14.1 builds. The first (failing) install unpacks the source we then patch and install.
ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores, once per machine)"
  if cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked 2>/dev/null; then return; fi
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" 2>/dev/null | head -n1)
  [ -n "$src" ] || { echo "cargo-leptos source was not unpacked; cannot install" >&2; exit 1; }
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/cargo-leptos"
  (cd "$work/cargo-leptos" \
    && cargo update -p cargo-util-schemas --precise 0.14.1 \
    && cargo install --path . --locked)
  rm -rf "$work"
}

# cargo-leptos would download wasm-bindgen from GitHub; one on PATH with the exact version of the
# app's Cargo.lock is used instead.
ensure_wasm_bindgen() {
  [ -f "$ROOT/Cargo.lock" ] || (cd "$ROOT" && cargo generate-lockfile)
  local want
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return; fi
  log "installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  log "installing Chromium from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
}

# Playwright and binaryen's wasm-opt (for release builds) come from npm, pinned by the lockfile.
ensure_node_modules() {
  local stamp="$ROOT/end2end/node_modules/.lock-stamp"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/end2end/package-lock.json"; then return; fi
  log "installing end2end npm packages"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/end2end/package-lock.json" "$stamp"
}

setup_all() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_chromium
  ensure_node_modules
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ $# -eq 0 ]; then setup_all; else for step in "$@"; do "ensure_$step"; done; fi
fi
