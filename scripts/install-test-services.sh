#!/usr/bin/env bash
# Installs (only what is missing) the real servers and tools the test suite talks to:
#   redis-server (Debian), moto[server] as the AWS endpoint, cfn-lint, aws-sam-cli and cargo-lambda (with zig,
#   for the arm64 build of scripts/build-functions.sh) from PyPI.
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
