/* The dispatch ticket's print button (no inline handler: the pages run under script-src 'self'). */
(function () {
  "use strict";
  var button = document.getElementById("print-ticket");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
