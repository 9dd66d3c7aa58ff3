// Receiving returned parts: a barcode scanner types the part number and presses Enter; the
// cursor then moves on to the serial instead of sending the form half filled.
(function () {
  var part = document.getElementById("part");
  var serial = document.getElementById("serial");
  if (!part || !serial) return;
  part.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && part.value.trim() && !serial.value.trim()) {
      event.preventDefault();
      serial.focus();
    }
  });
})();
