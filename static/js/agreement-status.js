/* Reloads the agreement page when the PDF finishes rendering or the agreement is executed. */
(function () {
  "use strict";
  var box = document.getElementById("render-status");
  if (!box) { return; }
  var render = box.getAttribute("data-render"), state = box.getAttribute("data-state");
  if (render === "done" && state !== "countersigned") { return; }
  if (render === "failed") { return; }
  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.render_status !== render || s.state !== state) { window.location.reload(); return; }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
}());
