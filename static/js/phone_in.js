/* The phone-in page: type-ahead of places and customers, a click on the map to pin, and the
   chosen type's deadlines shown before saving. Works without it (a plain form). */
(function () {
  "use strict";
  var box = document.getElementById("phone-in");
  if (!box) return;
  var form = document.getElementById("phone-form");
  var address = form.elements.address, account = form.elements.account;
  var lat = form.elements.lat, lon = form.elements.lon;
  var places = {}, customers = {}, marker = null, map = null, timer = null;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  function option(list, value, text) {
    var o = document.createElement("option");
    o.value = value; if (text) o.textContent = text;
    list.appendChild(o);
  }
  function pin(la, lo, zoom) {
    lat.value = Number(la).toFixed(6); lon.value = Number(lo).toFixed(6);
    lat.dispatchEvent(new Event("change"));
    if (!map) return;
    if (!marker) marker = L.marker([la, lo]).addTo(map); else marker.setLatLng([la, lo]);
    map.setView([la, lo], zoom || Math.max(map.getZoom(), 15));
  }
  function lookup(q, done) {
    if (!box.dataset.lookup || !q) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      getJSON(box.dataset.lookup + "?q=" + encodeURIComponent(q)).then(function (data) { if (data) done(data); });
    }, 120);
  }
  function fill(data) {
    var pl = document.getElementById("place-list"), cl = document.getElementById("customer-list");
    pl.textContent = ""; cl.textContent = ""; places = {}; customers = {};
    data.places.forEach(function (p) { places[p.name] = p; option(pl, p.name); });
    data.customers.forEach(function (c) {
      customers[c.account] = c; option(cl, c.account, c.holder + (c.address ? " · " + c.address : ""));
      if (c.address) { places[c.address] = c; option(pl, c.address, c.holder); }
    });
  }
  function chosenPlace() {
    var p = places[address.value];
    if (p && p.lat != null) pin(p.lat, p.lon);
  }
  function chosenCustomer() {
    var c = account && customers[account.value];
    if (!c) return;
    if (c.address && !address.value) address.value = c.address;
    if (c.lat != null) pin(c.lat, c.lon);
  }
  address.addEventListener("input", function () { chosenPlace(); lookup(address.value.trim(), function (d) { fill(d); chosenPlace(); }); });
  address.addEventListener("change", chosenPlace);
  if (account) {
    account.addEventListener("input", function () { chosenCustomer(); lookup(account.value.trim(), function (d) { fill(d); chosenCustomer(); }); });
    account.addEventListener("change", chosenCustomer);
  }

  var out = document.getElementById("type-deadlines");
  var asked = 0, again = null;
  // Until the answer for the details as they are now has come, the list shown is marked busy
  // (aria-busy, dimmed): an older answer is never taken for the current one.
  function busy(yes) { out.setAttribute("aria-busy", yes ? "true" : "false"); }
  function deadlines() {
    clearTimeout(again);
    var type = form.elements.type_code.value;
    var mine = ++asked;
    if (!box.dataset.deadlines || !type) { out.textContent = ""; busy(false); return; }
    // The place, the VIN and the coordinates too: the preview is computed as the save will be.
    var url = box.dataset.deadlines + "?type=" + encodeURIComponent(type);
    ["severity", "needs_supplier", "address", "account", "lat", "lon"].forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      // A checkbox's value is its fixed "on" value: what counts is whether it is ticked.
      var value = el.type === "checkbox" ? (el.checked ? "1" : "") : el.value.trim();
      if (value) url += "&" + name + "=" + encodeURIComponent(value);
    });
    busy(true);
    getJSON(url).catch(function () { return null; }).then(function (data) {
      if (mine !== asked) return;  // the details changed meanwhile: a newer answer is coming
      out.textContent = "";
      busy(false);
      if (!data) return;
      var ul = document.createElement("ul");
      data.milestones.forEach(function (m) {
        var li = document.createElement("li");
        li.className = "deadline"; li.dataset.milestone = m.name;
        li.textContent = m.label + ": " + (m.local || m.waits || "—");
        if (m.calendar_warning) {
          var warn = document.createElement("span");
          warn.className = "notice calendar-warning"; warn.textContent = " " + box.dataset.calendarWarning;
          li.appendChild(warn);
        }
        ul.appendChild(li);
      });
      out.appendChild(ul);
    });
  }
  function deadlinesSoon() { asked++; busy(true); clearTimeout(again); again = setTimeout(deadlines, 300); }
  ["type_code", "severity", "needs_supplier", "address", "account", "lat", "lon"].forEach(function (name) {
    var el = form.elements[name];
    if (el) { el.addEventListener("change", deadlinesSoon); el.addEventListener("input", deadlinesSoon); }
  });
  deadlines();

  var el = document.getElementById("phone-map");
  if (el && window.L) {
    map = L.map(el, { maxZoom: 19 }).setView([32.52, 112.36], 9);
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); else el.classList.add("plain");
    if (el.dataset.areas) {
      getJSON(el.dataset.areas).then(function (data) {
        if (!data) return;
        // The organisation's own area: the county's outlines and depots, or the coach maker's
        // network of service stations.
        var area = window.DispatchMap.context(map, data);
        if (!lat.value) window.DispatchMap.fit(map, area);
      });
    }
    map.on("click", function (ev) { pin(ev.latlng.lat, ev.latlng.lng, map.getZoom()); });
    if (lat.value && lon.value) pin(parseFloat(lat.value), parseFloat(lon.value));
  }
})();
