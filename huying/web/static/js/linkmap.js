/* huying: the member–household link map (#links-map, GeoJSON from data-geojson): households
 * as dots in their member's colour (grey and hollow: not linked), the members' homes as
 * squares, a thin line from each linked household to its member's home; the outlines and
 * names of js/outlines.js under them. Words and colours come from #link-messages. */
(function () {
  "use strict";
  var H = window.HuyingMaps;
  var el = document.getElementById("links-map");
  if (!window.L || !H || !el) return;
  var M = JSON.parse((document.getElementById("link-messages") || { textContent: "{}" }).textContent);
  var COLOURS = M.colours || ["#1f77b4"];
  var GREY = "#78909c";

  function colour(i) { return i >= 0 ? COLOURS[i % COLOURS.length] : GREY; }

  var map = H.create(el, { map: { scrollWheelZoom: false } });
  window.huyingMap = map; // for the browser tests
  map.createPane("huying-links").style.zIndex = 610;
  map.createPane("huying-dots").style.zIndex = 620;
  H.outlines(map, {});

  H.fetchJSON(el.getAttribute("data-geojson")).then(function (data) {
    var members = {};
    (data.features || []).forEach(function (f) {
      if (f.properties.kind === "member") members[f.properties.member] = f.properties;
    });
    var layer = L.geoJSON(data, {
      style: function (f) {
        return { pane: "huying-links", color: colour(f.properties.member), weight: 1, opacity: 0.55, interactive: false };
      },
      pointToLayer: function (f, ll) {
        var p = f.properties;
        if (p.kind === "member") {
          var size = 9;
          var icon = L.divIcon({ className: "member-home", iconSize: [size, size],
            html: '<span style="display:block;width:' + size + 'px;height:' + size + 'px;background:' + colour(p.member) + ';border:1.5px solid #263238;box-sizing:border-box"></span>' });
          var mk = L.marker(ll, { icon: icon, pane: "huying-dots", keyboard: false });
          mk.bindTooltip(H.textEl(M.member + " " + p.name + " · " + p.load + "/" + p.capacity + " " + M.load));
          return mk;
        }
        var linked = p.member >= 0;
        var dot = L.circleMarker(ll, { pane: "huying-dots", radius: 3.5, weight: linked ? 1 : 1.5,
          color: linked ? "#ffffff" : GREY, fillColor: colour(p.member), fillOpacity: linked ? 0.95 : 0.15,
          className: linked ? "link-dot" : "link-dot unlinked" });
        var who = linked && members[p.member] ? members[p.member].name : M.unlinked;
        dot.bindTooltip(H.textEl(M.household + " " + p.code + " · " + who));
        return dot;
      },
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { animate: false, padding: [16, 16], maxZoom: 16 });
    el.setAttribute("data-households", String((data.features || []).filter(function (f) { return f.properties.kind === "household"; }).length));
    el.setAttribute("data-ready", "true");
  }).catch(function () {
    el.setAttribute("data-ready", "error");
    var p = document.createElement("p");
    p.className = "map-status error";
    p.textContent = M.error || "";
    el.parentNode.insertBefore(p, el.nextSibling);
  });
})();
