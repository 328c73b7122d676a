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
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (several minutes on 2 cores, once per machine)"
  if CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked 2>/dev/null; then return; fi
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" 2>/dev/null | head -n1)
  [ -n "$src" ] || { echo "cargo-leptos source was not unpacked; cannot install" >&2; exit 1; }
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/cargo-leptos"
  # Its release profile (fat LTO, one codegen unit) takes 25 minutes here; a build tool that
  # splits, binds and hashes a few megabytes needs neither, and without them it builds in far less.
  (cd "$work/cargo-leptos" \
    && cargo update -p cargo-util-schemas --precise 0.14.1 \
    && CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --path . --locked)
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
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
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

# The tests also run on PostgreSQL, creating and dropping their own databases on the server at
# CANCEL_DESK_TEST_POSTGRES_URL (default: Debian's cluster on this machine, as postgres over
# loopback). A server that already answers, wherever it is, is left exactly as it is.
postgres_url() { printf '%s\n' "${CANCEL_DESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"; }

# psql exits 2 at once when nothing listens; the timeout bounds a connect that hangs.
postgres_answers() { PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'select 1' >/dev/null 2>&1; }

# host[:port] of a postgres:// URL, without user, database or parameters.
postgres_url_hostport() {
  local rest=${1#*://}
  rest=${rest%%[/?]*}
  printf '%s\n' "${rest##*@}"
}

# Only a server on this machine can be installed, started or opened up from here.
postgres_url_is_local() {
  case $(postgres_url_hostport "$1") in
    '' | 127.0.0.1 | 127.0.0.1:* | localhost | localhost:* | '[::1]' | '[::1]:'*) return 0 ;;
    *) return 1 ;;
  esac
}

postgres_url_port() {
  local rest
  rest=$(postgres_url_hostport "$1")
  rest=${rest#\[*\]} # a bracketed IPv6 address holds colons of its own
  case $rest in *:*) printf '%s\n' "${rest##*:}" ;; *) echo 5432 ;; esac
}

# Runs "$@" once a second until it succeeds; false after $1 seconds.
retry_for() {
  local seconds=$1 started=$SECONDS
  shift
  until "$@"; do
    if ((SECONDS - started >= seconds)); then return 1; fi
    sleep 1
  done
}

# pg_hba.conf rules are first-match, so these go before the packaged ones (peer and password
# rules the tests cannot satisfy). Only ever done to a local test server, and only once.
postgres_trust_loopback() {
  local version=$1
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  local marker='# Cancel Desk scripts/setup.sh: test server, loopback connections trusted'
  if grep -qxF "$marker" "$hba"; then return; fi
  log "trusting loopback connections in $hba"
  RULES="$marker"$'\nhost    all             all             127.0.0.1/32            trust\nhost    all             all             ::1/128                 trust' \
    awk '!done && !/^[[:space:]]*(#|$)/ { print ENVIRON["RULES"]; done = 1 } { print }
         END { if (!done) print ENVIRON["RULES"] }' "$hba" >"$hba.cancel-desk"
  cat "$hba.cancel-desk" >"$hba" # rewritten in place: keeps the file's owner and mode
  rm -f "$hba.cancel-desk"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
}

# Debian's packages and cluster tools (pg_createcluster, pg_ctlcluster), started without
# systemd: containers and CI runners have none. See ../shared/build-notes.md, "PostgreSQL".
ensure_postgres() {
  local url
  url=$(postgres_url)
  # psql is Debian's wrapper script: present with no client behind it, it fails even --version.
  if psql --version >/dev/null 2>&1 && postgres_answers "$url"; then return; fi
  if ! postgres_url_is_local "$url"; then
    echo "no PostgreSQL answers at $url, which is not on this machine: start that server," \
      "or unset CANCEL_DESK_TEST_POSTGRES_URL to use a local one" >&2
    exit 1
  fi

  local packages=()
  psql --version >/dev/null 2>&1 || packages+=(postgresql-client)
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    packages+=(postgresql postgresql-contrib) # contrib: the unaccent extension of the name search
  fi
  if ((${#packages[@]})); then
    log "installing ${packages[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${packages[@]}" >/dev/null
  fi

  # Installing the server usually creates the cluster "main"; a machine whose cluster was
  # dropped (or whose package skipped it) gets one of the newest installed version.
  local version="" dir
  for dir in /etc/postgresql/*/main; do
    if [ -d "$dir" ]; then
      version=$(basename "$(dirname "$dir")")
      break
    fi
  done
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "creating the PostgreSQL $version cluster main"
    pg_createcluster --port "$(postgres_url_port "$url")" "$version" main >/dev/null
  fi
  if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    log "starting the PostgreSQL $version cluster main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi

  # Up means accepting connections (pg_isready needs no login); up but refusing our login means
  # the packaged peer/password rules: open loopback up.
  if ! retry_for 30 pg_isready -q -d "$url"; then
    postgres_failed "$url" "$version" "is not accepting connections after 30 s"
  fi
  if ! postgres_answers "$url"; then
    postgres_trust_loopback "$version"
    retry_for 10 postgres_answers "$url" || postgres_failed "$url" "$version" "refuses the connection"
  fi
}

postgres_failed() {
  echo "PostgreSQL at $1 $3. psql says:" >&2
  PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'select 1' >&2 || true
  pg_lsclusters >&2 || true
  echo "(server log: /var/log/postgresql/postgresql-$2-main.log)" >&2
  exit 1
}

# Schemathesis (PyPI) tests the order intake API against its OpenAPI document; it lives in its
# own virtualenv under target/ so nothing is installed system-wide.
SCHEMATHESIS_VERSION=4.32.5
schemathesis_bin() { printf '%s\n' "$PWD/target/schemathesis/bin/schemathesis"; }
ensure_schemathesis() {
  if [ -x "$(schemathesis_bin)" ] && "$(schemathesis_bin)" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    return
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI"
  python3 -m venv "$PWD/target/schemathesis"
  "$PWD/target/schemathesis/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
}

setup_all() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_chromium
  ensure_node_modules
  ensure_schemathesis
  ensure_postgres
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ $# -eq 0 ]; then setup_all; else for step in "$@"; do "ensure_$step"; done; fi
fi
