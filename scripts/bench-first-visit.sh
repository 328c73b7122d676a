#!/usr/bin/env bash
# The first-visit bench (end2end/bench/first-visit.mjs) against the release build on a fresh
# seeded database: build with `cargo leptos build --release --split --precompress` first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT=${BENCH_PORT:-3137}
export E2E_PASSWORD=${E2E_PASSWORD:-e2e-password-kopi-42}
CANCEL_DESK_ADDR=127.0.0.1:$PORT RUST_LOG=warn bash "$ROOT/scripts/e2e-server.sh" > /tmp/cancel-desk-bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/login" && break
  sleep 0.5
done
BENCH_URL="http://127.0.0.1:$PORT" node "$ROOT/end2end/bench/first-visit.mjs"
