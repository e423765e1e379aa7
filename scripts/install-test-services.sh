#!/usr/bin/env bash
# Installs (only what is missing) the real servers and tools the test suite talks to:
#   redis-server (Debian), moto[server] as the AWS endpoint, cfn-lint, aws-sam-cli and cargo-lambda (with zig,
#   for the arm64 build of scripts/build-functions.sh) from PyPI; for the browser tests (scripts/browser-test.sh)
#   Debian's chromium, playwright from PyPI (driving that chromium: Playwright's own browser builds are never
#   downloaded) and axe-core from npm (tests/browser/package-lock.json).
# The Python tools live in a virtual environment the project owns (.venv-test), so nothing global is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${TEST_VENV:-.venv-test}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "[install] redis-server (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
fi

# curl: scripts/fuzz-api.sh waits for the local server with it.
if ! command -v curl >/dev/null 2>&1; then
  echo "[install] curl (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq curl >/dev/null
fi

# chromium: the browser tests drive Debian's build at /usr/bin/chromium (Playwright's executable_path).
if [ ! -x /usr/bin/chromium ]; then
  echo "[install] chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi

# npm: installs axe-core for the browser tests' accessibility checks.
if ! command -v npm >/dev/null 2>&1; then
  echo "[install] nodejs, npm (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq nodejs npm >/dev/null
fi

# A venv with exactly `want` installed; a marker records what was, so a changed list re-installs.
venv_with() {
  local venv=$1 want=$2
  if [ ! -x "$venv/bin/python" ]; then
    echo "[install] python venv $venv"
    python3 -m venv "$venv"
  fi
  if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want" ]; then
    echo "[install] $want"
    "$venv/bin/pip" install -q --disable-pip-version-check $want
    echo "$want" > "$venv/.installed"
  fi
}

# Pinned to the minor versions CI was green with: a new linter release may add rules that fail the template.
venv_with "$VENV" "moto[server]==5.2.* cfn-lint==1.58.* aws-sam-cli==1.170.* cargo-lambda==1.9.*"
# The OpenAPI fuzzer (scripts/fuzz-api.sh) in a venv of its own: its pins (hypothesis, jsonschema) are not
# aws-sam-cli's.
venv_with "${FUZZ_VENV:-.venv-fuzz}" "schemathesis==4.32.*"
# The browser tests (scripts/browser-test.sh) in a venv of their own. `pip install playwright` brings only the
# library and its driver: no browser is downloaded (never `playwright install`: the tests launch /usr/bin/chromium).
venv_with "${BROWSER_VENV:-.venv-browser}" "playwright==1.65.*"

# npm packages exactly as a directory's package-lock.json pins them, into its node_modules (gitignored).
# `npm ci` runs again only when the lock changed since the last install (a copy of it is the marker) or the file
# that proves the install is missing. Usage: npm_ci_locked <dir> <file the install provides> <what, for the log>.
npm_ci_locked() {
  local dir=$1 proof=$2 what=$3
  if [ ! -f "$dir/node_modules/$proof" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock"; then
    echo "[install] $what (npm ci in $dir)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund --ignore-scripts)
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock"
  fi
}
# axe-core for the browser tests' accessibility checks.
npm_ci_locked tests/browser axe-core/axe.min.js axe-core
# pusher-js and laravel-echo, the clients the frontends use, for the real-time end-to-end test
# (scripts/realtime-test.sh).
npm_ci_locked tests/realtime laravel-echo/package.json "pusher-js, laravel-echo"
