/* The dispatcher's map: orders by deadline state, technicians by duty status, sites, outlines.
   Only what is in view is fetched; many orders come back as server-side grid clusters. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var TEXT = JSON.parse(el.dataset.text);
  var home = el.dataset.home.split(",").map(Number);
  var map = L.map(el, { zoomControl: true, maxZoom: 19 });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  } else {
    el.classList.add("plain");
  }
  map.fitBounds([[home[1], home[0]], [home[3], home[2]]], { padding: [16, 16] });

  var orderUrl = el.dataset.orderUrl;
  var points = L.markerClusterGroup({ maxClusterRadius: 40, chunkedLoading: true });
  var grid = L.layerGroup(), techs = L.layerGroup(), sites = L.layerGroup();
  map.addLayer(points); map.addLayer(grid); map.addLayer(techs); map.addLayer(sites);

  // Every word and time in the popup comes from the server, in the reader's language and the
  // configured zone: the browser's own date format never shows.
  function popup(p) {
    var lines = ['<a href="' + orderUrl.replace("REF", encodeURIComponent(p.ref)) + '">' + esc(p.ref) + "</a> · " + esc(p.type_label)];
    if (p.place) lines.push(esc(TEXT.place) + ": " + esc(p.place));
    lines.push(esc(TEXT.status) + ": " + esc(p.status_label));
    if (p.due_local) lines.push(esc(TEXT.due) + ": " + esc(p.due_local));
    if (p.holder_label) lines.push(esc(TEXT.holder) + ": " + esc(p.holder_label));
    return '<div class="map-popup">' + lines.join("<br>") + "</div>";
  }
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }

  fetch(el.dataset.sitesUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    window.DispatchMap.context(map, data, { layer: sites });
  });

  var pending = null;
  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(el.dataset.dataUrl + "?bbox=" + bbox, { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.json(); })
      .then(draw)
      .catch(function () {});
  }
  function draw(data) {
    points.clearLayers(); grid.clearLayers(); techs.clearLayers();
    var orders = data.orders;
    document.getElementById("map-count").textContent = orders.total + " " + (orders.total === 1 ? TEXT.order : TEXT.orders);
    if (orders.points) {
      points.addLayers(orders.points.map(function (p) {
        var m = L.circleMarker([p.lat, p.lon], { radius: 7, className: "order-marker st-" + p.state, weight: 2 });
        m.options.ref = p.ref;
        m.bindPopup(popup(p));
        return m;
      }));
    } else {
      orders.clusters.forEach(function (c) {
        var size = 26 + Math.min(24, Math.round(Math.log(c.count) * 4));
        L.marker([c.lat, c.lon], {
          icon: L.divIcon({ className: "grid-cluster st-" + c.state, html: "<span>" + c.count + "</span>", iconSize: [size, size] })
        }).on("click", function () { map.setView([c.lat, c.lon], map.getZoom() + 2); }).addTo(grid);
      });
    }
    data.technicians.forEach(function (t) {
      // His plan: a line from where he is through his planned jobs in order; a promise the
      // plan cannot keep is an orange stop.
      if (t.route && t.route.length > 1) {
        L.polyline(t.route, { className: "tech-route", interactive: false }).addTo(techs);
      }
      (t.stops || []).forEach(function (s) {
        var words = [(s.position + 1) + ". " + esc(s.ref) + " · " + esc(t.name)];
        if (s.eta_local) words.push(esc(TEXT.eta) + " " + esc(s.eta_local));
        if (s.due_local) words.push(esc(TEXT.due) + " " + esc(s.due_local));
        if (s.at_risk) words.push(esc(TEXT.at_risk));
        if (s.pin) words.push(esc(s.pin === "first" ? TEXT.pinned_first : TEXT.pinned));
        L.circleMarker([s.lat, s.lon], { radius: 4, weight: 2, className: "route-stop" + (s.at_risk ? " at-risk" : "") })
          .bindTooltip(words.join(" · ")).addTo(techs);
      });
      L.marker([t.lat, t.lon], { icon: L.divIcon({ className: "tech-icon " + t.duty, iconSize: [14, 14] }), title: t.name })
        .bindTooltip(esc(t.name)).addTo(techs);
    });
  }
  map.on("moveend", load);
  load();
  document.addEventListener("console:event", function () {
    clearTimeout(window.__mapReload);
    window.__mapReload = setTimeout(load, 500);
  });
  window.dispatchMap = map;
})();
