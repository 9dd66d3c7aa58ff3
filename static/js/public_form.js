// The public report form: "use my location" fills the pin from the browser's position.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  if (!button) { return; }
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    status.textContent = button.dataset.finding;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
      status.textContent = button.dataset.found;
    }, function () {
      status.textContent = button.dataset.unavailable;
    }, {enableHighAccuracy: true, timeout: 10000});
  });
})();
