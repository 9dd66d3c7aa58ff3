/* What every map of the console and the public form draws for context, with or without tiles:
   the built-up outlines, depots (squares) and service stations (diamonds) with their names.
   DispatchMap.context(map, data) draws them and returns the bounds of the organisation's area. */
(function () {
  "use strict";
  function siteIcon(kind) {
    // The shape is drawn on an inner element: Leaflet positions the icon itself with a transform.
    return L.divIcon({ className: "site-icon " + kind, html: "<i></i>", iconSize: [12, 12] });
  }
  // Labels that fit a network of many sites: "Zhongyuan Coach Xi'an Authorised Service Station
  // (Xi'an Qinyun …)" shows as "Xi'an" when every station shares the rest; the full name stays
  // the marker's title.
  function shortNames(names) {
    var base = names.map(function (n) { return n.split(/\s*[（(]/)[0]; });
    if (base.length < 3) return base;
    var prefix = base[0], suffix = base[0];
    base.forEach(function (n) {
      while (n.indexOf(prefix) !== 0) prefix = prefix.slice(0, -1);
      while (n.slice(n.length - suffix.length) !== suffix) suffix = suffix.slice(1);
    });
    var cut = base.map(function (n) { return n.slice(prefix.length, n.length - suffix.length).trim(); });
    return cut.every(function (n) { return n.length > 0; }) ? cut : base;
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
    var sites = data.sites || [];
    var labels = shortNames(sites.map(function (s) { return s.name; }));
    sites.forEach(function (s, i) {
      L.marker([s.lat, s.lon], { icon: siteIcon(s.kind), keyboard: false, title: s.name })
        .bindTooltip(labels[i], { permanent: true, direction: "right", offset: [6, 0], className: "site-label" })
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
