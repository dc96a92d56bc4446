/* huying: the leader page: a map of the nodes below coloured by the share of their open
 * cases that are overdue (the class and the scale both from the server, the same scale as
 * the legend), and the cases received and closed per month (ECharts; the series from the
 * server: straight lines, the running month dashed and labelled). */
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

  // the period form: the end date only for custom dates, no start date for all time
  var form = document.getElementById("period-form");
  if (form) {
    var kind = form.querySelector("select[name=period]");
    var show = function () {
      form.querySelector("input[name=to]").closest("label").hidden = kind.value !== "custom";
      form.querySelector("input[name=from]").closest("label").hidden = kind.value === "all";
    };
    kind.addEventListener("change", show);
    show();
  }

  var root = document.getElementById("leader");
  var query = root ? root.getAttribute("data-query") || "" : "";  // the period, kept on drill-down
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
        var items = counts.items, scale = counts.scale;
        fc.features = fc.features.filter(function (f) { return items[f.properties.code]; });
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var c = items[f.properties.code];
            return { color: "#3d5566", weight: 1, fillColor: scale[c.grade].colour, fillOpacity: 0.75 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties, c = items[p.code];
            var name = lang === "en" ? p.name_en || p.name_zh || p.name : p.name_zh || p.name;
            l.bindTooltip(span(name + " · " + M.open + " " + c.open + " · " + M.overdue + " " + c.overdue), { sticky: true });
            l.on("click", function () { window.location.href = "/leader?node=" + encodeURIComponent(p.code) + (query ? "&" + query : ""); });
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
      var colours = { received: "#1565c0", closed: "#2e7d32" };
      var last = t.partial.lastIndexOf(true);
      var series = t.series.map(function (s) {
        var out = { name: M[s.measure], type: s.type, data: s.data, smooth: s.smooth, symbol: s.symbol,
                    symbolSize: s.symbolSize || 6, connectNulls: false, color: colours[s.measure] };
        if (s.lineStyle) out.lineStyle = s.lineStyle;
        if (s.partial && s.measure === "received") {
          out.label = { show: true, position: "top", formatter: function (p) {
            return p.dataIndex === last ? M.partial : ""; } };
        }
        return out;
      });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", formatter: function (ps) {
          var seen = {}, lines = [];
          ps.forEach(function (p) {
            if (p.value == null || seen[p.seriesName]) return;
            seen[p.seriesName] = true;
            lines.push(p.marker + p.seriesName + " " + p.value);
          });
          var head = ps.length ? ps[0].axisValue : "";
          if (ps.length && ps[0].dataIndex === last) head += " (" + M.partial + ")";
          return [head].concat(lines).join("<br>");
        } },
        legend: { data: [M.received, M.closed], bottom: 0 },
        grid: { left: 40, right: 24, top: 28, bottom: 48 },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", minInterval: 1 },
        series: series,
      });
      window.addEventListener("resize", function () { chart.resize(); });
      chartEl.setAttribute("data-points", String(t.received.reduce(function (a, b) { return a + b; }, 0)));
      chartEl.setAttribute("data-ready", "true");
    }).catch(function () { chartEl.setAttribute("data-ready", "error"); });
  }
})();
