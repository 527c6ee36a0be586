// ruamjai's dashboard map: circles at the areas' centres, sized by their counts, drawn with
// Leaflet. The table on the page holds the same figures; without JavaScript, Leaflet or map
// tiles the page still works (the map section stays hidden, or the circles show on a plain
// background).
"use strict";

(function () {
  var section = document.getElementById("map-section");
  var el = document.getElementById("area-map");
  if (!section || !el || typeof window.L === "undefined") return;
  var points;
  try {
    points = JSON.parse(el.getAttribute("data-points") || "[]");
  } catch (e) {
    return;
  }
  if (!points.length) return;
  section.hidden = false;

  var map = window.L.map(el, { scrollWheelZoom: false, attributionControl: true });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) {
    // A tile server that cannot be reached only leaves the background plain.
    window.L.tileLayer(tiles, {
      maxZoom: 18,
      attribution: el.getAttribute("data-attribution") || ""
    }).addTo(map);
  }
  var group = window.L.featureGroup();
  points.forEach(function (p) {
    if (typeof p.lat !== "number" || typeof p.lon !== "number") return;
    var circle = window.L.circleMarker([p.lat, p.lon], {
      radius: p.r || 8,
      color: "#b4451f",
      weight: 2,
      fillColor: "#b4451f",
      fillOpacity: 0.35
    });
    // Text, never HTML: area names come from users.
    var tip = document.createElement("span");
    tip.textContent = p.label;
    circle.bindTooltip(tip);
    if (p.href) {
      circle.on("click", function () {
        window.location.assign(p.href);
      });
    }
    group.addLayer(circle);
  });
  group.addTo(map);
  var bounds = group.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12 });
  } else {
    map.setView([13.7, 100.5], 5);
  }
})();
