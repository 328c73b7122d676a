#!/usr/bin/env bash
# Started by Playwright (end2end/playwright.config.ts): the release server on a fresh database
# with a fixed set of seeded orders.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/e2e"
rm -rf "$DIR" && mkdir -p "$DIR"
export DATABASE_URL="sqlite://$DIR/e2e.db"
export CANCEL_DESK_SITE_ROOT="$ROOT/target/site"
"$ROOT/target/release/cancel-desk" seed --orders 400 --seed 7
exec "$ROOT/target/release/cancel-desk" serve
