/* The public report form's map: the organisation's area (outlines, depots and stations by name)
   to put a pin on, and "use my location". The pin fills the hidden latitude and longitude. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el || !window.L) return;
  var TEXT = JSON.parse(el.dataset.text);
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var status = document.getElementById("location-status");
  var clear = document.getElementById("clear-pin");
  // "device" when the phone's own fix placed the pin; any pin put or moved by hand is "pin".
  var source = document.getElementById("place-source");
  var map = L.map(el, { maxZoom: 19 }).setView([32.52, 112.36], 11);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); else el.classList.add("plain");
  var marker = null;

  function put(latlng, text, how) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true }).addTo(map);
      marker.on("dragend", function () { fill(marker.getLatLng()); });
    } else {
      marker.setLatLng(latlng);
    }
    fill(latlng, how);
    if (text) status.textContent = text;
  }
  function fill(latlng, how) {
    if (source) source.value = how || "pin";
    lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
    clear.hidden = false;
  }
  clear.addEventListener("click", function () {
    if (marker) { map.removeLayer(marker); marker = null; }
    lat.value = ""; lon.value = ""; clear.hidden = true; status.textContent = "";
  });

  fetch(el.dataset.area, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var bounds = window.DispatchMap.context(map, data);
    if (lat.value && lon.value) put(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
    else window.DispatchMap.fit(map, bounds);
  });
  if (lat.value && lon.value) { map.setView([parseFloat(lat.value), parseFloat(lon.value)], 15); }
  map.on("click", function (ev) { put(ev.latlng, TEXT.pinned); });

  var button = document.getElementById("use-location");
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    status.textContent = TEXT.finding;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
      put(here, TEXT.found, "device");
      map.setView(here, 16);
    }, function () {
      status.textContent = TEXT.unavailable;
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
