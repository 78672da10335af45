// The header menu and the filter panels sit in <details class="fold-narrow">: folded below
// 640 px (a phone sees the results first), open on wider screens. Without this script a
// browser that supports ::details-content shows them open on wide screens anyway (portal.css).
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 641px)");
  function sync() {
    document.querySelectorAll("details.fold-narrow").forEach(function (details) {
      if (wide.matches) {
        details.open = true;
      } else if (!details.hasAttribute("data-keep-open")) {
        details.open = false;
      }
    });
  }
  sync();
  wide.addEventListener("change", sync);
})();
