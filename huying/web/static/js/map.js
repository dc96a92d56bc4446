/* huying: the city map on the home page.
 *
 * The outlines and names of towns, communities and grids (js/outlines.js: our own GeoJSON,
 * per square of the map and zoom; a base layer of tiles only when configured), with a layer
 * control. A click anywhere asks /locate and shows the place's path in the tree (city > area >
 * town > community > grid, with codes) in the side panel. Every visible word comes from the
 * server-rendered catalogue strings in #map-messages. No build step: plain ES2017.
 */
(function () {
  "use strict";

  var el = document.getElementById("map");
  if (!el || !window.L || !window.HuyingMaps) return;

  var M = JSON.parse(document.getElementById("map-messages").textContent);
  var api = window.HuyingMaps && window.HuyingMaps.config.geo_api;
  var statusEl = document.getElementById("map-status");

  var HIGHLIGHT = { color: "#b3261e", weight: 3, fillColor: "#f4c7c3", fillOpacity: 0.45 };
  var nameOf = window.HuyingMaps.nameOf;
  var fetchJSON = window.HuyingMaps.fetchJSON;

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text || "";
    statusEl.hidden = !text;
    statusEl.classList.toggle("error", !!isError);
  }

  var H = window.HuyingMaps;
  var map = H.create(el);
  window.huyingMap = map; // for debugging and the browser tests

  var drawn = H.outlines(map, {
    interactive: true,
    onReady: function () {
      setStatus("");
      el.setAttribute("data-ready", "true");
    },
    onError: function () {
      setStatus(M.map_error, true);
      if (!el.getAttribute("data-ready")) el.setAttribute("data-ready", "error");
    },
  });
  window.huyingOutlines = drawn; // for the browser tests
  // The layer control toggles each level (drawn from the zoom where it is readable).
  var overlays = {};
  var groups = drawn.groups();
  drawn.levels.forEach(function (spec) {
    var label = M.layers[spec.level];
    if (spec.minZoom > 0) label += ' <span class="zoom-hint">(' + M.zoom_in + ")</span>";
    overlays[label] = groups[spec.level];
  });
  var layersControl = L.control.layers(null, overlays, { collapsed: window.innerWidth < 760, position: "topright" }).addTo(map);
  var toggle = layersControl.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (toggle) {
    toggle.title = M.layers_title;
    toggle.setAttribute("aria-label", M.layers_title);
  }

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
      var layer = drawn.layerOf(nodes[i].level, nodes[i].code);
      if (layer) {
        highlighted = { layer: layer, style: drawn.styleOf(nodes[i].level) };
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

  // "Point: lon, lat" as the catalogue words it (a full-width colon in Chinese).
  function pointText(ll) {
    return M.point_at.replace("{where}", ll.lng.toFixed(5) + ", " + ll.lat.toFixed(5));
  }

  map.on("click", function (e) {
    var ll = e.latlng.wrap();
    var mine = ++seq;
    if (marker) marker.setLatLng(ll);
    else marker = L.circleMarker(ll, { radius: 6, color: "#b3261e", weight: 2, fillColor: "#fff", fillOpacity: 1 }).addTo(map);
    if (panel.hint) panel.hint.hidden = true;
    panel.point.hidden = false;
    panel.point.textContent = pointText(ll) + " · " + M.looking;
    var url = api + "/locate?lon=" + ll.lng.toFixed(6) + "&lat=" + ll.lat.toFixed(6);
    fetchJSON(url).then(function (data) {
      if (mine !== seq) return;
      var nodes = pathOf(data);
      panel.point.textContent = pointText(ll);
      renderPath(nodes);
      show("path");
      highlight(nodes);
    }).catch(function (err) {
      if (mine !== seq) return;
      panel.point.textContent = pointText(ll);
      clearHighlight();
      show(err.status === 422 || err.status === 404 ? "outside" : "error");
    });
  });
})();
