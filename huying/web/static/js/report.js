/* huying: place a report on the map (a tap) or at the phone's location. Fills the hidden
 * lon/lat fields and shows the place's grid. The map draws js/outlines.js's outlines and
 * names. Words come from #report-messages. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  var H = window.HuyingMaps;
  if (!el || !window.L || !H) return;
  var M = JSON.parse(document.getElementById("report-messages").textContent);
  var lang = document.documentElement.getAttribute("data-lang") || "zh";
  var api = H.config.geo_api;
  var lon = document.getElementById("lon");
  var lat = document.getElementById("lat");
  var text = document.getElementById("place-text");

  var map = H.create(el);
  window.huyingMap = map;
  var marker = null;
  var get = H.fetchJSON;
  window.huyingOutlines = H.outlines(map, {
    onReady: function () { el.setAttribute("data-ready", "true"); },
    onError: function () { el.setAttribute("data-ready", "error"); },
  });

  function place(lng, la, zoom) {
    lon.value = lng.toFixed(6);
    lat.value = la.toFixed(6);
    var ll = [la, lng];
    if (marker) marker.setLatLng(ll);
    else marker = L.marker(ll, { keyboard: false }).addTo(map);
    if (zoom) map.setView(ll, zoom, { animate: false });
    text.textContent = M.chosen.replace("{place}", lng.toFixed(5) + ", " + la.toFixed(5));
    lon.dispatchEvent(new Event("change", { bubbles: true }));  // "is it one of these?" asks again
    get(api + "/locate?lon=" + lon.value + "&lat=" + lat.value).then(function (d) {
      var names = (d.path || []).slice(2).map(function (n) { return lang === "en" ? n.name_en || n.name : n.name; });
      text.textContent = M.chosen.replace("{place}", names.join(" › "));
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
