/* huying: place a report on the map (a tap) or at the phone's location. Fills the hidden
 * lon/lat fields and shows the place's grid. Words come from #report-messages. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el || !window.L) return;
  var M = JSON.parse(document.getElementById("report-messages").textContent);
  var lang = document.documentElement.getAttribute("data-lang") || "zh";
  var api = el.getAttribute("data-geo-api");
  var lon = document.getElementById("lon");
  var lat = document.getElementById("lat");
  var text = document.getElementById("place-text");

  var map = L.map(el, { zoomSnap: 0.5, minZoom: 8, maxZoom: 18, zoomControl: false });
  L.control.zoom({ zoomInTitle: M.zoom_in_title || "+", zoomOutTitle: M.zoom_out_title || "-" }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(M.attribution);
  map.setView([22.93, 113.85], 10);
  window.huyingMap = map;
  var marker = null;

  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  var towns = null;
  get(api + "/layers/town").then(function (fc) {
    towns = L.geoJSON(fc, { style: { color: "#3d5566", weight: 1.2, fillColor: "#fff", fillOpacity: 0.6 }, interactive: false }).addTo(map);
    if (!lon.value) map.fitBounds(towns.getBounds(), { animate: false });
    el.setAttribute("data-ready", "true");
  }).catch(function () { el.setAttribute("data-ready", "error"); });

  function place(lng, la, zoom) {
    lon.value = lng.toFixed(6);
    lat.value = la.toFixed(6);
    var ll = [la, lng];
    if (marker) marker.setLatLng(ll);
    else marker = L.marker(ll, { keyboard: false }).addTo(map);
    if (zoom) map.setView(ll, zoom, { animate: false });
    text.textContent = M.chosen + ": " + lng.toFixed(5) + ", " + la.toFixed(5);
    lon.dispatchEvent(new Event("change", { bubbles: true }));  // "is it one of these?" asks again
    get(api + "/locate?lon=" + lon.value + "&lat=" + lat.value).then(function (d) {
      var names = (d.path || []).slice(2).map(function (n) { return lang === "en" ? n.name_en || n.name : n.name; });
      text.textContent = M.chosen + ": " + names.join(" › ");
      text.setAttribute("data-located", "true");
    }).catch(function () { text.setAttribute("data-located", "false"); });
  }
  if (lon.value && lat.value) place(parseFloat(lon.value), parseFloat(lat.value), 15);
  map.on("click", function (e) { var ll = e.latlng.wrap(); place(ll.lng, ll.lat); });

  var btn = document.getElementById("use-location");
  if (btn && navigator.geolocation) {
    btn.addEventListener("click", function () {
      text.textContent = M.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.longitude, pos.coords.latitude, 15);
      }, function () { text.textContent = M.no_location; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  } else if (btn) {
    btn.hidden = true;
  }
})();
