/* huying: the leader page: a map of the nodes below coloured by open / overdue cases now
 * (counts from the server), and the cases received and closed per month (ECharts). */
(function () {
  "use strict";
  var M = JSON.parse(document.getElementById("leader-messages").textContent);
  var lang = document.documentElement.getAttribute("data-lang") || "zh";

  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  function span(text) { var s = document.createElement("span"); s.textContent = text; return s; }

  var el = document.getElementById("leader-map");
  if (el && window.L) {
    var map = L.map(el, { zoomSnap: 0.5, minZoom: 7, maxZoom: 18, scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: M.zoom_in_title || "+", zoomOutTitle: M.zoom_out_title || "-" }).addTo(map);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(M.attribution);
    map.setView([22.93, 113.85], 10);
    window.huyingMap = map;
    get(el.getAttribute("data-counts")).then(function (counts) {
      return get(el.getAttribute("data-geo-api") + "/layers/" + counts.level).then(function (fc) {
        var items = counts.items;
        fc.features = fc.features.filter(function (f) { return items[f.properties.code]; });
        var max = 1;
        Object.keys(items).forEach(function (k) { max = Math.max(max, items[k].open); });
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var c = items[f.properties.code];
            var fill = c.overdue > 0 ? "#c62828" : c.open > 0 ? "#f9a825" : "#e0e6ea";
            var op = c.open > 0 ? 0.35 + 0.5 * (c.open / max) : 0.5;
            return { color: "#3d5566", weight: 1, fillColor: fill, fillOpacity: op };
          },
          onEachFeature: function (f, l) {
            var p = f.properties, c = items[p.code];
            var name = lang === "en" ? p.name_en || p.name_zh || p.name : p.name_zh || p.name;
            l.bindTooltip(span(name + " · " + M.open + " " + c.open + " · " + M.overdue + " " + c.overdue), { sticky: true });
            l.on("click", function () { window.location.href = "/leader?node=" + encodeURIComponent(p.code); });
          },
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false, padding: [8, 8] });
        el.setAttribute("data-features", String(fc.features.length));
        el.setAttribute("data-ready", "true");
      });
    }).catch(function () { el.setAttribute("data-ready", "error"); });
  }

  var chartEl = document.getElementById("trend-chart");
  if (chartEl && window.echarts) {
    get(chartEl.getAttribute("data-trend")).then(function (t) {
      var chart = echarts.init(chartEl, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { data: [M.received, M.closed], bottom: 0 },
        grid: { left: 40, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: M.received, type: "line", data: t.received, smooth: true },
          { name: M.closed, type: "line", data: t.closed, smooth: true },
        ],
      });
      window.addEventListener("resize", function () { chart.resize(); });
      chartEl.setAttribute("data-points", String(t.received.reduce(function (a, b) { return a + b; }, 0)));
      chartEl.setAttribute("data-ready", "true");
    }).catch(function () { chartEl.setAttribute("data-ready", "error"); });
  }
})();
