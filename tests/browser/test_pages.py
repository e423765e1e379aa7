#!/usr/bin/env python3
"""Browser tests of the admin pages (`GET /admin/ui?page=<page>`), in Debian's headless Chromium driven by
Playwright. Run by scripts/browser-test.sh, which starts the local server with its demo data and passes:

    test_pages.py --base-url http://127.0.0.1:3918 --admin-token JWT --customer-token JWT \
                  --axe tests/browser/node_modules/axe-core/axe.min.js --screenshots target/browser/screenshots
                  [--only TEXT ...]   (only the checks whose name contains TEXT)

Every check runs in a fresh browser context (its own storage, cookies and session), under three guards that fail
it whatever it asserts itself: no request leaves the server's host:port (each other one is aborted and
recorded), no console error, no uncaught page error. Prints one line per check and a closing
"browser: N passed, M failed"; exits non-zero when any failed.
"""

import argparse
import json
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# As this machine runs Chromium headless: without the background-networking flags it keeps trying to reach
# Google's hosts, which the closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

# The page contract: each page's panels, all of which must be there, visible and non-empty once it has loaded.
PANELS = {
    "system": ["status", "checks", "alerts", "queues", "workload", "cache", "capacity", "logs"],
    "analytics": ["kpis", "revenue", "mrr", "cohorts", "breakdowns", "realtime", "reports"],
    "queues": ["queues", "failed"],
    "inventory": ["capacity", "alerts", "rebalance", "servers"],
    "pricing": ["rules", "plans", "versions", "promotions"],
    "chats": ["inbox"],
}
MIN_CHARTS = {"analytics": 3}
WIDE, NARROW = (1440, 900), (390, 844)


class CheckFailed(Exception):
    """A check's own assertion did not hold (as opposed to a crash or a Playwright timeout)."""


def expect(condition, message: str):
    if not condition:
        raise CheckFailed(message)


@dataclass
class Config:
    base: str  # http://127.0.0.1:PORT, no trailing slash
    admin_token: str
    customer_token: str
    axe_source: str  # the text of axe.min.js
    shots: Path

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc


# --- one browser tab under the guards ---------------------------------------------------------------------------


class Tab:
    """A page in a fresh browser context, recording what the guards look at.

    allow_status: HTTP statuses the page may log "Failed to load resource" console errors for, from the server
    itself (Chromium logs one for every 4xx/5xx answer, fetch included: the 403 view is built on one)."""

    def __init__(self, browser: Browser, cfg: Config, viewport=WIDE, allow_status=()):
        self.cfg = cfg
        self.allow_status = set(allow_status)
        self.requests: list[str] = []  # every request the page made, in order
        self.blocked: list[str] = []  # those aborted for leaving the server's host:port
        self.errors: list[str] = []  # console errors and uncaught page errors
        self.dialogs: list[str] = []  # "confirm: message" for each dialog, all accepted
        # Service workers blocked: their requests would bypass context.route.
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block"
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        # WebSockets do not go through context.route: they have a router of their own.
        self.context.route_web_socket(re.compile(".*"), self._route_web_socket)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("dialog", self._dialog)

    def _is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        # data: and blob: URLs are made inside the page and go nowhere.
        return parts.scheme in ("data", "blob", "about") or parts.netloc == self.cfg.host

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if self._is_local(url):
            route.continue_()
        else:
            self.blocked.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def _route_web_socket(self, ws):
        self.requests.append(ws.url)
        if self._is_local(ws.url):
            ws.connect_to_server()
        else:
            self.blocked.append(f"WebSocket {ws.url}")
            ws.close()

    def _console(self, message):
        if message.type != "error":
            return
        where = message.location.get("url", "")
        status = re.search(r"status of (\d{3})", message.text)
        if status and int(status.group(1)) in self.allow_status and self._is_local(where):
            return
        self.errors.append(f"console error: {message.text} ({where})")

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    def problems(self) -> list[str]:
        found = [f"request to another host (aborted): {b}" for b in self.blocked]
        return found + self.errors

    # --- the shell ------------------------------------------------------------------------------------------------

    def open(self, page: str, token: str | None = None):
        """Opens the shell of `page`; with a token, signed in as the shell's script expects (#token=...)."""
        url = f"{self.cfg.base}/admin/ui?page={page}" + (f"#token={token}" if token else "")
        self.page.goto(url)

    def open_loaded(self, page: str):
        """Opens `page` signed in as the admin and waits until its content has loaded."""
        self.open(page, self.cfg.admin_token)
        self.wait_loaded(page)

    def wait_loaded(self, page: str):
        self.page.locator(f'main#main[data-loaded="{page}"]').wait_for()

    def screenshot(self, name: str):
        self.cfg.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.cfg.shots / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


# --- axe --------------------------------------------------------------------------------------------------------

# The shell's content security policy allows only its own scripts (by hash), so a <script> tag of axe
# (page.add_script_tag) would be refused, with a console error. Evaluated through the DevTools protocol, as
# here, the source is not subject to the page's policy.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    count: v.nodes.length,
  }));
}"""


def axe_violations(tab: Tab) -> list[dict]:
    """Every serious or critical axe violation on the tab's current document."""
    if not tab.page.evaluate("typeof window.axe === 'object'"):
        tab.page.evaluate(tab.cfg.axe_source)
    return [v for v in tab.page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]


def expect_accessible(tab: Tab, view: str):
    violations = axe_violations(tab)
    lines = [
        f"{v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}; first: {', '.join(v['targets'])}"
        for v in violations
    ]
    expect(not violations, f"axe on {view}: " + "\n".join(lines))


# --- assertions on a loaded page ----------------------------------------------------------------------------------


def expect_signed_in(tab: Tab):
    """The token moved from the URL's hash into sessionStorage (so it is not left in the address bar or history)."""
    page = tab.page
    expect("token=" not in page.url, f"the token is still in the URL: {page.url[:80]}...")
    stored = page.evaluate("Object.keys(sessionStorage).map(k => sessionStorage.getItem(k))")
    expect(tab.cfg.admin_token in stored, "the token is not in sessionStorage")


def expect_panels(tab: Tab, name: str):
    main = tab.page.locator("main#main")
    for panel in PANELS[name]:
        section = main.locator(f'section.panel[data-panel="{panel}"]')
        count = section.count()
        expect(count == 1, f"{name}: panel {panel!r} found {count} times, not once")
        expect(section.is_visible(), f"{name}: panel {panel!r} is not visible")
        expect(section.inner_text().strip(), f"{name}: panel {panel!r} is empty")


def expect_charts(tab: Tab, name: str):
    titles = tab.page.evaluate(
        """() => [...document.querySelectorAll('main#main svg[role=img]')]
                 .map(svg => (svg.querySelector(':scope > title')?.textContent || '').trim())"""
    )
    untitled = sum(1 for title in titles if not title)
    expect(not untitled, f"{name}: {untitled} of {len(titles)} charts (svg[role=img]) have no <title>")
    least = MIN_CHARTS.get(name, 0)
    expect(len(titles) >= least, f"{name}: {len(titles)} charts, at least {least} expected")


def expect_nav(tab: Tab, name: str):
    for other in PANELS:
        count = tab.page.locator(f'nav a[data-page="{other}"]').count()
        expect(count >= 1, f"{name}: no navigation link nav a[data-page={other!r}]")


# --- actions ----------------------------------------------------------------------------------------------------

# Before an action: empty #status (so the action's own message is what is waited for) and count each time main's
# data-loaded is set to the page again. The mark on main tells a reload that replaced main (or the whole
# document) from none at all.
WATCH_RELOAD = """(name) => {
  document.getElementById('status').textContent = '';
  const main = document.getElementById('main');
  main.__watched = true;
  window.__reloads = 0;
  new MutationObserver(() => {
    if (main.getAttribute('data-loaded') === name) window.__reloads++;
  }).observe(main, {attributes: true, attributeFilter: ['data-loaded']});
}"""
RELOADED = """(name) => {
  const main = document.getElementById('main');
  return !!main && main.getAttribute('data-loaded') === name && (window.__reloads > 0 || !main.__watched);
}"""
STATUS_SAID = "() => (document.getElementById('status')?.textContent || '').trim() !== ''"


def act(tab: Tab, name: str, selector: str) -> str:
    """Clicks the first button matching `selector`; waits until #status says something and main has been
    reloaded; returns what #status says."""
    page = tab.page
    status = page.locator("#status")
    expect(status.count() == 1, "no #status element")
    expect(status.get_attribute("role") == "status", "#status has no role=status")
    page.evaluate(WATCH_RELOAD, name)
    page.locator(selector).first.click()
    page.wait_for_function(STATUS_SAID)
    page.wait_for_function(RELOADED, arg=name)
    return status.inner_text().strip()


def first_id(tab: Tab, selector: str, attribute: str) -> str:
    buttons = tab.page.locator(selector)
    expect(buttons.count() >= 1, f"no {selector} on the page (the demo data should give one)")
    value = buttons.first.get_attribute(attribute) or ""
    expect(value, f"the first {selector} has no {attribute}")
    return value


def css_string(value: str) -> str:
    return json.dumps(value)  # a double-quoted string with " and \ escaped, as CSS reads it


# --- the checks -------------------------------------------------------------------------------------------------
# Each takes the browser, the config and a function opening guarded tabs; the harness checks first (if they fail,
# nothing after them means much), the pages' read-only checks next, the actions (which change the demo data) last.


def check_harness_loads(tabs, cfg):
    tab = tabs()
    response = tab.page.goto(f"{cfg.base}/openapi.json")
    expect(response and response.ok, f"GET /openapi.json: {response and response.status}")
    expect("paths" in json.loads(response.text()), "/openapi.json has no paths")


def check_harness_blocks(tabs, cfg):
    tab = tabs()
    tab.page.goto(f"{cfg.base}/openapi.json")
    # .invalid never resolves; the route aborts both before any lookup anyway.
    tab.page.evaluate("fetch('http://outside.invalid/x').catch(() => null)")
    tab.page.evaluate("void new WebSocket('ws://outside.invalid/ws')")
    tab.page.wait_for_timeout(300)
    expect(any("outside.invalid/x" in b for b in tab.blocked), f"the fetch was not aborted: {tab.blocked}")
    expect(any("WebSocket ws://outside.invalid" in b for b in tab.blocked), f"the WebSocket was not: {tab.blocked}")
    # What this check provoked on purpose is not a failure of it.
    tab.blocked.clear()
    tab.errors.clear()


def check_harness_axe(tabs, cfg):
    tab = tabs()
    # The same policy as the shell's (scripts by hash only): axe must still load, and find the missing alt.
    tab.page.set_content(
        """<!doctype html><html lang="en"><head><title>axe</title>
        <meta http-equiv="Content-Security-Policy" content="script-src 'sha256-AAAA'"></head>
        <body><main><h1>axe</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>"""
    )
    found = [v["id"] for v in axe_violations(tab)]
    expect(found == ["image-alt"], f"axe found {found}, not ['image-alt']")


def check_signin(page):
    def check(tabs, cfg):
        tab = tabs()
        tab.open(page)
        signin = tab.page.locator("#signin")
        signin.wait_for()
        expect(signin.evaluate("e => e.tagName") == "SECTION", "#signin is not a <section>")
        heading = signin.locator("h1")
        expect(heading.count() == 1 and heading.inner_text().strip() == "Sign in", "#signin has no h1 'Sign in'")
        expect(tab.page.locator("main#main section.panel").count() == 0, "panels shown without a token")
        expect_accessible(tab, f"the sign-in view of {page}")
        if page == "system":
            tab.screenshot(f"signin-{WIDE[0]}")

    return check


def check_page(page):
    def check(tabs, cfg):
        tab = tabs(WIDE)
        tab.open_loaded(page)
        expect_signed_in(tab)
        expect_panels(tab, page)
        expect_charts(tab, page)
        expect_nav(tab, page)
        tab.screenshot(f"{page}-{WIDE[0]}")

    return check


def check_page_axe(page):
    def check(tabs, cfg):
        tab = tabs(WIDE)
        tab.open_loaded(page)
        expect_accessible(tab, page)

    return check


def check_page_narrow(page):
    def check(tabs, cfg):
        tab = tabs(NARROW)
        tab.open_loaded(page)
        expect_panels(tab, page)
        tab.screenshot(f"{page}-{NARROW[0]}")

    return check


def check_forbidden(page):
    def check(tabs, cfg):
        tab = tabs(allow_status=(403,))
        tab.open(page, cfg.customer_token)
        forbidden = tab.page.locator("#forbidden")
        forbidden.wait_for()
        expect("403" in forbidden.inner_text(), "#forbidden does not say 403")
        expect(tab.page.locator("main#main section.panel").count() == 0, "a customer sees panels")
        expect_accessible(tab, f"the 403 view of {page}")

    return check


def check_navigation(tabs, cfg):
    tab = tabs()
    tab.open_loaded("system")
    for page in ["analytics", "queues", "inventory", "pricing", "chats", "system"]:
        tab.page.locator(f'nav a[data-page="{page}"]').first.click()
        tab.wait_loaded(page)
        expect_panels(tab, page)


def check_ack_alert(tabs, cfg):
    tab = tabs()
    tab.open_loaded("system")
    alert = first_id(tab, "button[data-test=ack-alert]", "data-alert-id")
    # The row, not the button in it, which carries the same attribute.
    row = tab.page.locator(f"[data-alert-id={css_string(alert)}]:not(button)").first
    acknowledged = re.compile(r"(?<![a-z])acknowledged", re.IGNORECASE)  # "unacknowledged" does not count
    expect(not acknowledged.search(row.text_content() or ""), f"alert {alert} says acknowledged already")
    act(tab, "system", "button[data-test=ack-alert]")
    row = tab.page.locator(f"[data-alert-id={css_string(alert)}]:not(button)").first
    expect(row.count() == 1, f"alert {alert}'s row is gone after acknowledging it")
    expect(acknowledged.search(row.text_content() or ""), f"alert {alert}'s row does not say acknowledged")


def check_retry_job(tabs, cfg):
    tab = tabs()
    tab.open_loaded("queues")
    job = first_id(tab, "button[data-test=retry-job]", "data-job-id")
    said = act(tab, "queues", "button[data-test=retry-job]")
    expect("retried" in said.lower(), f"#status says {said!r}, not 'retried'")
    failed = tab.page.locator('main#main section.panel[data-panel="failed"]')
    left = failed.locator(f"[data-job-id={css_string(job)}]").count()
    expect(left == 0, f"failed job {job} is still listed after its retry")


def check_live_reload(tabs, cfg):
    """The live panels are replaced in place every 5 s (only those: the logs panel stays the same element), and the
    reload asks for the live panels only."""
    tab = tabs()
    tab.open_loaded("system")
    tab.page.evaluate("""() => {
      window.__alerts = document.querySelector('main#main section.panel[data-panel="alerts"]');
      window.__logs = document.querySelector('main#main section.panel[data-panel="logs"]');
    }""")
    with tab.page.expect_request(lambda r: "/admin/pages/system" in r.url and "live=1" in r.url, timeout=15000):
        pass
    tab.page.wait_for_function("""() => {
      const alerts = document.querySelector('main#main section.panel[data-panel="alerts"]');
      return alerts && alerts !== window.__alerts;
    }""", timeout=15000)
    same = tab.page.evaluate(
        """() => document.querySelector('main#main section.panel[data-panel="logs"]') === window.__logs""")
    expect(same, "the logs panel (not live) was replaced by the 5-second reload")
    expect_panels(tab, "system")


PLAN_SHOWN = """(before) => {
  const panel = document.querySelector('main#main section.panel[data-panel="rebalance"]');
  if (!panel || panel.innerHTML === before) return false;
  return !!panel.querySelector('table') || /nothing to move/i.test(panel.textContent);
}"""


def check_rebalance(tabs, cfg):
    tab = tabs()
    tab.open_loaded("inventory")
    panel = tab.page.locator('main#main section.panel[data-panel="rebalance"]')
    before = panel.inner_html()
    tab.page.locator("button[data-test=rebalance-plan]").first.click()
    # The dry run is a read: only its plan in the panel is waited for, neither #status nor a reload.
    tab.page.wait_for_function(PLAN_SHOWN, arg=before)
    asked = len(tab.dialogs)
    said = act(tab, "inventory", "button[data-test=rebalance-execute]")
    expect(any(d.startswith("confirm") for d in tab.dialogs[asked:]), "executing asked for no confirmation")
    expect("rebalance" in said.lower(), f"#status says {said!r}, not 'rebalance'")


CONVERSATION_SHOWN = """() => !!document.querySelector('main#main section.panel[data-panel="conversation"]')
  && !!document.querySelector('main#main form[data-test="reply-chat"]')"""


def check_chat(tabs, cfg):
    """The inbox lists the demo's open conversations; opening one shows its messages and the reply form (axe
    clean); a blank reply is refused beside the field; a reply appears in the conversation; taking one moves it
    to the reader."""
    tab = tabs(allow_status=(422,))  # the blank reply's refusal, which the browser logs
    tab.open_loaded("chats")
    page = tab.page
    rows = page.locator("main#main tr[data-conversation-id]")
    expect(rows.count() >= 2, f"the demo's open conversations: {rows.count()} rows")
    expect("unread" in page.locator('section.panel[data-panel="inbox"]').inner_text(), "no unread count shown")
    page.locator("button[data-test=open-chat]").first.click()
    page.wait_for_function(CONVERSATION_SHOWN)
    expect(page.locator("main#main ol.chat li.message").count() >= 1, "the conversation shows no message")
    expect_accessible(tab, "a conversation with its reply form")
    tab.screenshot(f"chat-{WIDE[0]}")

    # Blank: the API's 422, shown beside the field; nothing sent.
    before = page.locator("main#main ol.chat li.message").count()
    form = page.locator("form[data-test=reply-chat]")
    form.locator("textarea[name=body]").fill("   ")
    page.evaluate("document.getElementById('status').textContent = ''")
    form.locator("button[type=submit]").click()
    page.wait_for_function(STATUS_SAID)
    error = form.locator('[data-error-for="body"]').inner_text().strip()
    expect(error, "a blank reply's error is not shown beside the field")

    reply = "We restarted the Frankfurt node; try again now."
    page.locator("form[data-test=reply-chat] textarea[name=body]").fill(reply)
    said = act(tab, "chats", "form[data-test=reply-chat] button[type=submit]")
    expect("sent" in said.lower(), f"#status says {said!r}, not 'sent'")
    page.wait_for_function(CONVERSATION_SHOWN)
    messages = page.locator("main#main ol.chat li.message")
    expect(messages.count() == before + 1, f"{messages.count()} messages after the reply, {before + 1} expected")
    expect(reply in messages.last.inner_text(), "the reply is not the newest message shown")

    taken = act(tab, "chats", "button[data-test=take-over-chat]")
    expect("taken" in taken.lower(), f"#status says {taken!r}, not 'taken'")
    expect("Assigned to browser-admin" in page.locator('section.panel[data-panel="conversation"]').inner_text(),
           "the conversation does not say it is the reader's")


def all_checks():
    checks = [
        ("harness: chromium loads /openapi.json from the local server", check_harness_loads),
        ("harness: a request to another host is aborted and recorded", check_harness_blocks),
        ("harness: axe loads under a hash-only script policy and finds a missing alt", check_harness_axe),
    ]
    for page in PANELS:
        checks += [
            (f"{page}: without a token shows the sign-in view (axe clean)", check_signin(page)),
            (f"{page}: signed in, every panel, chart and nav link there ({WIDE[0]} px)", check_page(page)),
            (f"{page}: no serious or critical axe violation", check_page_axe(page)),
            (f"{page}: every panel there at {NARROW[0]} px", check_page_narrow(page)),
            (f"{page}: a customer sees 403 and no panel (axe clean)", check_forbidden(page)),
        ]
    checks += [
        ("navigation: each nav link loads its page", check_navigation),
        ("system: acknowledging an alert marks its row acknowledged", check_ack_alert),
        ("system: the live panels reload in place every 5 s, the others stay", check_live_reload),
        ("queues: retrying a failed job says retried and drops its row", check_retry_job),
        ("inventory: rebalance plan, then execute (confirmed)", check_rebalance),
        ("chats: open a conversation, a blank reply refused, a reply shown, take it over", check_chat),
    ]
    return checks


# --- the runner -------------------------------------------------------------------------------------------------


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]


def run_check(browser: Browser, cfg: Config, name: str, check) -> list[str]:
    """Runs one check; returns what failed (nothing when it passed). Tabs it opened are screenshotted on
    failure (failed-<check>-<n>.png), then closed."""
    opened: list[Tab] = []

    def tabs(viewport=WIDE, allow_status=()):
        tab = Tab(browser, cfg, viewport, allow_status)
        opened.append(tab)
        return tab

    failures = []
    try:
        check(tabs, cfg)
    except CheckFailed as failure:
        failures.append(str(failure))
    except Exception as error:  # a Playwright timeout or error: its first lines say which wait or call
        lines = f"{type(error).__name__}: {error}".strip().splitlines()
        failures.append("\n".join(lines[:12]))
    for tab in opened:
        failures += tab.problems()
    for i, tab in enumerate(opened):
        if failures:
            try:
                tab.screenshot(f"failed-{slug(name)}-{i}")
            except Exception:
                pass  # a page too broken to screenshot: the failure above says why
        tab.close()
    return failures


def clear_old_screenshots(shots: Path):
    """Removes the screenshots an earlier run left, so none is taken for this run's."""
    if not shots.is_dir():
        return
    names = {f"signin-{WIDE[0]}.png"} | {f"{p}-{w}.png" for p in PANELS for w in (WIDE[0], NARROW[0])}
    for file in shots.glob("*.png"):
        if file.name in names or file.name.startswith("failed-"):
            file.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--customer-token", required=True)
    parser.add_argument("--axe", required=True, type=Path, help="axe-core's axe.min.js")
    parser.add_argument("--screenshots", required=True, type=Path)
    parser.add_argument("--only", action="append", default=[], help="run only checks whose name contains this")
    args = parser.parse_args()
    for path, what in [(Path(CHROMIUM), "chromium"), (args.axe, "axe-core")]:
        if not path.is_file():
            print(f"{what} is missing ({path}): run scripts/install-test-services.sh", file=sys.stderr)
            return 2
    cfg = Config(
        args.base_url.rstrip("/"), args.admin_token, args.customer_token, args.axe.read_text(), args.screenshots
    )
    checks = [(n, c) for n, c in all_checks() if not args.only or any(o in n for o in args.only)]
    if not checks:
        print(f"no check matches {args.only}", file=sys.stderr)
        return 2
    clear_old_screenshots(cfg.shots)

    passed = failed = 0
    with sync_playwright() as playwright:
        # One browser (Playwright gives it a new empty profile); each check a new context in it.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        print(f"browser: Chromium {browser.version}, {len(checks)} checks against {cfg.base}")
        for name, check in checks:
            try:
                failures = run_check(browser, cfg, name, check)
            except Exception:
                failures = [traceback.format_exc()]
            if failures:
                failed += 1
                print(f"FAIL {name}")
                for failure in failures:
                    print("     " + failure.replace("\n", "\n     "))
            else:
                passed += 1
                print(f"ok   {name}")
            sys.stdout.flush()
        browser.close()
    print(f"screenshots in {cfg.shots}")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
