/* huying: small maps: a case's place (#case-map, data-lon/lat) and the public reports
 * (#public-map, points from data-points, already rounded by the server). Both draw the
 * outlines and names of js/outlines.js. A public dot opens the public page of its case; its
 * colour is the step of the five the case is at, and the legend is that same scale. */
(function () {
  "use strict";
  var H = window.HuyingMaps;
  if (!window.L || !H) return;
  var M = JSON.parse((document.getElementById("map-messages") || { textContent: "{}" }).textContent);

  // The colour of each step (受理 → 派单 → 处置 → 回访 → 办结), as the server's legend shows it
  // (huying.web.maps.STEP_COLOURS).
  var STEP_COLOURS = M.colours || [];

  var caseEl = document.getElementById("case-map");
  if (caseEl) {
    var ll = [parseFloat(caseEl.getAttribute("data-lat")), parseFloat(caseEl.getAttribute("data-lon"))];
    var map = H.create(caseEl, { map: { scrollWheelZoom: false } });
    map.setView(ll, 15, { animate: false });
    map.createPane("huying-dots").style.zIndex = 620; // above the outlines and their names
    L.circleMarker(ll, { pane: "huying-dots", radius: 8, color: "#b3261e", weight: 3, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(map);
    H.outlines(map, {
      onReady: function () { caseEl.setAttribute("data-ready", "true"); },
      onError: function () { caseEl.setAttribute("data-ready", "error"); },
    });
  }

  var pubEl = document.getElementById("public-map");
  if (pubEl) {
    var pmap = H.create(pubEl, { map: { scrollWheelZoom: false } });
    window.huyingMap = pmap; // for the browser tests
    var dots = pmap.createPane("huying-dots");
    dots.style.zIndex = 620;
    H.outlines(pmap, {});

    H.fetchJSON(pubEl.getAttribute("data-points")).then(function (data) {
      (data.points || []).forEach(function (p) {
        if (p.lat == null) return;
        var m = L.circleMarker([p.lat, p.lon], {
          pane: "huying-dots", radius: 6, weight: 1.5, color: "#ffffff",
          fillColor: STEP_COLOURS[p.step] || STEP_COLOURS[0], fillOpacity: 0.95,
          className: "public-dot",
        });
        m.bindTooltip(H.textEl(p.title + " · " + ((M.steps || [])[p.step] || "")));
        m.on("click", function () { window.location.href = "/public/cases/" + encodeURIComponent(p.code); });
        m.addTo(pmap);
        var path = m.getElement && m.getElement();
        if (path) {
          path.setAttribute("data-code", p.code);
          path.setAttribute("data-step", String(p.step));
        }
      });
      pubEl.setAttribute("data-ready", "true");
    }).catch(function () { pubEl.setAttribute("data-ready", "error"); });
  }
})();
