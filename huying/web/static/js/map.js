/* huying: the city map on the home page.
 *
 * Draws our own GeoJSON layers (no external tiles): towns at every zoom, communities and
 * grids once zoomed in (each fetched the first time it is needed), with a layer control.
 * A click anywhere asks /locate and shows the place's path in the tree (city > area > town >
 * community > grid, with codes) in the side panel. Every visible word comes from the
 * server-rendered catalogue strings in #map-messages. No build step: plain ES2017.
 */
(function () {
  "use strict";

  var el = document.getElementById("map");
  if (!el || !window.L) return;

  var M = JSON.parse(document.getElementById("map-messages").textContent);
  var lang = document.documentElement.getAttribute("data-lang") || "zh";
  var api = el.getAttribute("data-geo-api");
  var statusEl = document.getElementById("map-status");

  // Which levels are drawn from which zoom on, and how.
  var LEVELS = [
    { level: "town", minZoom: 0, style: { color: "#3d5566", weight: 1.6, fillColor: "#ffffff", fillOpacity: 0.55 } },
    { level: "community", minZoom: 12, style: { color: "#6b8394", weight: 1, fillOpacity: 0, dashArray: "4 3" } },
    { level: "grid", minZoom: 13.5, style: { color: "#9aa9b4", weight: 0.8, fillOpacity: 0 } },
  ];
  var TOWN_LABELS_UNTIL = 13; // town names are hidden from this zoom on (communities take over)
  var HIGHLIGHT = { color: "#b3261e", weight: 3, fillColor: "#f4c7c3", fillOpacity: 0.45 };

  function nameOf(p) {
    if (!p) return "";
    var zh = p.name_zh || p.name || "";
    var en = p.name_en || "";
    return (lang === "en" ? en || zh : zh || en) || p.code || "";
  }

  // Tooltip content as text, never as HTML: names come from the database.
  function textEl(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text || "";
    statusEl.hidden = !text;
    statusEl.classList.toggle("error", !!isError);
  }

  var map = L.map(el, {
    zoomControl: false,
    zoomSnap: 0.5,
    minZoom: 7,
    maxZoom: 18,
    preferCanvas: false,
    attributionControl: true,
  });
  L.control.zoom({ zoomInTitle: M.zoom_in_title, zoomOutTitle: M.zoom_out_title }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(M.attribution);
  map.setView([22.93, 113.85], 10); // Dongguan, until the town layer gives the real bounds
  window.huyingMap = map; // for debugging and the browser tests

  // One group per level: the layer control toggles the group; the zoom decides whether the
  // (lazily fetched) data layer is inside it.
  var state = {};
  var overlays = {};
  LEVELS.forEach(function (spec) {
    var group = L.layerGroup();
    state[spec.level] = { spec: spec, group: group, data: null, loading: null, byCode: {} };
    var label = M.layers[spec.level];
    if (spec.minZoom > 0) label += ' <span class="zoom-hint">(' + M.zoom_in + ")</span>";
    overlays[label] = group;
    group.addTo(map);
  });
  var layersControl = L.control.layers(null, overlays, { collapsed: window.innerWidth < 760, position: "topright" }).addTo(map);
  var toggle = layersControl.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (toggle) {
    toggle.title = M.layers_title;
    toggle.setAttribute("aria-label", M.layers_title);
  }
  L.control.scale({ imperial: false }).addTo(map);

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        var err = new Error("HTTP " + r.status);
        err.status = r.status;
        throw err;
      }
      return r.json();
    });
  }

  function load(level) {
    var s = state[level];
    if (s.data) return Promise.resolve(s.data);
    if (s.loading) return s.loading;
    s.loading = fetchJSON(api + "/layers/" + encodeURIComponent(level)).then(function (fc) {
      s.data = L.geoJSON(fc, {
        style: function () { return s.spec.style; },
        onEachFeature: function (feature, layer) {
          var p = feature.properties || {};
          if (p.code) s.byCode[p.code] = layer;
          if (level === "town") {
            layer.bindTooltip(textEl(nameOf(p)), { permanent: true, direction: "center", className: "town-label", interactive: false });
          } else {
            layer.bindTooltip(textEl(nameOf(p) + (p.code ? " · " + p.code : "")), { sticky: true });
          }
        },
      });
      return s.data;
    });
    s.loading.catch(function () { s.loading = null; });
    return s.loading;
  }

  function refresh() {
    var z = map.getZoom();
    el.classList.toggle("hide-town-labels", z >= TOWN_LABELS_UNTIL);
    LEVELS.forEach(function (spec) {
      var s = state[spec.level];
      var want = map.hasLayer(s.group) && z >= spec.minZoom;
      if (!want) {
        if (s.data && s.group.hasLayer(s.data)) s.group.removeLayer(s.data);
        return;
      }
      load(spec.level).then(function (layer) {
        // The zoom may have changed while the layer was fetched.
        if (map.hasLayer(s.group) && map.getZoom() >= spec.minZoom && !s.group.hasLayer(layer)) {
          s.group.addLayer(layer);
          if (spec.level !== "town") layer.bringToFront();
        }
      }).catch(function () { setStatus(M.map_error, true); });
    });
  }
  map.on("zoomend overlayadd", refresh);

  // The town layer first: it gives the city's bounds.
  load("town").then(function (layer) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
    refresh();
    setStatus("");
    el.setAttribute("data-ready", "true");
  }).catch(function () {
    setStatus(M.map_error, true);
    el.setAttribute("data-ready", "error");
  });

  // --- where is this? ------------------------------------------------------------------
  var panel = {
    hint: document.getElementById("place-hint"),
    point: document.getElementById("place-point"),
    path: document.getElementById("place-path"),
    outside: document.getElementById("place-outside"),
    error: document.getElementById("place-error"),
  };
  var marker = null;
  var highlighted = null;
  var seq = 0;

  function show(which) {
    panel.path.hidden = which !== "path";
    panel.outside.hidden = which !== "outside";
    panel.error.hidden = which !== "error";
  }

  function clearHighlight() {
    if (highlighted) {
      highlighted.layer.setStyle(highlighted.style);
      highlighted = null;
    }
  }

  function highlight(nodes) {
    clearHighlight();
    for (var i = nodes.length - 1; i >= 0; i--) {
      var s = state[nodes[i].level];
      var layer = s && s.data && s.group.hasLayer(s.data) ? s.byCode[nodes[i].code] : null;
      if (layer) {
        highlighted = { layer: layer, style: s.spec.style };
        layer.setStyle(HIGHLIGHT);
        return;
      }
    }
  }

  // The locate answer: a list of nodes from the city down, or an object holding it.
  function pathOf(data) {
    if (Array.isArray(data)) return data;
    if (data && Array.isArray(data.path)) return data.path;
    if (data && Array.isArray(data.nodes)) return data.nodes;
    return [];
  }

  function renderPath(nodes) {
    panel.path.textContent = "";
    nodes.forEach(function (n) {
      var li = document.createElement("li");
      li.setAttribute("data-level", n.level || "");
      li.setAttribute("data-code", n.code || "");
      var lvl = document.createElement("span");
      lvl.className = "lvl";
      lvl.textContent = M.levels[n.level] || n.level || "";
      var nm = document.createElement("span");
      nm.className = "nm";
      nm.textContent = nameOf(n);
      var code = document.createElement("code");
      code.textContent = n.code || "";
      li.appendChild(lvl);
      li.appendChild(nm);
      li.appendChild(code);
      panel.path.appendChild(li);
    });
  }

  map.on("click", function (e) {
    var ll = e.latlng.wrap();
    var mine = ++seq;
    if (marker) marker.setLatLng(ll);
    else marker = L.circleMarker(ll, { radius: 6, color: "#b3261e", weight: 2, fillColor: "#fff", fillOpacity: 1 }).addTo(map);
    if (panel.hint) panel.hint.hidden = true;
    panel.point.hidden = false;
    panel.point.textContent = M.point + ": " + ll.lng.toFixed(5) + ", " + ll.lat.toFixed(5) + " · " + M.looking;
    var url = api + "/locate?lon=" + ll.lng.toFixed(6) + "&lat=" + ll.lat.toFixed(6);
    fetchJSON(url).then(function (data) {
      if (mine !== seq) return;
      var nodes = pathOf(data);
      panel.point.textContent = M.point + ": " + ll.lng.toFixed(5) + ", " + ll.lat.toFixed(5);
      renderPath(nodes);
      show("path");
      highlight(nodes);
    }).catch(function (err) {
      if (mine !== seq) return;
      panel.point.textContent = M.point + ": " + ll.lng.toFixed(5) + ", " + ll.lat.toFixed(5);
      clearHighlight();
      show(err.status === 422 || err.status === 404 ? "outside" : "error");
    });
  });
})();
