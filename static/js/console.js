/* The dispatcher console: live countdowns, deadline states, the alert (visible and audible,
   mutable), and live updates from the server-sent event stream. No build step, no framework. */
(function () {
  "use strict";
  var TEXT = JSON.parse(document.getElementById("console-text").textContent);
  var MUTE_KEY = "dispatch.console.muted";
  var ALERTED_KEY = "dispatch.console.alerted";

  // -- alert ------------------------------------------------------------------------------
  function muted() { return localStorage.getItem(MUTE_KEY) === "1"; }
  function showMute() {
    var b = document.getElementById("mute-toggle");
    if (b) { b.textContent = muted() ? b.dataset.off : b.dataset.on; b.setAttribute("aria-pressed", muted()); }
  }
  var audio = null;
  function beep() {
    if (muted()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (start) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 880; gain.gain.value = 0.15;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + start); osc.stop(audio.currentTime + start + 0.2);
      });
    } catch (e) { /* no audio device: the banner is enough */ }
  }
  function alreadyAlerted(key) {
    var seen = JSON.parse(sessionStorage.getItem(ALERTED_KEY) || "[]");
    if (seen.indexOf(key) >= 0) return true;
    seen.push(key); sessionStorage.setItem(ALERTED_KEY, JSON.stringify(seen.slice(-200)));
    return false;
  }
  function raise(key, text) {
    if (alreadyAlerted(key)) return;
    var box = document.getElementById("alert");
    if (!box) return;
    document.getElementById("alert-text").textContent = text;
    box.hidden = false;
    beep();
  }
  window.consoleAlert = raise;
  document.addEventListener("click", function (ev) {
    if (ev.target.id === "mute-toggle") { localStorage.setItem(MUTE_KEY, muted() ? "0" : "1"); showMute(); }
    if (ev.target.id === "alert-dismiss") { document.getElementById("alert").hidden = true; }
  });
  showMute();

  // -- countdowns -------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    return (ms < 0 ? "+" : "") + text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
      var state = now > due ? "breached" : (warn !== null && now >= warn ? "at_risk" : "on_track");
      el.textContent = format(due - now);
      el.className = "countdown cd-" + state;
      var row = el.closest("tr");
      if (row && !row.classList.contains("st-" + state)) {
        row.className = row.className.replace(/\bst-\S+/g, "") + " st-" + state;
        var label = row.querySelector(".sla");
        if (label) { label.textContent = TEXT[state]; label.className = "sla sla-" + state; }
        if (state === "breached" && el.dataset.ref) raise("breach:" + el.dataset.ref, TEXT.breach + ": " + el.dataset.ref);
      }
    });
  }
  tick();
  setInterval(tick, 1000);

  // -- live updates -----------------------------------------------------------------------
  // Every console page listens: a page with something to refresh says so in #live-config,
  // the others (phone-in, the simulator, …) get the banner from the default in the layout.
  var config = document.getElementById("live-config") || document.getElementById("live-default");
  if (!config || !window.EventSource) return;
  var dot = document.getElementById("live-dot");
  var source = new EventSource(config.dataset.liveUrl + "?after=" + encodeURIComponent(config.dataset.lastEvent || "0"));
  source.onopen = function () { if (dot) dot.classList.add("on"); };
  source.onerror = function () { if (dot) dot.classList.remove("on"); };
  source.addEventListener("order", function (msg) {
    var ev = JSON.parse(msg.data);
    if (ev.alert) raise("event:" + ev.id, (ev.kind === "created" ? TEXT.emergency : ev.kind_label) + ": " + ev.reference + " · " + ev.type_label);
    document.dispatchEvent(new CustomEvent("console:event", { detail: ev }));
  });

  function swapFrom(url, selectors) {
    return fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        selectors.forEach(function (selector) {
          var fresh = doc.querySelector(selector), current = document.querySelector(selector);
          if (fresh && current) current.replaceWith(fresh);
        });
        tick();
      });
  }

  if (config.dataset.page === "queue") {
    document.addEventListener("console:event", function (e) {
      var ev = e.detail, row = document.getElementById("row-" + ev.reference);
      if (row) {
        fetch(config.dataset.rowUrl.replace("REF", encodeURIComponent(ev.reference)), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) return;
            if (!html.trim()) { row.remove(); return; }
            var tbody = document.createElement("tbody");
            tbody.innerHTML = html;
            var fresh = tbody.firstElementChild;
            fresh.classList.add("flash-row");
            row.replaceWith(fresh); tick();
          });
      } else {
        refreshQueue();
      }
    });
  }
  // A new order (or one that came back into the queue) takes its place in the sorted list: the
  // page is fetched again with its filters and swapped in, new lines highlighted.
  var queueTimer = null;
  function refreshQueue() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(function () {
      var before = {};
      document.querySelectorAll("#queue tr[data-ref]").forEach(function (tr) { before[tr.dataset.ref] = true; });
      swapFrom(window.location.href, ["#queue-wrap", "#queue-count"]).then(function () {
        document.querySelectorAll("#queue tr[data-ref]").forEach(function (tr) {
          if (!before[tr.dataset.ref]) tr.classList.add("flash-row");
        });
      });
    }, 300);
  }
  function debounced(fn) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, 400); };
  }
  if (config.dataset.swap) {
    // Pages that list what events change (technicians' loads, the texts sent and received).
    var selectors = config.dataset.swap.split(",");
    document.addEventListener("console:event", debounced(function () { swapFrom(window.location.href, selectors); }));
  }
  if (config.dataset.page === "order") {
    document.addEventListener("console:event", function (e) {
      if (e.detail.reference !== config.dataset.ref) return;
      // Refresh what changed, keep the map and any text being typed in the actions.
      swapFrom(window.location.pathname, ["#order-status", "#holder", "#offers", "#milestones", "#sms-thread", "#timeline", "#candidates"]);
    });
  }
})();
