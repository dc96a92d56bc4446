/* huying: the leader's wall screen: the map of the nodes below coloured by the share of
 * their open cases that are overdue (class and scale from the server, as on the leader's
 * page) and the cases received and closed per month (ECharts, the server's series), drawn
 * for a dark screen with no interaction. The page reloads itself (meta refresh). */
(function () {
  "use strict";
  var M = JSON.parse(document.getElementById("wall-messages").textContent);

  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  var el = document.getElementById("wall-map");
  if (el && window.L) {
    var map = L.map(el, { zoomSnap: 0.25, zoomControl: false, dragging: false, scrollWheelZoom: false,
                          doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(M.attribution);
    map.setView([22.93, 113.85], 10);
    get(el.getAttribute("data-counts")).then(function (counts) {
      return get(el.getAttribute("data-geo-api") + "/layers/" + counts.level).then(function (fc) {
        var items = counts.items, scale = counts.scale;
        fc.features = fc.features.filter(function (f) { return items[f.properties.code]; });
        var layer = L.geoJSON(fc, {
          interactive: false,
          style: function (f) {
            var c = items[f.properties.code];
            return { color: "#0b1622", weight: 1, fillColor: scale[c.grade].colour, fillOpacity: 0.9 };
          },
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { animate: false, padding: [6, 6] });
        el.setAttribute("data-features", String(fc.features.length));
        el.setAttribute("data-ready", "true");
      });
    }).catch(function () { el.setAttribute("data-ready", "error"); });
  }

  var chartEl = document.getElementById("wall-trend");
  if (chartEl && window.echarts) {
    get(chartEl.getAttribute("data-trend")).then(function (t) {
      var chart = echarts.init(chartEl, null, { renderer: "canvas" });
      var colours = { received: "#5cb8ff", closed: "#5fd38d" };
      var last = t.partial.lastIndexOf(true);
      var size = Math.max(12, Math.round(window.innerWidth / 110));
      var series = t.series.map(function (s) {
        var out = { name: M[s.measure], type: s.type, data: s.data, smooth: s.smooth, symbol: s.symbol,
                    symbolSize: (s.symbolSize || 6) + 2, connectNulls: false, color: colours[s.measure],
                    lineStyle: { width: 3 } };
        if (s.lineStyle) out.lineStyle = { width: 3, type: s.lineStyle.type };
        if (s.partial && s.measure === "received") {
          out.label = { show: true, position: "top", color: "#9fb4c8", fontSize: size,
                        formatter: function (p) { return p.dataIndex === last ? M.partial : ""; } };
        }
        return out;
      });
      chart.setOption({
        animation: false,
        textStyle: { color: "#eef4fb", fontSize: size },
        legend: { data: [M.received, M.closed], bottom: 0, textStyle: { color: "#eef4fb", fontSize: size } },
        grid: { left: size * 3.5, right: size, top: size * 2, bottom: size * 3.5 },
        xAxis: { type: "category", data: t.months, axisLabel: { color: "#9fb4c8", fontSize: size - 2 },
                 axisLine: { lineStyle: { color: "#22405f" } } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#9fb4c8", fontSize: size - 2 },
                 splitLine: { lineStyle: { color: "#22405f" } } },
        series: series,
      });
      window.addEventListener("resize", function () { chart.resize(); });
      chartEl.setAttribute("data-points", String(t.received.reduce(function (a, b) { return a + b; }, 0)));
      chartEl.setAttribute("data-ready", "true");
    }).catch(function () { chartEl.setAttribute("data-ready", "error"); });
  }
})();
