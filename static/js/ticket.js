// The printable dispatch ticket: its Print button.
(function () {
  "use strict";
  var button = document.getElementById("print-ticket");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
