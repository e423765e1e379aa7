#!/usr/bin/env bash
# The browser tests of the admin pages (tests/browser/test_pages.py): Playwright from its venv driving Debian's
# headless Chromium (/usr/bin/chromium) against the local server on the embedded backend with its demo data,
# signed in once as an admin and once as a customer (who must see 403). Every page is checked for its panels,
# charts and navigation, with axe-core (serious or critical violations fail), at 1440 and 390 px; the system,
# queues, inventory and support chat pages' actions are clicked through. No request may leave the local server's
# address, nor any console error occur. Screenshots go to $SCREENSHOT_DIR (target/browser/screenshots).
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

# shellcheck source=scripts/local-server.sh
source scripts/local-server.sh
start_local_server "$ADDR" BROWSER_ADDR

admin=$("$SERVER" token --admin --subject browser-admin)
customer=$("$SERVER" token --subject browser-customer)
"$BROWSER_VENV/bin/python" tests/browser/test_pages.py --base-url "http://$ADDR" \
  --admin-token "$admin" --customer-token "$customer" --axe "$AXE" --screenshots "$SCREENSHOT_DIR" "$@"
