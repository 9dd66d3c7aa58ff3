/* The work order's location: a draggable pin; dropping it fills the form that places the order. */
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  if (!el || !window.L) return;
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon), placed = !isNaN(lat);
  var map = L.map(el, { maxZoom: 19 });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); else el.classList.add("plain");
  var latInput = document.getElementById("pin-lat"), lonInput = document.getElementById("pin-lon");
  var marker = null;
  function put(latlng) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: !!latInput }).addTo(map);
      marker.on("dragend", function () { fill(marker.getLatLng()); });
    }
    marker.setLatLng(latlng);
  }
  function fill(latlng) {
    if (!latInput) return;
    latInput.value = latlng.lat.toFixed(6); lonInput.value = latlng.lng.toFixed(6);
  }
  fetch(el.dataset.areas, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var area = window.DispatchMap.context(map, data);
    if (!placed) window.DispatchMap.fit(map, area);
  });
  if (placed) { map.setView([lat, lon], 15); put([lat, lon]); } else { map.setView([32.52, 112.36], 9); }
  map.on("click", function (ev) { if (latInput) { put(ev.latlng); fill(ev.latlng); } });
})();
