/* huying: the visit coverage map (#coverage-map): the grids under the node coloured by the
 * share of their assigned households not visited in the period (the class and the scale from
 * the server, the same scale as the legend), and a dot for each unvisited household (red when
 * its visit is overdue). Outlines and names from js/outlines.js. */
(function () {
  "use strict";
  var H = window.HuyingMaps;
  var el = document.getElementById("coverage-map");
  if (!window.L || !H || !el) return;
  var M = JSON.parse((document.getElementById("coverage-messages") || { textContent: "{}" }).textContent);

  var map = H.create(el, { map: { scrollWheelZoom: false } });
  window.huyingMap = map; // for the browser tests
  map.setView([22.93, 113.85], 10);
  map.createPane("huying-dots").style.zIndex = 620;
  H.outlines(map, {});

  H.fetchJSON(el.getAttribute("data-counts")).then(function (data) {
    var items = data.items, scale = data.scale;
    return H.gradedGrids(map, el.getAttribute("data-geo-api"), items, scale, function (f, c) {
      return M.visited + " " + c.visited + "/" + c.assigned + " · " + M.unvisited + " " + c.unvisited;
    }).then(function (drawn) {
      var layer = drawn.layer;
      data.households.forEach(function (h) {
        var m = L.circleMarker([h.lat, h.lon], {
          pane: "huying-dots", radius: 5, weight: 1.5, color: "#ffffff",
          fillColor: h.overdue ? "#b3261e" : "#5f7a8c", fillOpacity: 0.95, className: "unvisited-dot",
        });
        m.bindTooltip(H.textEl(h.code + " · " + h.address + (h.overdue ? " · " + M.overdue : "")));
        m.on("click", function () { window.location.href = "/visits/new?household=" + encodeURIComponent(h.code); });
        m.addTo(map);
        var path = m.getElement && m.getElement();
        if (path) path.setAttribute("data-code", h.code);
      });
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { animate: false, padding: [8, 8] });
      el.setAttribute("data-features", String(drawn.count));
      el.setAttribute("data-households", String(data.households.length));
      el.setAttribute("data-ready", "true");
    });
  }).catch(function () { el.setAttribute("data-ready", "error"); });
})();
