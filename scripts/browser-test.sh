#!/usr/bin/env bash
# The browser tests of the admin pages (tests/browser/test_pages.py): Playwright from its venv driving Debian's
# headless Chromium (/usr/bin/chromium) against the local server on the embedded backend with its demo data,
# signed in once as an admin and once as a customer (who must see 403). Every page is checked for its panels,
# charts and navigation, with axe-core (serious or critical violations fail), at 1440 and 390 px; the system,
# queues and inventory pages' actions are clicked through. No request may leave the local server's address,
# nor any console error occur. Screenshots go to $SCREENSHOT_DIR (target/browser/screenshots).
# Chromium, Playwright and axe-core come from scripts/install-test-services.sh; a missing one fails the run.
#   scripts/browser-test.sh                     (builds the local server first)
#   scripts/browser-test.sh --only inventory    (only the checks whose name contains "inventory")
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER_VENV=${BROWSER_VENV:-.venv-browser}
AXE=tests/browser/node_modules/axe-core/axe.min.js
SCREENSHOT_DIR=${SCREENSHOT_DIR:-target/browser/screenshots}
ADDR=${BROWSER_ADDR:-127.0.0.1:3918}

missing=()
[ -x /usr/bin/chromium ] || missing+=("chromium (/usr/bin/chromium)")
"$BROWSER_VENV/bin/python" -c 'import playwright.sync_api' 2>/dev/null || missing+=("playwright (in $BROWSER_VENV)")
[ -f "$AXE" ] || missing+=("axe-core ($AXE)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'browser tests: missing %s\n' "${missing[@]}" >&2
  echo "run scripts/install-test-services.sh" >&2
  exit 1
fi

cargo build -q -p local-server
SERVER=${CARGO_TARGET_DIR:-target}/debug/local-server
if curl -s -o /dev/null "http://$ADDR/"; then
  echo "something already answers on $ADDR: stop it or set BROWSER_ADDR" >&2
  exit 1
fi
work=$(mktemp -d)
"$SERVER" serve --addr "$ADDR" > "$work/server.log" 2>&1 &
server_pid=$!
stop() {
  local status=$?
  kill $server_pid 2>/dev/null || true
  wait $server_pid 2>/dev/null || true
  if [ $status -ne 0 ]; then echo "-- the local server's log (last lines):" >&2; tail -n 40 "$work/server.log" >&2; fi
  rm -rf "$work"
  exit $status
}
trap stop EXIT
for _ in $(seq 1 300); do
  kill -0 $server_pid 2>/dev/null || { echo "the local server exited" >&2; exit 1; }
  curl -sf "http://$ADDR/openapi.json" -o /dev/null && break
  sleep 0.2
done
curl -sf "http://$ADDR/openapi.json" -o /dev/null || { echo "the local server does not answer on $ADDR" >&2; exit 1; }

admin=$("$SERVER" token --admin --subject browser-admin)
customer=$("$SERVER" token --subject browser-customer)
"$BROWSER_VENV/bin/python" tests/browser/test_pages.py --base-url "http://$ADDR" \
  --admin-token "$admin" --customer-token "$customer" --axe "$AXE" --screenshots "$SCREENSHOT_DIR" "$@"
