/* huying: what every map of ours draws, whatever it is for (window.HuyingMaps).
 *
 * - A base layer of tiles only when the city configured one (HUYING_MAP_TILES, in #map-config);
 *   off by default: the demo runs offline.
 * - Our own outlines of the towns, communities and grids (GET <geo>/outlines/<level>/<z>/<x>/<y>:
 *   squares of 1024 px at the zoom shown, simplified for it), fetched only for the part of the
 *   city in view and only from the zoom where the level is readable.
 * - Their names where they fit inside their outline and do not collide with a name already
 *   placed (towns first, then communities, then grids), redone after every move.
 * - A metric scale bar, kept clear of the attribution.
 * Every word comes from the server-rendered #map-config. No build step: plain ES2017.
 */
(function () {
  "use strict";
  if (!window.L) return;

  var node = document.getElementById("map-config");
  var CONFIG = node ? JSON.parse(node.textContent) : {};
  var lang = document.documentElement.getAttribute("data-lang") || "zh";
  var TILE_PX = 1024;

  // The zoom from which a level's outlines are drawn, the zooms at which its names are shown,
  // and its look (with and without a base layer under it).
  var LEVELS = [
    { level: "town", minZoom: 0, labels: [0, 14], font: "600 13px", cls: "town-label",
      style: { color: "#3d5566", weight: 1.6, fillColor: "#ffffff", fillOpacity: 0.55 } },
    { level: "community", minZoom: 12, labels: [12, 16.5], font: "12px", cls: "community-label",
      style: { color: "#5f7a8c", weight: 1.1, fillOpacity: 0, dashArray: "4 3" } },
    { level: "grid", minZoom: 13.5, labels: [14.5, 99], font: "11px", cls: "grid-label",
      style: { color: "#8a9ba8", weight: 0.8, fillOpacity: 0 } },
  ];
  var FONT_FAMILY = getComputedStyle(document.documentElement).fontFamily || "sans-serif";

  function nameOf(p) {
    if (!p) return "";
    var zh = p.name_zh || p.name || "";
    var en = p.name_en || "";
    return (lang === "en" ? en || zh : zh || en) || p.code || "";
  }

  function textEl(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function escapeHTML(text) {
    var div = document.createElement("div");
    div.textContent = text || "";
    return div.innerHTML;
  }

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        var err = new Error("HTTP " + r.status);
        err.status = r.status;
        throw err;
      }
      return r.json();
    });
  }

  // A map with our controls: zoom buttons, the attribution, the scale bar, the base layer.
  function create(el, options) {
    options = options || {};
    var tiles = CONFIG.tiles || null;
    var maxZoom = tiles ? Math.min(18, tiles.max_zoom || 18) : 18;
    var map = L.map(el, Object.assign({
      zoomControl: false, zoomSnap: 0.25, minZoom: 7, maxZoom: maxZoom, attributionControl: true,
    }, options.map || {}));
    L.control.zoom({ zoomInTitle: CONFIG.words.zoom_in_title, zoomOutTitle: CONFIG.words.zoom_out_title }).addTo(map);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeHTML(CONFIG.words.attribution));
    if (tiles) {
      L.tileLayer(tiles.url, {
        attribution: escapeHTML(tiles.attribution), maxZoom: maxZoom, maxNativeZoom: tiles.max_zoom,
        subdomains: tiles.subdomains || "abc", crossOrigin: false,
      }).addTo(map);
      el.classList.add("has-tiles");
    }
    L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 100 }).addTo(map);
    var b = CONFIG.bounds;
    if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false, padding: [8, 8] });
    else map.setView([22.93, 113.85], 10);
    return map;
  }

  // Web Mercator: the outline square (of TILE_PX at zoom z) holding a point.
  function tileOf(lng, lat, z) {
    var n = Math.pow(2, z) * 256 / TILE_PX;
    var x = Math.floor((lng + 180) / 360 * n);
    var r = lat * Math.PI / 180;
    var y = Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
    return [Math.max(0, Math.min(n - 1, x)), Math.max(0, Math.min(n - 1, y))];
  }

  // The outlines and names on a map. opts: interactive (tooltips with names; default false),
  // levels (which levels; default all), onReady (after the first outlines are drawn).
  function outlines(map, opts) {
    opts = opts || {};
    var api = CONFIG.geo_api;
    var zooms = CONFIG.zooms || {};
    var withTiles = !!CONFIG.tiles;
    var pane = map.createPane("huying-labels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    var measure = document.createElement("canvas").getContext("2d");

    var state = {};
    var wanted = opts.levels || LEVELS.map(function (s) { return s.level; });
    LEVELS.forEach(function (spec) {
      if (wanted.indexOf(spec.level) < 0) return;
      var style = Object.assign({}, spec.style);
      if (withTiles) style.fillOpacity = 0;
      var group = L.layerGroup().addTo(map);
      state[spec.level] = { spec: spec, style: style, group: group, z: null, layer: null, stale: null, byCode: {}, feats: {}, tiles: {} };
    });

    function servingZoom(level, zoom) {
      var r = zooms[level];
      if (!r) return null;
      return Math.max(r[0], Math.min(r[1], Math.floor(zoom)));
    }

    function newLayer(s) {
      return L.geoJSON(null, {
        style: function () { return s.style; },
        interactive: !!opts.interactive,
        onEachFeature: function (feature, layer) {
          var p = feature.properties || {};
          s.byCode[p.code] = layer;
          if (opts.interactive && s.spec.level !== "town") {
            layer.bindTooltip(textEl(nameOf(p) + (p.code ? " · " + p.code : "")), { sticky: true });
          }
        },
      });
    }

    function addFeatures(s, z, fc) {
      if (s.z !== z) return; // the zoom changed while the square was fetched
      if (s.stale) {
        s.group.removeLayer(s.stale);
        s.stale = null;
      }
      (fc.features || []).forEach(function (f) {
        var p = f.properties || {};
        if (!p.code || s.feats[p.code]) return;
        s.layer.addData(f);
        var layer = s.byCode[p.code];
        s.feats[p.code] = { props: p, bounds: layer.getBounds() };
        if (s.spec.level !== "town") layer.bringToFront();
      });
    }

    var pending = 0;
    var ready = false;
    function done() {
      if (pending === 0) {
        scheduleLabels();
        if (!ready) {
          ready = true;
          if (opts.onReady) opts.onReady();
        }
      }
    }

    function refresh() {
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.15);
      Object.keys(state).forEach(function (level) {
        var s = state[level];
        var on = map.hasLayer(s.group) && zoom >= s.spec.minZoom;
        var z = on ? servingZoom(level, zoom) : null;
        if (z === null) {
          if (s.layer) s.group.removeLayer(s.layer);
          if (s.stale) s.group.removeLayer(s.stale);
          s.layer = s.stale = null;
          s.z = null;
          s.byCode = {};
          s.feats = {};
          return;
        }
        if (s.z !== z) {
          // the outlines of the zoom before stay until those of this zoom arrive
          if (s.stale) s.group.removeLayer(s.stale);
          s.stale = s.layer;
          s.z = z;
          s.byCode = {};
          s.feats = {};
          s.layer = newLayer(s).addTo(s.group);
        }
        var a = tileOf(view.getWest(), view.getNorth(), z);
        var b = tileOf(view.getEast(), view.getSouth(), z);
        for (var x = a[0]; x <= b[0]; x++) {
          for (var y = a[1]; y <= b[1]; y++) {
            var key = z + "/" + x + "/" + y;
            var have = s.tiles[key];
            if (!have) {
              pending++;
              have = s.tiles[key] = fetchJSON(api + "/outlines/" + level + "/" + key);
              have.catch(function () {}).then(function () { pending--; done(); });
              have.catch(function (k) { return function () { delete s.tiles[k]; }; }(key));
            }
            have.then(function (zz) { return function (fc) { addFeatures(s, zz, fc); scheduleLabels(); }; }(z))
              .catch(function () { if (opts.onError) opts.onError(); });
          }
        }
      });
      if (pending === 0) done();
    }

    // --- names that fit and do not collide ---------------------------------------------------
    var labelEls = [];
    var labelFrame = null;
    function scheduleLabels() {
      if (labelFrame) return;
      labelFrame = requestAnimationFrame(function () { labelFrame = null; placeLabels(); });
    }

    var MARGIN = 4;
    function whole(c, tw, th, size) {
      return c.x - tw / 2 - MARGIN >= 0 && c.y - th / 2 - MARGIN >= 0
        && c.x + tw / 2 + MARGIN <= size.x && c.y + th / 2 + MARGIN <= size.y;
    }

    // Is the map point inside the feature's polygon (rings of Leaflet lat/lngs; holes count out)?
    function inside(layer, pt) {
      var ll = map.containerPointToLatLng(pt);
      var hit = false;
      (function walk(rings) {
        if (!rings.length) return;
        if (rings[0] instanceof L.LatLng) {
          for (var i = 0, j = rings.length - 1; i < rings.length; j = i++) {
            var a = rings[i], b = rings[j];
            if ((a.lat > ll.lat) !== (b.lat > ll.lat)
                && ll.lng < (b.lng - a.lng) * (ll.lat - a.lat) / (b.lat - a.lat) + a.lng) hit = !hit;
          }
          return;
        }
        rings.forEach(walk);
      })(layer.getLatLngs());
      return hit;
    }

    // Where a name whose own point is off the map may go, best first: the point moved into the
    // part of the place's box in view, then above and below the map's centre (where a pin
    // usually is); only those inside the place.
    function inView(it, c, tw, th, size) {
      var layer = it.layer;
      var nw = map.latLngToContainerPoint(it.f.bounds.getNorthWest());
      var se = map.latLngToContainerPoint(it.f.bounds.getSouthEast());
      var l = Math.max(nw.x, 0) + tw / 2 + MARGIN, r = Math.min(se.x, size.x) - tw / 2 - MARGIN;
      var t = Math.max(nw.y, 0) + th / 2 + MARGIN, b = Math.min(se.y, size.y) - th / 2 - MARGIN;
      if (l > r || t > b || !layer) return [];
      function clamp(x, y) { return L.point(Math.min(Math.max(x, l), r), Math.min(Math.max(y, t), b)); }
      return [clamp(c.x, c.y), clamp(size.x / 2, size.y / 2 - th * 1.5), clamp(size.x / 2, size.y / 2 + th * 1.5),
        clamp(size.x / 2, t), clamp(size.x / 2, b)].filter(function (q) { return inside(layer, q); });
    }

    function placeLabels() {
      labelEls.forEach(function (e) { e.remove(); });
      labelEls = [];
      var zoom = map.getZoom();
      var size = map.getSize();
      var PAD = 3;
      // the controls (zoom, layers, scale, attribution) are taken: no name goes under them
      var origin = map.getContainer().getBoundingClientRect();
      var placed = Array.prototype.map.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
        var r = c.getBoundingClientRect();
        return { l: r.left - origin.left, t: r.top - origin.top, r: r.right - origin.left, b: r.bottom - origin.top };
      });
      LEVELS.forEach(function (spec) {
        var s = state[spec.level];
        if (!s || !s.layer || zoom < spec.labels[0] || zoom >= spec.labels[1]) return;
        measure.font = spec.font + " " + FONT_FAMILY;
        var px = parseFloat(spec.font.replace(/^\d00 /, ""));
        var items = Object.keys(s.feats).map(function (code) {
          var f = s.feats[code];
          var nw = map.latLngToContainerPoint(f.bounds.getNorthWest());
          var se = map.latLngToContainerPoint(f.bounds.getSouthEast());
          return { code: code, f: f, layer: s.byCode[code], w: se.x - nw.x, h: se.y - nw.y };
        }).sort(function (p, q) { return q.w * q.h - p.w * p.h; });
        items.forEach(function (it) {
          var p = it.f.props;
          if (!p.label) return;
          var text = nameOf(p);
          var tw = Math.ceil(measure.measureText(text).width);
          var th = Math.ceil(px * 1.3);
          // where it fits: the name no wider than its outline (towns may overhang a little)
          if (tw > it.w * (spec.level === "town" ? 1.3 : 0.95) || th > it.h) return;
          var c = map.latLngToContainerPoint([p.label[1], p.label[0]]);
          // Zoomed in, the name's point may be off the map while the place fills it: the name
          // then goes where the place is seen, inside it (else the map is blank around a pin).
          var spots = whole(c, tw, th, size) ? [c] : inView(it, c, tw, th, size);
          var box = null;
          for (var k = 0; k < spots.length && !box; k++) {
            var q = spots[k];
            box = { l: q.x - tw / 2 - PAD, t: q.y - th / 2 - PAD, r: q.x + tw / 2 + PAD, b: q.y + th / 2 + PAD };
            for (var i = 0; i < placed.length; i++) {
              var o = placed[i];
              if (box.l < o.r && box.r > o.l && box.t < o.b && box.b > o.t) {
                box = null;
                break;
              }
            }
            c = q;
          }
          if (!box) return;
          placed.push(box);
          var el = document.createElement("div");
          el.className = "map-label " + spec.cls;
          el.setAttribute("data-level", spec.level);
          el.setAttribute("data-code", p.code);
          el.textContent = text;
          var at = map.containerPointToLayerPoint(c);
          L.DomUtil.setPosition(el, L.point(Math.round(at.x - tw / 2), Math.round(at.y - th / 2)));
          pane.appendChild(el);
          labelEls.push(el);
        });
      });
    }

    map.on("moveend zoomend overlayadd overlayremove", refresh);
    map.on("zoomstart", function () { labelEls.forEach(function (e) { e.remove(); }); labelEls = []; });
    map.whenReady(refresh);

    return {
      groups: function () {
        var out = {};
        Object.keys(state).forEach(function (k) { out[k] = state[k].group; });
        return out;
      },
      layerOf: function (level, code) {
        var s = state[level];
        return s && s.layer && s.group.hasLayer(s.layer) ? s.byCode[code] || null : null;
      },
      styleOf: function (level) { return state[level] ? state[level].style : null; },
      // the codes drawn now, per level (for the browser tests)
      drawnCodes: function (level) { return state[level] ? Object.keys(state[level].feats) : []; },
      levels: LEVELS,
    };
  }

  // The grids of ``items`` (by code) coloured by their grade on ``scale`` (a list of
  // {colour}), each with the tooltip ``tip(feature, item)``: one way to draw a graded map
  // of grids (the visit coverage and the service circle). Resolves to {layer, count}.
  function gradedGrids(map, geoApi, items, scale, tip) {
    return fetchJSON(geoApi + "/layers/grid").then(function (fc) {
      fc.features = fc.features.filter(function (f) { return items[f.properties.code]; });
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return { color: "#3d5566", weight: 1, fillColor: scale[items[f.properties.code].grade].colour,
                   fillOpacity: 0.6 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(textEl(nameOf(f.properties) + " · " + tip(f, items[f.properties.code])), { sticky: true });
        },
      }).addTo(map);
      return { layer: layer, count: fc.features.length };
    });
  }

  window.HuyingMaps = { config: CONFIG, create: create, outlines: outlines, nameOf: nameOf, fetchJSON: fetchJSON,
                        textEl: textEl, gradedGrids: gradedGrids };
})();
