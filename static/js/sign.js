// The signing page: a signature_pad canvas sized to the phone's width; the drawing goes to the
// form as a PNG data URL. The server checks everything again (empty, size, type).
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") {
    return;
  }
  var pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 2.5, penColor: "#102040" });

  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }
  window.addEventListener("resize", resize);
  resize();

  var warning = document.getElementById("empty-signature");
  // The server's answer to an empty signature carries the same words as the page's own warning.
  var serverError = document.getElementById("sign-error");

  // Once there is a signature, a warning that there is none is no longer true.
  pad.addEventListener("endStroke", function () {
    warning.hidden = true;
    if (serverError && serverError.textContent.trim() === warning.textContent.trim()) {
      serverError.hidden = true;
    }
  });

  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
  });

  form.addEventListener("submit", function (event) {
    if (pad.isEmpty()) {
      event.preventDefault();
      warning.hidden = false;
      return;
    }
    warning.hidden = true;
    document.getElementById("signature-data").value = pad.toDataURL("image/png");
  });
})();
