/* huying: the centre finder (/centres/find). "Use my location" asks the browser for the
 * resident's position, then fetches the results fragment for the chosen service
 * (/web/centres/nearest, server-rendered in the page's language) and shows it. The position is
 * rounded to about 10 m and stored nowhere. Without a script, or when the position is refused,
 * the resident chooses their community (a plain GET form). Words from #finder-messages. */
(function () {
  "use strict";
  var form = document.getElementById("finder-form");
  var button = document.getElementById("finder-locate");
  var item = document.getElementById("finder-item");
  var results = document.getElementById("centre-results");
  var status = document.getElementById("finder-status");
  if (!form || !button || !item || !results) return;
  var M = JSON.parse((document.getElementById("finder-messages") || { textContent: "{}" }).textContent);

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function openPlaces() {
    var d = document.getElementById("finder-place");
    if (d) d.open = true;
  }

  if (!("geolocation" in navigator)) { openPlaces(); return; }
  button.hidden = false;

  button.addEventListener("click", function () {
    if (!item.value) { say(M.choose); item.focus(); return; }
    say(M.locating);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lon = pos.coords.longitude.toFixed(4), lat = pos.coords.latitude.toFixed(4);
      var url = "/web/centres/nearest?item=" + encodeURIComponent(item.value) + "&lon=" + lon + "&lat=" + lat;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      }).then(function (html) {
        results.innerHTML = html;
        say("");
        results.setAttribute("data-ready", "true");
      }).catch(function () { say(M.error); }).then(function () { button.disabled = false; });
    }, function () {
      button.disabled = false;
      say(M.denied);
      openPlaces();
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
})();
