// The visitor's pages: forms marked data-geolocate send the phone's position (hidden lat/lon fields)
// when the browser gives it within a few seconds, and are sent without it otherwise (the check-in is
// then flagged as position unknown). A button with data-confirm (the emergency button, check-out) asks
// once before its form is sent.
(function () {
  "use strict";
  var WAIT_MS = 8000;
  function send(form) { form.dataset.sending = "1"; form.submit(); }
  function locate(form) {
    if (!navigator.geolocation) { send(form); return; }
    var done = false;
    var give_up = setTimeout(function () { if (!done) { done = true; send(form); } }, WAIT_MS + 1000);
    navigator.geolocation.getCurrentPosition(function (position) {
      if (done) { return; }
      done = true; clearTimeout(give_up);
      form.querySelector("input[name=lat]").value = position.coords.latitude;
      form.querySelector("input[name=lon]").value = position.coords.longitude;
      send(form);
    }, function () {
      if (done) { return; }
      done = true; clearTimeout(give_up); send(form);
    }, { enableHighAccuracy: true, timeout: WAIT_MS, maximumAge: 60000 });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || form.dataset.sending) { return; }
    var button = form.querySelector("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); return; }
    if (!form.hasAttribute("data-geolocate")) { return; }
    event.preventDefault();
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    locate(form);
  });
})();
