#!/usr/bin/env bash
# Started by Playwright (end2end/playwright.config.ts): the release server on a fresh database
# (SQLite, or the fresh database E2E_DATABASE_URL names) with a fixed set of seeded orders, the
# sandbox scenario orders, and one account per role.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/e2e"
rm -rf "$DIR" && mkdir -p "$DIR"
# SQLite unless the caller gives a fresh database (test.sh does, for PostgreSQL).
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$DIR/e2e.db}"
export CANCEL_DESK_SITE_ROOT="$ROOT/target/site"
export CANCEL_DESK_KEY_DIR="$DIR/keys"
export CANCEL_DESK_AUDIT_KEY_PATH="$DIR/audit.key"
export CANCEL_DESK_AUDIT_CHECKPOINT_PATH="$DIR/audit-checkpoints.jsonl"
# A lost DANA answer shows up in 2 s instead of 8; the worker waits 10 min between retries so
# the browser tests, not the worker, settle the pending cancels they look at.
export DANA_TIMEOUT_MS=2000
export CANCEL_DESK_RETRY_BACKOFF_SECONDS=600
BIN="$ROOT/target/release/cancel-desk"
"$BIN" seed --orders 400 --seed 7 --scenarios
for role in finance operations supervisor admin; do
  printf '%s\n' "${E2E_PASSWORD:?}" | "$BIN" user add --email "$role@e2e.test" --role "$role"
done
exec "$BIN" serve --sandbox
