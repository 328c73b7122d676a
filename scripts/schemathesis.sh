#!/usr/bin/env bash
# The order intake API against its own OpenAPI document: the release server on a fresh
# database with an intake token, and schemathesis generating batches (valid and not) for
# POST /api/v1/orders. It fails on any 5xx, any status code or content type the document does
# not list, and any response body that breaks the document's schema.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/release-env.sh
source "$ROOT/scripts/release-env.sh"
# SQLite unless the caller gives a fresh database (test.sh does, for PostgreSQL).
DIR="$ROOT/target/schemathesis-run"
release_env "$DIR" "${SCHEMATHESIS_DATABASE_URL:-sqlite://$DIR/st.db}"
export RUST_LOG=warn
PORT=${SCHEMATHESIS_PORT:-3109}
export CANCEL_DESK_ADDR="127.0.0.1:$PORT"
TOKEN=$("$BIN" token create --name schemathesis | grep '^cdt_')
"$BIN" serve --sandbox > "$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done
"$ROOT/target/schemathesis/bin/schemathesis" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-200}" \
  --generation-database none \
  --seed 20261126
