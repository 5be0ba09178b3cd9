// Keyboard shortcuts of the workspace (no shortcut fires while typing in a field).
(function () {
  "use strict";
  var keys = {
    n: function () { var f = document.getElementById("next-case"); if (f) { f.requestSubmit(); } },
    c: function () { focus("call-form"); },
    p: function () { focus("plan-form"); },
    s: function () { focus("sms-form"); },
    b: function () { focus("callback-form"); },
    "?": function () { var h = document.getElementById("shortcuts"); if (h) { h.hidden = !h.hidden; } }
  };
  function focus(id) {
    var form = document.getElementById(id);
    if (!form) { return; }
    var details = form.closest("details");
    if (details) { details.open = true; }
    var first = form.querySelector("select, input:not([type=hidden]), textarea");
    if (first) { first.focus(); }
    form.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) { return; }
    var action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });
})();

// A table wider than the page (a phone) scrolls sideways in its box (.table-wrap): such a box takes the
// keyboard's focus, so that it can be scrolled without a mouse (axe-core: scrollable-region-focusable).
(function () {
  "use strict";
  function focusable() {
    document.querySelectorAll(".table-wrap:not([tabindex])").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) { box.tabIndex = 0; }
    });
  }
  document.addEventListener("DOMContentLoaded", focusable);
  window.addEventListener("resize", focusable);
  document.addEventListener("htmx:afterSettle", focusable);
})();
