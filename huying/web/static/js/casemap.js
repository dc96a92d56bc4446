/* huying: small maps: a case's place (#case-map, data-lon/lat) and the public reports
 * (#public-map, points from data-points, already rounded by the server). */
(function () {
  "use strict";
  if (!window.L) return;
  var M = JSON.parse((document.getElementById("map-messages") || { textContent: "{}" }).textContent);

  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  function base(el) {
    var map = L.map(el, { zoomSnap: 0.5, minZoom: 8, maxZoom: 18, scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: M.zoom_in_title || "+", zoomOutTitle: M.zoom_out_title || "-" }).addTo(map);
    map.attributionControl.setPrefix(false);
    if (M.attribution) map.attributionControl.addAttribution(M.attribution);
    return map;
  }
  function towns(map, el) {
    return get(el.getAttribute("data-geo-api") + "/layers/town").then(function (fc) {
      return L.geoJSON(fc, { style: { color: "#3d5566", weight: 1.2, fillColor: "#fff", fillOpacity: 0.6 }, interactive: false }).addTo(map);
    });
  }

  var caseEl = document.getElementById("case-map");
  if (caseEl) {
    var ll = [parseFloat(caseEl.getAttribute("data-lat")), parseFloat(caseEl.getAttribute("data-lon"))];
    var map = base(caseEl);
    map.setView(ll, 14);
    L.circleMarker(ll, { radius: 8, color: "#b3261e", weight: 3, fillColor: "#fff", fillOpacity: 1 }).addTo(map);
    towns(map, caseEl).then(function () { caseEl.setAttribute("data-ready", "true"); })
      .catch(function () { caseEl.setAttribute("data-ready", "error"); });
  }

  var pubEl = document.getElementById("public-map");
  if (pubEl) {
    var pmap = base(pubEl);
    pmap.setView([22.93, 113.85], 10);
    var colour = { closed: "#2e7d32", handled: "#1f6feb", followed_up: "#1f6feb" };
    towns(pmap, pubEl).then(function (layer) {
      pmap.fitBounds(layer.getBounds(), { animate: false });
      return get(pubEl.getAttribute("data-points"));
    }).then(function (data) {
      (data.points || []).forEach(function (p) {
        if (p.lat == null) return;
        var m = L.circleMarker([p.lat, p.lon], { radius: 5, weight: 1, color: "#333", fillColor: colour[p.status] || "#e0a100", fillOpacity: 0.9 });
        var span = document.createElement("span");
        span.textContent = p.title + " · " + ((M.statuses || {})[p.status] || p.status);
        m.bindTooltip(span);
        m.addTo(pmap);
      });
      pubEl.setAttribute("data-ready", "true");
    }).catch(function () { pubEl.setAttribute("data-ready", "error"); });
  }
})();
