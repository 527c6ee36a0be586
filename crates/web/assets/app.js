// ruamjai's own script: small and plain. Pages work without it; it only adds comfort.
"use strict";

// Tell the htmx search indicator to announce itself to screen readers only while busy.
document.addEventListener("htmx:beforeRequest", function (e) {
  var busy = document.getElementById("search-busy");
  if (busy && e.target && e.target.id === "q") busy.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:afterRequest", function () {
  var busy = document.getElementById("search-busy");
  if (busy) busy.removeAttribute("aria-busy");
});
