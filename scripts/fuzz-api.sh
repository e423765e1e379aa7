#!/usr/bin/env bash
# The OpenAPI fuzzer: schemathesis (from PyPI, in its venv: scripts/install-test-services.sh) against the local server on the embedded
# backend with its demo data, once as an admin over the /admin routes and once as customers over the /api
# routes. Every check runs (`--checks all`) but two: the local server answers a method a path does not have as
# API Gateway does — 404 `{"message":"Not Found"}`, without `Allow` — not 405, so `unsupported_method` and
# `allow_header_conformance` would hold it to a server API Gateway is not. Generation is deterministic, so a
# failure reproduces; `scripts/fuzz/schemathesis.toml` says what is widened and why. Fails on any failure.
#   scripts/fuzz-api.sh                 (builds the local server first)
#   FUZZ_SEED=7 FUZZ_EXAMPLES=100 scripts/fuzz-api.sh   (a random run of its own)
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_VENV=${FUZZ_VENV:-.venv-fuzz}
[ -x "$FUZZ_VENV/bin/schemathesis" ] || { echo "schemathesis is missing: run scripts/install-test-services.sh" >&2; exit 1; }
ST=$(realpath "$FUZZ_VENV/bin/schemathesis")
ADDR=${FUZZ_ADDR:-127.0.0.1:3917}
EXAMPLES=${FUZZ_EXAMPLES:-25}
# Deterministic unless FUZZ_SEED asks for a seeded random run (to look further than CI does).
if [ -n "${FUZZ_SEED:-}" ]; then generation=(--seed "$FUZZ_SEED"); else generation=(--generation-deterministic); fi

# shellcheck source=scripts/local-server.sh
source scripts/local-server.sh
start_local_server "$ADDR" FUZZ_ADDR

# Customers' routes are rate limited per customer: the customer run takes 100 customers' tokens in turn
# (scripts/fuzz/hooks.py); each is signed up on its first call, as a dev token's new subject is.
for i in $(seq 1 100); do "$SERVER" token --subject "fuzz-customer-$i"; done > "$work/customers"
admin=$("$SERVER" token --admin --subject fuzz-admin)

run() {
  local name=$1; shift
  echo "== schemathesis: $name"
  (cd scripts/fuzz && "$ST" --config-file schemathesis.toml --no-color run "http://$ADDR/openapi.json" \
    --url "http://$ADDR" --checks all --exclude-checks unsupported_method,allow_header_conformance \
    --max-examples "$EXAMPLES" "${generation[@]}" "$@")
}
status=0
run "admin routes" --include-path-regex '^/admin/' -H "Authorization: Bearer $admin" || status=1
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=. FUZZ_TOKENS="$work/customers" run "customer routes" --include-path-regex '^/api/' \
  || status=1
exit $status
