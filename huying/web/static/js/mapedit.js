/* huying: the preview of a map change (#map-preview): the old outlines dashed, the new ones
 * filled (blue: a place that keeps its code, green: a new one), each named on hover; the map
 * fits them. Data from the server-rendered #map-preview-data; no request of its own. */
(function () {
  "use strict";
  var H = window.HuyingMaps;
  var el = document.getElementById("map-preview");
  var dataEl = document.getElementById("map-preview-data");
  if (!window.L || !H || !el || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var map = H.create(el, { map: { scrollWheelZoom: false } });
  window.huyingMap = map; // for the browser tests
  var COLOURS = { kept: "#2f6fb0", "new": "#2e8540" };

  function tip(f) {
    return H.textEl(H.nameOf(f.properties) + " · " + f.properties.code);
  }
  var fresh = L.geoJSON(data["new"], {
    style: function (f) {
      var c = COLOURS[f.properties.state] || "#2f6fb0";
      return { color: c, weight: 1.5, fillColor: c, fillOpacity: 0.35, className: "preview-new state-" + f.properties.state };
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(tip(f)); },
  }).addTo(map);
  var old = L.geoJSON(data.old, {
    style: function () {
      return { color: "#3d5566", weight: 2, dashArray: "6 4", fill: false, className: "preview-old" };
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(tip(f)); },
  }).addTo(map);
  var bounds = fresh.getBounds();
  if (old.getLayers().length) bounds.extend(old.getBounds());
  if (bounds.isValid()) map.fitBounds(bounds, { animate: false, padding: [12, 12] });
  el.setAttribute("data-old", String(old.getLayers().length));
  el.setAttribute("data-new", String(fresh.getLayers().length));
  el.setAttribute("data-ready", "true");
})();
