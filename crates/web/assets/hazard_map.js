// ruamjai's hazard map: villages sized by their vulnerable people, hazard zones and points,
// monitoring stations and (for those allowed to see them) the vulnerable persons, fetched as
// JSON from the element's data-layers and drawn with Leaflet; persons are clustered with
// Leaflet.markercluster when it is loaded. Those who may draw (data-draw="1") get Geoman's
// toolbar: a drawn or reshaped zone's GeoJSON geometry goes into a hidden field of an ordinary
// form, which the server checks and saves. Names come from users: they are always set as text,
// never as HTML.
"use strict";

(function () {
  var el = document.getElementById("hazard-map");
  var L = window.L;
  if (!el || !L) return;
  var status = document.getElementById("map-status");
  var labels = {};
  try {
    labels = JSON.parse(el.getAttribute("data-labels") || "{}");
  } catch (e) { /* the keys stand in for missing labels */ }
  var canDraw = el.getAttribute("data-draw") === "1" && !!L.PM;

  // Zones and points by hazard kind, zones' fill by severity, stations by alert level, persons
  // by evacuation priority (the most urgent darkest).
  var KIND = { flood: "#2b7bba", flash_flood: "#0b3d91", landslide: "#8b5a2b", drought: "#e8890c",
    wildfire: "#d62828", haze: "#7d7d7d", storm: "#6a3d9a" };
  var FILL = { low: 0.15, moderate: 0.25, high: 0.4 };
  var LEVEL = { watch: "#e9c400", warning: "#f08c00", danger: "#d00000" };
  var PRIORITY = { bedridden_alone: "#67000d", bedridden: "#a50f15", homebound: "#d7301f",
    disabled: "#ef6548", elderly: "#fc8d59", young_child: "#fdbb84" };
  var NAN_PROVINCE = [18.78, 100.78];
  // Geoman has no Thai: the strings of the tools we offer.
  var GEOMAN_TH = {
    tooltips: { firstVertex: "คลิกเพื่อวางจุดแรก", continueLine: "คลิกเพื่อวาดต่อ",
      finishPoly: "คลิกจุดแรกเพื่อปิดรูป", finishRect: "คลิกเพื่อจบ" },
    actions: { finish: "เสร็จ", cancel: "ยกเลิก", removeLastVertex: "ลบจุดล่าสุด" },
    buttonTitles: { drawPolyButton: "วาดพื้นที่ (หลายเหลี่ยม)", drawRectButton: "วาดพื้นที่ (สี่เหลี่ยม)",
      editButton: "แก้รูปร่างพื้นที่" }
  };

  function label(key) { return labels[key] || key; }
  function say(text) { if (status) status.textContent = text; }
  function byId(id) { return document.getElementById(id); }
  function num(v) { return typeof v === "number" && isFinite(v); }
  // A tooltip or popup's content as a DOM node: Leaflet would parse a string as HTML.
  function text(s) {
    var span = document.createElement("span");
    span.textContent = s;
    return span;
  }
  function link(href, s) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = s;
    return a;
  }
  function go(href) {
    return function () { if (href) window.location.assign(href); };
  }
  function geometry(layer) { return JSON.stringify(layer.toGeoJSON().geometry); }
  function dot(lat, lon, style, tip, href) {
    // pmIgnore: Geoman's edit mode must not move these.
    var m = L.circleMarker([lat, lon], L.extend({ pmIgnore: true, weight: 2, fillOpacity: 0.8 }, style));
    m.bindTooltip(text(tip));
    if (href) m.on("click", go(href));
    return m;
  }

  // Opt in: only layers created with pmIgnore:false (editable zones, what the user draws) can
  // be edited; the rest, cluster icons and spiderfy legs included, are left alone.
  if (L.PM) L.PM.setOptIn(true);
  // maxZoom: markercluster needs one, and without tiles the map has none.
  var map = L.map(el, { scrollWheelZoom: false, maxZoom: 19, pmIgnore: false });
  map.setView(NAN_PROVINCE, 9);
  window.ruamjaiHazardMap = map;
  var tiles = el.getAttribute("data-tiles");
  if (tiles) {
    // A tile server that cannot be reached only leaves the background plain.
    L.tileLayer(tiles, { attribution: el.getAttribute("data-attribution") || "" }).addTo(map);
  }

  function drawLayers(data) {
    var areas = L.featureGroup();
    (data.areas || []).forEach(function (a) {
      if (!num(a.lat) || !num(a.lon)) return;
      var n = a.vulnerable || 0;
      dot(a.lat, a.lon, { radius: Math.min(30, Math.max(5, 2.5 * Math.sqrt(n))), color: "#b4451f",
        fillColor: "#b4451f", fillOpacity: 0.3 }, a.name + ": " + n, a.href).addTo(areas);
    });

    var zones = L.featureGroup();
    ((data.zones && data.zones.features) || []).forEach(function (f) {
      var p = f.properties || {};
      var colour = KIND[p.kind] || "#555555";
      var layer;
      try {
        layer = L.GeoJSON.geometryToLayer(f, { color: colour, weight: 2, fillColor: colour,
          fillOpacity: FILL[p.severity] || 0.25, pmIgnore: !(canDraw && p.editable) });
      } catch (e) {
        return; // a geometry Leaflet cannot draw
      }
      layer.feature = f;
      layer.bindTooltip(text(p.name + " (" + p.kind_label + ", " + p.severity_label + ")"), { sticky: true });
      if (p.href) layer.bindPopup(link(p.href, p.name));
      // Each time the layer is shown Leaflet makes a new <path>.
      layer.on("add", function () {
        var path = layer.getElement && layer.getElement();
        if (path) path.setAttribute("data-zone-id", String(p.id));
      });
      if (canDraw && p.editable) layer.on("pm:edit pm:update", function () { reshaped(layer, p); });
      zones.addLayer(layer);
    });

    var points = L.featureGroup();
    ((data.points && data.points.features) || []).forEach(function (f) {
      var p = f.properties || {};
      var c = (f.geometry && f.geometry.coordinates) || [];
      if (!num(c[0]) || !num(c[1])) return;
      dot(c[1], c[0], { radius: 5, color: "#222222", fillColor: KIND[p.kind] || "#555555", fillOpacity: 0.9 },
        p.name + " (" + p.kind_label + ", " + p.severity_label + ")", p.href).addTo(points);
    });

    var stations = L.featureGroup();
    (data.stations || []).forEach(function (s) {
      if (!num(s.lat) || !num(s.lon)) return;
      var c = LEVEL[s.level] || "#8a8a8a";
      dot(s.lat, s.lon, { radius: 7, color: "#1d3557", fillColor: c, fillOpacity: 0.95 },
        s.label ? s.name + ": " + s.label : s.name, s.href).addTo(stations);
    });

    var persons = null;
    if (data.persons) {
      persons = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.featureGroup();
      data.persons.forEach(function (p) {
        if (!num(p.lat) || !num(p.lon)) return;
        var c = PRIORITY[p.priority] || "#fdbb84";
        persons.addLayer(dot(p.lat, p.lon, { radius: 6, color: "#3b0008", weight: 1, fillColor: c, fillOpacity: 0.9 },
          p.label, p.href));
      });
    }

    var overlays = {};
    var groups = [["areas", areas], ["zones", zones], ["points", points], ["stations", stations], ["persons", persons]];
    var bounds = L.latLngBounds([]);
    groups.forEach(function (g) {
      if (!g[1]) return;
      g[1].addTo(map);
      overlays[label(g[0])] = g[1];
      var b = g[1].getBounds();
      if (b.isValid()) bounds.extend(b);
    });
    var control = L.control.layers(null, overlays).addTo(map);
    var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle && labels.layers) { // Leaflet's own title is English
      toggle.title = labels.layers;
      toggle.setAttribute("aria-label", labels.layers);
    }
    // No animation: the view is final when data-ready is set.
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15, animate: false });
  }

  // An editable zone reshaped: its new geometry goes into the edit form, aimed at that zone.
  function reshaped(layer, p) {
    var form = byId("zone-edit-form");
    var field = byId("zone-edit-geometry");
    if (!form || !field) return;
    field.value = geometry(layer);
    form.setAttribute("action", p.edit_action);
    var name = byId("zone-edit-name");
    if (name) name.textContent = p.name;
    form.hidden = false;
    say(label("edited"));
  }

  function enableDrawing() {
    var form = byId("zone-form");
    var field = byId("zone-geometry");
    if (!form || !field) return;
    // What the user draws stays editable (pmIgnore:false) until the form is sent.
    map.pm.setGlobalOptions({ allowSelfIntersection: false,
      pathOptions: { color: "#d62828", weight: 3, fillOpacity: 0.2, dashArray: "6 4", pmIgnore: false } });
    if ((document.documentElement.lang || "").slice(0, 2) === "th") map.pm.setLang("th", GEOMAN_TH, "en");
    map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false,
      drawPolyline: false, drawCircle: false, drawText: false, drawRectangle: true, drawPolygon: true,
      editMode: true, dragMode: false, cutPolygon: false, removalMode: false, rotateMode: false });
    // Geoman titles the buttons' containers: give the buttons themselves a name.
    Array.prototype.forEach.call(el.querySelectorAll(".leaflet-pm-toolbar .button-container"), function (c) {
      var button = c.querySelector(".leaflet-buttons-control-button");
      if (button && c.title) button.setAttribute("aria-label", c.title);
    });
    var pending = null; // one new zone at a time: drawing again replaces it
    map.on("pm:create", function (e) {
      if (pending) map.removeLayer(pending);
      var layer = pending = e.layer;
      field.value = geometry(layer);
      layer.on("pm:edit pm:update", function () { field.value = geometry(layer); });
      form.hidden = false;
      say(label("drawn"));
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  }

  say(label("loading"));
  el.setAttribute("aria-busy", "true");
  fetch(el.getAttribute("data-layers"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("hazard map layers: HTTP " + r.status);
      return r.json();
    })
    .then(function (data) {
      drawLayers(data || {});
      if (canDraw) enableDrawing();
      // Too many homes for one map: say so rather than show some of them.
      say(data && data.persons_hidden ? label("persons_hidden") : "");
      el.dataset.ready = "1";
    })
    .catch(function (e) {
      say(label("failed"));
      if (window.console) window.console.error(e);
    })
    .then(function () { el.removeAttribute("aria-busy"); });
})();
