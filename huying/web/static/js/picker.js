// Searchable pickers of the work list's filters: the place (a tree opened a level at a
// time, or searched by name) and the responsible unit (searched by name). Each picker is a
// <div class="picker" data-api=...> (a place, a unit or an account) holding a hidden input
// and a button; choosing sets the input and fires "picked" on the form (htmx then reloads the list). Names are shown, the
// codes only as tooltips. No framework; the DOM is built with textContent (no HTML).
(function () {
  "use strict";

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function getJSON(url) {
    return fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { nodes: [], units: [], accounts: [] }));
  }

  function setup(box) {
    const kind = box.dataset.picker;
    const api = box.dataset.api;
    const input = box.querySelector("input[type=hidden]");
    const button = box.querySelector(".picker-button");
    const panel = el("div", "picker-panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    const search = el("input");
    search.type = "search";
    search.placeholder = box.dataset.search || "";
    search.setAttribute("aria-label", box.dataset.search || "");
    const list = el("ul", "picker-list");
    list.setAttribute("role", "tree");
    const clear = el("button", "link picker-clear", box.dataset.empty || "");
    clear.type = "button";
    panel.append(search, clear, list);
    box.append(panel);

    function choose(code, name) {
      input.value = code;
      button.textContent = name;
      close();
      const form = box.closest("form");
      if (form) form.dispatchEvent(new Event("picked", { bubbles: true }));
    }

    function item(data, withChildren) {
      const li = el("li", "picker-item");
      li.setAttribute("role", "treeitem");
      const row = el("div", "picker-row");
      if (withChildren && !data.leaf) {
        const toggle = el("button", "picker-toggle", "▸");
        toggle.type = "button";
        toggle.setAttribute("aria-expanded", "false");
        toggle.addEventListener("click", () => expand(li, toggle, data.code));
        row.append(toggle);
      } else if (withChildren) {
        row.append(el("span", "picker-toggle-space"));
      }
      const pick = el("button", "picker-name");
      pick.type = "button";
      pick.title = data.code;
      pick.append(el("span", "", data.name));
      if (data.above) pick.append(el("small", "muted", data.above));
      pick.addEventListener("click", () => choose(data.code, data.name));
      row.append(pick);
      li.append(row);
      return li;
    }

    function expand(li, toggle, code) {
      const open = toggle.getAttribute("aria-expanded") === "true";
      const sub = li.querySelector(":scope > ul");
      if (open) {
        toggle.setAttribute("aria-expanded", "false");
        toggle.textContent = "▸";
        if (sub) sub.hidden = true;
        return;
      }
      toggle.setAttribute("aria-expanded", "true");
      toggle.textContent = "▾";
      if (sub) { sub.hidden = false; return; }
      const ul = el("ul", "picker-list");
      ul.setAttribute("role", "group");
      li.append(ul);
      getJSON(api + "?parent=" + encodeURIComponent(code)).then((d) => {
        (d.nodes || []).forEach((n) => ul.append(item({ ...n, above: "" }, true)));
      });
    }

    function show(rows, tree) {
      list.replaceChildren();
      if (!rows.length) list.append(el("li", "muted", box.dataset.none || ""));
      rows.forEach((r) => list.append(item(tree ? { ...r, above: r.above } : r, tree)));
    }

    let latest = 0;  // answers may come back out of order: only the last asked is shown
    function load(q) {
      const key = { node: "nodes", account: "accounts" }[kind] || "units";
      const url = api + (q ? "?q=" + encodeURIComponent(q) : "");
      const mine = ++latest;
      getJSON(url).then((d) => { if (mine === latest) show(d[key] || [], kind === "node" && !q); });
    }

    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(search.value.trim()), 250);
    });
    search.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
    clear.addEventListener("click", () => choose("", box.dataset.empty || ""));

    function open() {
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      if (!list.childElementCount) load("");
      search.focus();
    }
    function close() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
    }
    button.addEventListener("click", () => (panel.hidden ? open() : close()));
    document.addEventListener("click", (e) => { if (!box.contains(e.target)) close(); });
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") { close(); button.focus(); } });
  }

  // On a phone the less used filters start folded, unless one of them is set.
  function foldMore() {
    const more = document.querySelector("details.more-filters");
    if (more && !more.dataset.active && window.matchMedia("(max-width: 759px)").matches) more.open = false;
  }

  function init() {
    document.querySelectorAll(".picker[data-api]").forEach(setup);
    foldMore();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
