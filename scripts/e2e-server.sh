#!/usr/bin/env bash
# Started by Playwright (end2end/playwright.config.ts): the release server on a fresh database
# (SQLite, or the fresh database E2E_DATABASE_URL names) with a fixed set of seeded orders, the
# sandbox scenario orders, and one account per role.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/release-env.sh
source "$ROOT/scripts/release-env.sh"
# SQLite unless the caller gives a fresh database (test.sh does, for PostgreSQL).
DIR="$ROOT/target/e2e"
release_env "$DIR" "${E2E_DATABASE_URL:-sqlite://$DIR/e2e.db}"
# A lost DANA answer shows up in 2 s instead of 8; the worker waits 10 min between retries so
# the browser tests, not the worker, settle the pending cancels they look at.
export DANA_TIMEOUT_MS=2000
export CANCEL_DESK_RETRY_BACKOFF_SECONDS=600
"$BIN" seed --orders 400 --seed 7 --scenarios
for role in finance operations supervisor admin; do
  printf '%s\n' "${E2E_PASSWORD:?}" | "$BIN" user add --email "$role@e2e.test" --role "$role"
done
# A finance account of its own for the language test, which saves a choice on the account.
printf '%s\n' "${E2E_PASSWORD:?}" | "$BIN" user add --email "bahasa@e2e.test" --role finance
exec "$BIN" serve --sandbox
