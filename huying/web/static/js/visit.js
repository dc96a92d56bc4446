/* huying: the phone's visit form (驻点联系). It is sent with fetch; when the network is
 * down (or the request cannot reach the server) the visit is kept as a draft in
 * localStorage, said on screen, and sent when the network is back: once, under the form's
 * idempotency key, so the server stores one visit however many times the draft is sent.
 * Drafts left by another page are sent from any page that loads this script. Words come
 * from #visit-messages. */
(function () {
  "use strict";
  var STORE = "huying.visit.drafts";
  var M = JSON.parse((document.getElementById("visit-messages") || { textContent: "{}" }).textContent);
  var status = document.getElementById("visit-status");
  var form = document.getElementById("visit-form");
  var sending = false;
  var blocked = false;  // the server refused a draft for who sends it (signed out?): wait for a new page

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "notice" + (kind ? " " + kind : "");
    status.hidden = false;
  }

  function drafts() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }

  function keep(list) {
    try {
      if (list.length) localStorage.setItem(STORE, JSON.stringify(list));
      else localStorage.removeItem(STORE);
      return true;
    } catch (e) { return false; }
  }

  /* The form's text fields as [name, value] pairs (a draft keeps these; a photo is sent
   * only with an online submission, it is not kept in the browser). */
  function pairs(f) {
    var out = [];
    var data = new FormData(f);
    data.forEach(function (value, name) {
      if (typeof value === "string") out.push([name, value]);
    });
    return out;
  }

  /* The CSRF token of this page's session (a draft may have been kept under an older one). */
  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  function body(entries, photo) {
    var data = new FormData();
    var now = token();
    entries.forEach(function (p) { data.append(p[0], p[0] === "csrf_token" && now ? now : p[1]); });
    if (photo) data.append("photo", photo, photo.name || "photo.jpg");
    return data;
  }

  function post(data) {
    return fetch("/visits", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" },
    });
  }

  function saveDraft(entries) {
    var list = drafts();
    var key = (entries.filter(function (p) { return p[0] === "key"; })[0] || [])[1];
    list = list.filter(function (d) { return d.key !== key; });
    list.push({ key: key, entries: entries, saved: Date.now() });
    keep(list);
    say(M.draft, "draft");
  }

  /* Send every kept draft, one at a time; a draft leaves the store once the server has it
   * (201, or 200: already stored under its key) or refused it for good (422). A draft
   * refused for who sends it (401, 403: signed out) is kept for the next page. */
  function flush() {
    if (sending || blocked || !navigator.onLine) return;
    var list = drafts();
    if (!list.length) return;
    sending = true;
    var d = list[0];
    post(body(d.entries)).then(function (r) {
      sending = false;
      if (r.status >= 500) return;
      if (r.status === 401 || r.status === 403) { blocked = true; say(M.failed, "error"); return; }
      keep(drafts().filter(function (x) { return x.key !== d.key; }));
      if (r.ok) say(M.sent_draft, "ok");
      else say(M.failed, "error");
      flush();
    }).catch(function () { sending = false; });
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var entries = pairs(form);
      var fileInput = form.querySelector("input[type=file]");
      var photo = fileInput && fileInput.files && fileInput.files[0];
      if (!navigator.onLine) { saveDraft(entries); return; }
      say(M.sending, "");
      post(body(entries, photo)).then(function (r) {
        if (r.ok) { window.location.assign("/visits?done=1"); return; }
        if (r.status === 422) {
          return r.json().then(function (e) {
            say(M.invalid, "error");
            var box = document.getElementById("form-errors");
            if (box && e.html) box.innerHTML = e.html;  // our own page's words for the field
          });
        }
        if (r.status >= 500) { saveDraft(entries); return; }
        say(M.failed, "error");
      }).catch(function () { saveDraft(entries); });
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  if (drafts().length && !navigator.onLine) say(M.draft, "draft");
  flush();
})();
