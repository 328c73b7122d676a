# Sourced by the scripts that start the release server on a throwaway database (e2e-server.sh,
# schemathesis.sh): `release_env DIR DATABASE_URL` empties DIR and points every path setting
# into it, so runs never share keys, audit files or a SQLite database.
release_env() {
  local dir=$1 root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  rm -rf "$dir" && mkdir -p "$dir"
  export DATABASE_URL=$2
  export CANCEL_DESK_SITE_ROOT="$root/target/site"
  export CANCEL_DESK_KEY_DIR="$dir/keys"
  export CANCEL_DESK_AUDIT_KEY_PATH="$dir/audit.key"
  export CANCEL_DESK_AUDIT_CHECKPOINT_PATH="$dir/audit-checkpoints.jsonl"
  BIN="$root/target/release/cancel-desk"
}
