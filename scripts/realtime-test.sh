#!/usr/bin/env bash
# The real-time end-to-end test (tests/realtime/pusher-e2e.mjs): the real pusher-js and laravel-echo from npm,
# under Node, against the local server on the embedded backend with its demo data — a demo customer with a funded
# wallet joins their private channel through POST /api/broadcasting/auth, places an order and receives its
# OrderStatusChanged; another customer's channel and an admins' channel are refused; then the customer and an
# admin talk in a support conversation (messages, the admins' unread badge, a typing whisper).
# pusher-js and laravel-echo come from scripts/install-test-services.sh; a missing one fails the run.
#   scripts/realtime-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ADDR=${REALTIME_ADDR:-127.0.0.1:3919}
if ! command -v node >/dev/null || [ ! -f tests/realtime/node_modules/pusher-js/package.json ] \
  || [ ! -f tests/realtime/node_modules/laravel-echo/package.json ]; then
  echo "realtime test: node, pusher-js or laravel-echo is missing; run scripts/install-test-services.sh" >&2
  exit 1
fi

# shellcheck source=scripts/local-server.sh
source scripts/local-server.sh
start_local_server "$ADDR" REALTIME_ADDR

# The demo's customer with a funded wallet, and a server and plan they can order (the banner's "try it" line).
try_it=$(grep -m1 '^  try it' "$work/server.log" || true)
read -r customer server plan < <(sed -E 's/.*customer ([^ ]+) .*server_id ([^ ]+) plan_id ([^ ]+).*/\1 \2 \3/' <<<"$try_it")
if [ -z "${plan:-}" ]; then
  echo "the local server's banner names no demo customer to order as" >&2
  exit 1
fi
token=$("$SERVER" token --subject "$customer")
admin=$("$SERVER" token --admin --subject realtime-admin)
node tests/realtime/pusher-e2e.mjs --base-url "http://$ADDR" --key 1000proxy-local --token "$token" \
  --admin-token "$admin" --customer "$customer" --server "$server" --plan "$plan"
