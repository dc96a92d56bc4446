/* huying: the service circle's map (#circle-map): the grids under the node coloured by the
 * share of their households within the circle (class and colours from the server, the same
 * scale as the legend), the centres offering the service, a dot for each household outside
 * the circle (from a community down) and the proposed new sites. Outlines and names from
 * js/outlines.js, helpers from window.HuyingMaps (as js/coverage.js). */
(function () {
  "use strict";
  var H = window.HuyingMaps;
  var el = document.getElementById("circle-map");
  if (!window.L || !H || !el) return;
  var M = JSON.parse((document.getElementById("circle-messages") || { textContent: "{}" }).textContent);

  var map = H.create(el, { map: { scrollWheelZoom: false } });
  window.huyingMap = map; // for the browser tests
  map.createPane("huying-dots").style.zIndex = 620;
  map.createPane("huying-sites").style.zIndex = 640;
  H.outlines(map, {});

  function dot(lat, lon, colour, radius, pane, cls) {
    return L.circleMarker([lat, lon], { pane: pane, radius: radius, weight: 1.5, color: "#ffffff",
                                        fillColor: colour, fillOpacity: 0.95, className: cls });
  }

  H.fetchJSON(el.getAttribute("data-counts")).then(function (data) {
    var items = data.items, scale = data.scale;
    return H.gradedGrids(map, el.getAttribute("data-geo-api"), items, scale, function (f, c) {
      return M.within + " " + c.within + "/" + c.households;
    }).then(function (drawn) {
      var layer = drawn.layer;
      data.outside.forEach(function (h) {
        var m = dot(h.lat, h.lon, "#5f7a8c", 4, "huying-dots", "outside-dot");
        m.bindTooltip(H.textEl(M.outside + (h.minutes ? " · " + M.minutes.replace("{n}", h.minutes) : "")));
        m.addTo(map);
      });
      data.centres.forEach(function (c) {
        dot(c.lat, c.lon, "#1565c0", 6, "huying-dots", "centre-dot").bindTooltip(H.textEl(H.nameOf(c))).addTo(map);
      });
      data.sites.forEach(function (s, i) {
        var m = L.marker([s.lat, s.lon], {
          pane: "huying-sites",
          icon: L.divIcon({ className: "site-marker", html: "<span>" + (i + 1) + "</span>", iconSize: [26, 26] }),
        });
        m.bindTooltip(H.textEl(M.site + " " + (i + 1) + " · " + s.label + " · " + s.newly_covered + " " + M.newly));
        m.addTo(map);
      });
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { animate: false, padding: [8, 8] });
      el.setAttribute("data-features", String(drawn.count));
      el.setAttribute("data-outside", String(data.outside.length));
      el.setAttribute("data-sites", String(data.sites.length));
      el.setAttribute("data-ready", "true");
    });
  }).catch(function () { el.setAttribute("data-ready", "error"); });
})();
