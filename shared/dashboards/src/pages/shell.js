// The dashboards' shell: signs the reader in (Cognito's hosted UI with PKCE, or a pasted token locally), keeps
// the token in session storage, loads each page's panels with it, reloads the live ones, and runs the pages'
// actions. No cookies are used, so no request can be forged from another site (no CSRF to defend).
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("config").textContent);
  const main = document.getElementById("main");
  const signin = document.getElementById("signin");
  const forbidden = document.getElementById("forbidden");
  const status = document.getElementById("status");
  const nav = document.getElementById("nav");
  const KEY = "proxy.admin.token";
  let timer = null;
  let loading = 0;
  let reloading = false;

  const token = () => sessionStorage.getItem(KEY);
  const say = (text) => { status.textContent = text; };

  // A token's expiry, read from its payload (the API checks its signature; this only saves a failed call).
  function expired(jwt) {
    try {
      const payload = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return typeof payload.exp === "number" && payload.exp * 1000 <= Date.now();
    } catch (_) {
      return true;
    }
  }

  function show(view) {
    for (const el of [main, signin, forbidden]) el.hidden = el !== view;
    nav.hidden = view === signin;
    document.getElementById("signout").hidden = view === signin;
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    clearInterval(timer);
    show(signin);
    say(message || "");
    signin.querySelector("h1").focus();
  }

  const page = () => new URLSearchParams(location.search).get("page") || "system";

  // The page's own query (a period, a plan) without the shell's `page`.
  function pageQuery() {
    const query = new URLSearchParams(location.search);
    query.delete("page");
    const text = query.toString();
    return text ? "?" + text : "";
  }

  async function call(method, url, body) {
    const headers = { Authorization: "Bearer " + token(), Accept: "text/html, application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // Handles the answers every call shares: an expired or missing token, and a reader who is not an admin.
  function refused(response) {
    if (response.status === 401) {
      signOut("Your session has ended: sign in again.");
      return true;
    }
    if (response.status === 403) {
      clearInterval(timer);
      show(forbidden);
      forbidden.querySelector("h1").focus();
      return true;
    }
    return false;
  }

  async function envelopeMessage(response) {
    try {
      const body = await response.json();
      return body;
    } catch (_) {
      return { message: response.status + " " + response.statusText };
    }
  }

  async function load(options) {
    if (!token() || expired(token())) return signOut(token() ? "Your session has ended: sign in again." : "");
    const name = page();
    const live = Boolean(options && options.liveOnly);
    // A reload of the live panels waits for the one before it; a page load supersedes both.
    if (live && reloading) return;
    const ticket = live ? loading : ++loading;
    reloading = live;
    for (const link of nav.querySelectorAll("a[data-page]")) {
      if (link.dataset.page === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    let response;
    const query = pageQuery();
    const url = "/admin/pages/" + encodeURIComponent(name) + query + (live ? (query ? "&" : "?") + "live=1" : "");
    try {
      response = await call("GET", url);
    } catch (_) {
      if (live) reloading = false;
      say("The page could not be loaded: the network is down.");
      return;
    }
    if (live) reloading = false;
    if (ticket !== loading || refused(response)) return;
    if (!response.ok) {
      const body = await envelopeMessage(response);
      say("The page could not be loaded: " + body.message);
      return;
    }
    const html = await response.text();
    if (live) {
      // Only the live panels (and when they were read, and what could not be) are replaced, so what the reader
      // is looking at elsewhere stays put.
      const fresh = document.createElement("div");
      fresh.innerHTML = html;
      for (const panel of fresh.querySelectorAll("section.panel[data-live]")) {
        const current = main.querySelector('section.panel[data-panel="' + panel.dataset.panel + '"]');
        if (current) current.replaceWith(panel);
      }
      const meta = fresh.querySelector(".page > p.meta");
      if (meta) main.querySelector(".page > p.meta").replaceWith(meta);
      const oldNotice = main.querySelector(".page > .notice");
      const newNotice = fresh.querySelector(".page > .notice");
      if (oldNotice) oldNotice.remove();
      if (newNotice) main.querySelector(".page > p.meta").after(newNotice);
    } else {
      main.innerHTML = html;
      document.title = (main.querySelector("h1") || {}).textContent + " — 1000proxy admin";
    }
    show(main);
    main.dataset.loaded = name;
    schedule();
  }

  function schedule() {
    clearInterval(timer);
    const root = main.querySelector("[data-refresh]");
    const seconds = root ? Number(root.dataset.refresh) : 0;
    if (seconds > 0) {
      timer = setInterval(() => {
        if (!document.hidden) load({ liveOnly: true });
      }, seconds * 1000);
    }
  }

  function go(search) {
    history.pushState(null, "", location.pathname + search);
    load();
  }

  // A form's fields as the API's JSON: numbers, booleans, lists and UTC times by each input's data-type; empty
  // fields left out so the API's defaults apply.
  function fields(form) {
    const body = {};
    for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      const name = input.name;
      if (input.type === "checkbox") {
        body[name] = input.checked;
        continue;
      }
      const value = input.value.trim();
      if (value === "") continue;
      switch (input.dataset.type) {
        case "integer": body[name] = Number(value); break;
        case "list": body[name] = value.split(",").map((v) => v.trim()).filter(Boolean); break;
        case "datetime": body[name] = new Date(value).toISOString(); break;
        default: body[name] = value;
      }
    }
    return body;
  }

  function showFieldErrors(form, errors) {
    for (const slot of form ? form.querySelectorAll("[data-error-for]") : []) {
      const messages = errors && errors[slot.dataset.errorFor];
      slot.textContent = messages ? [].concat(messages).join(" ") : "";
    }
  }

  async function act(element, method, url, body) {
    if (element.dataset.confirm && !window.confirm(element.dataset.confirm)) return;
    element.setAttribute("aria-busy", "true");
    let response;
    try {
      response = await call(method, url, body);
    } catch (_) {
      say("Not done: the network is down.");
      element.removeAttribute("aria-busy");
      return;
    }
    element.removeAttribute("aria-busy");
    if (refused(response)) return;
    const reply = await envelopeMessage(response);
    if (!response.ok) {
      showFieldErrors(element.closest("form"), reply.errors);
      say("Not done: " + (reply.message || response.status));
      return;
    }
    showFieldErrors(element.closest("form"), null);
    say(element.dataset.done || "Done");
    // The plan a dry run showed is spent once executed: back to the page without it.
    if (element.dataset.test === "rebalance-execute") history.replaceState(null, "", location.pathname + "?page=" + page());
    await load();
  }

  // Downloads go through fetch (they need the token) and are saved from the answer's bytes.
  async function download(link) {
    const response = await call("GET", link.getAttribute("href"));
    if (refused(response)) return;
    if (!response.ok) {
      say("Not downloaded: " + (await envelopeMessage(response)).message);
      return;
    }
    const disposition = response.headers.get("content-disposition") || "";
    const named = /filename="([^"]+)"/.exec(disposition);
    const blob = await response.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = named ? named[1] : link.dataset.download || "download";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    say("Downloaded " + a.download);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-page]");
    if (link) {
      event.preventDefault();
      return go("?page=" + link.dataset.page);
    }
    const file = event.target.closest("a[data-download]");
    if (file) {
      event.preventDefault();
      return download(file);
    }
    const view = event.target.closest("button[data-view]");
    if (view) return go("?page=" + page() + "&" + view.dataset.view);
    const button = event.target.closest("button[data-action]");
    if (button) {
      const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
      return act(button, button.dataset.method || "POST", button.dataset.action, body);
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    event.preventDefault();
    if (form.id === "token-form") {
      sessionStorage.setItem(KEY, form.querySelector("textarea").value.trim());
      form.reset();
      return load();
    }
    if (form.dataset.action) return act(form, form.dataset.method || "POST", form.dataset.action, fields(form));
    if (form.hasAttribute("data-view")) {
      const query = new URLSearchParams(new FormData(form));
      return go("?page=" + page() + "&" + query.toString());
    }
  });

  document.getElementById("signout").addEventListener("click", () => signOut("Signed out."));
  window.addEventListener("popstate", () => load());

  // --- Cognito's hosted UI: authorization code with PKCE (RFC 7636).
  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const redirectUri = () => location.origin + location.pathname;

  async function startHostedSignIn() {
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem("proxy.admin.pkce", JSON.stringify({ verifier, state, page: page() }));
    const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: config.client_id,
      redirect_uri: redirectUri(),
      scope: "openid email",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    location.assign(config.domain + "/oauth2/authorize?" + query);
  }

  async function finishHostedSignIn(code, state) {
    const pending = JSON.parse(sessionStorage.getItem("proxy.admin.pkce") || "null");
    sessionStorage.removeItem("proxy.admin.pkce");
    history.replaceState(null, "", location.pathname + "?page=" + ((pending && pending.page) || "system"));
    if (!pending || pending.state !== state) {
      say("Sign-in refused: it was not started here.");
      return false;
    }
    const response = await fetch(config.domain + "/oauth2/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: config.client_id,
        code,
        redirect_uri: redirectUri(),
        code_verifier: pending.verifier,
      }),
    });
    if (!response.ok) {
      say("Sign-in failed: the sign-in service answered " + response.status + ".");
      return false;
    }
    const tokens = await response.json();
    sessionStorage.setItem(KEY, tokens.access_token);
    return true;
  }

  const hosted = document.getElementById("hosted-signin");
  if (hosted) hosted.addEventListener("click", startHostedSignIn);

  (async () => {
    // A local sign-in link carries the dev token in the fragment, which never reaches a server.
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (fragment.get("token")) {
      sessionStorage.setItem(KEY, fragment.get("token"));
      history.replaceState(null, "", location.pathname + location.search);
    }
    const query = new URLSearchParams(location.search);
    if (config.domain && query.get("error")) {
      // The hosted UI refused (the reader cancelled, or the client is misconfigured): say so on the sign-in view.
      history.replaceState(null, "", location.pathname);
      show(signin);
      return say("Sign-in failed: " + (query.get("error_description") || query.get("error")));
    }
    if (config.domain && query.get("code") && !(await finishHostedSignIn(query.get("code"), query.get("state")))) {
      return show(signin);
    }
    load();
  })();
})();
