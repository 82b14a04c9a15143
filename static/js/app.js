/* Small helpers for the rep's pages; everything works without them.
 * - Countdowns: elements with data-due (ISO time) show "in 12 min" / "5 min overdue", red when overdue.
 * - "/" focuses the element marked data-shortcut="/" (the search box) unless the rep is typing (focus in a
 *   field or editable text) or holds Ctrl, Alt or Cmd: the page's own search box if it has one (My cases'
 *   filter), else the one in the top bar. Shift is allowed: some keyboards type "/" with it. A button in the
 *   footer, next to the shortcut hints, turns the key off (and on) for this browser (WCAG 2.1.4: a
 *   single-key shortcut a speech-input user may trigger by accident can be turned off).
 * - Ctrl+Enter (Cmd+Enter) in a form field submits that form, so a rep never has to reach for the mouse.
 * - A form refused with an error page (403: the case changed hands while the rep typed; 404: the row is
 *   gone) swaps nothing, so the typed text stays: the page's reason ([data-reason]) is shown in #messages.
 * - Signed out (401) or the form's security check expired (403; cases/session_expired.py): the page's
 *   sign-in link ([data-sign-in]) is offered in a new tab, and the CSRF token the page carries (its
 *   body's hx-headers, the browser's current one) goes into this page's forms; after signing in again
 *   (which changes the token) the first send is refused once more with the new one taken in, the next goes.
 * - A full-page form refused with errors (.error-summary at its top): the server marks the first field in
 *   error autofocus; should the browser not honour it (a #fragment in the address), focus goes there here.
 *   A link in the summary focuses its field (following the link alone would only scroll to it).
 */
(function () {
  "use strict";

  function relative(seconds) {
    var overdue = seconds < 0;
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var text;
    if (minutes < 1) text = "less than a minute";
    else if (minutes < 60) text = minutes + " min";
    else if (minutes < 48 * 60) text = Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
    else text = Math.floor(minutes / 1440) + " days";
    return overdue ? text + " overdue" : "in " + text;
  }

  function tick(root) {
    var now = Date.now();
    (root || document).querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var seconds = (due - now) / 1000;
      var rel = el.querySelector(".countdown__rel");
      if (rel) rel.textContent = "(" + relative(seconds) + ")";
      el.classList.toggle("is-overdue", seconds < 0);
      el.classList.toggle("is-soon", seconds >= 0 && seconds < 15 * 60);
      var row = el.closest(".case-row");
      if (row && seconds < 0) row.classList.add("is-overdue");
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target && event.target.form;
    if (form) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  var SLASH_OFF = "caseTracker.slashShortcutOff";

  function slashOff() {
    try { return window.localStorage.getItem(SLASH_OFF) === "1"; } catch (e) { return false; }
  }

  function editable(t) {
    return !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return;
    if (editable(event.target) || editable(document.activeElement) || slashOff()) return;
    var target = document.querySelector('main [data-shortcut="/"]') || document.querySelector('[data-shortcut="/"]');
    if (target) {
      event.preventDefault();
      target.focus();
      if (target.select) target.select();
    }
  });

  function slashSwitch() {
    var footer = document.querySelector("footer.footer");
    if (!footer || !document.querySelector('[data-shortcut="/"]')) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.setAttribute("data-slash-switch", "");
    function show() { button.textContent = slashOff() ? "Turn the / key on" : "Turn the / key off"; }
    button.addEventListener("click", function () {
      try {
        if (slashOff()) window.localStorage.removeItem(SLASH_OFF); else window.localStorage.setItem(SLASH_OFF, "1");
      } catch (e) { return; }
      show();
    });
    show();
    footer.append(" (", button, ")");
  }

  function renewToken(doc) {
    var token = null;
    try { token = JSON.parse(doc.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"]; } catch (e) { token = null; }
    if (!token || typeof token !== "string") return;
    var headers = {};
    try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { headers = {}; }
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    document.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) { input.value = token; });
  }

  function signInLink(doc) {
    var found = doc.querySelector("a[data-sign-in]");
    var href = found && found.getAttribute("href");
    if (!href || href.charAt(0) !== "/" || href.charAt(1) === "/") return null;  // this site's own page only
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = "Sign in (opens a new tab)";
    return a;
  }

  function showRefusal(event) {
    var xhr = event.detail && event.detail.xhr;
    var box = document.getElementById("messages");
    var verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!xhr || !box) return;
    var sent = String(verb || "").toLowerCase() === "post";
    var reason = null;
    var link = null;
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var found = doc.querySelector("[data-reason]");
      reason = found && found.textContent.trim();
      if (xhr.status === 401 || xhr.status === 403) {
        renewToken(doc);
        link = signInLink(doc);
      }
    } catch (e) { reason = null; }
    var p = document.createElement("p");
    p.className = "message message--error";
    p.setAttribute("role", "alert");
    p.textContent = (reason || (sent ? "That was not saved" : "That could not be opened") +
      " (the server answered " + xhr.status + ").") + (sent ? " What you typed is still in the form." : "");
    if (link) p.append(" ", link);
    box.replaceChildren(p);
    p.scrollIntoView({block: "nearest"});
  }

  function focusField(field) {
    if (!field || typeof field.focus !== "function") return;
    field.focus({preventScroll: true});
    var row = field.closest(".field") || field;
    row.scrollIntoView({block: "center"});
  }

  function focusFirstError() {
    var summary = document.querySelector(".error-summary");
    if (!summary || (document.activeElement && document.activeElement !== document.body)) return;
    var form = summary.closest("form") || document;
    focusField(form.querySelector("[autofocus]"));
  }

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest('.error-summary a[href^="#"]');
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    var closed = field.closest("details:not([open])");
    if (closed) closed.open = true;
    focusField(field);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError();
    slashSwitch();
    document.body.addEventListener("htmx:responseError", showRefusal);
    tick(document);
    setInterval(function () { tick(document); }, 15000);
    document.body.addEventListener("htmx:afterSettle", function () { tick(document); });
  });
})();
