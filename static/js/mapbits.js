/* What every map of the console and the public form draws for context, with or without tiles:
   the built-up outlines, depots (squares) and service stations (diamonds) with their names.
   DispatchMap.context(map, data) draws them and returns the bounds of the organisation's area. */
(function () {
  "use strict";
  function siteIcon(kind) {
    return L.divIcon({ className: "site-icon " + kind, iconSize: [12, 12] });
  }
  function context(map, data, options) {
    options = options || {};
    var bounds = L.latLngBounds([]);
    var outline = L.geoJSON(data.areas, {
      style: { color: "#1f6feb", weight: 2, fillOpacity: 0.06 }, interactive: false
    }).addTo(map);
    if (outline.getBounds().isValid()) bounds.extend(outline.getBounds());
    (data.areas.features || []).forEach(function (f) {
      var name = f.properties && (f.properties.name || f.properties.name_zh);
      if (!name) return;
      var b = L.geoJSON(f).getBounds();
      if (b.isValid()) L.tooltip({ permanent: true, direction: "center", className: "area-label" }).setLatLng(b.getCenter()).setContent(name).addTo(map);
    });
    var layer = options.layer || map;
    (data.sites || []).forEach(function (s) {
      L.marker([s.lat, s.lon], { icon: siteIcon(s.kind), keyboard: false, title: s.name })
        .bindTooltip(s.name, { permanent: true, direction: "right", offset: [6, 0], className: "site-label" })
        .addTo(layer);
      bounds.extend([s.lat, s.lon]);
    });
    return bounds;
  }
  function fit(map, bounds) {
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
  }
  window.DispatchMap = { context: context, fit: fit };
})();
