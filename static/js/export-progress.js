/* Polls the export's status until it is ready or failed, and updates the page. */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box) { return; }
  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        box.querySelector(".export-status").firstChild.textContent = s.label + " — ";
        box.querySelector(".export-count").textContent = s.done + " / " + s.total;
        box.querySelector("progress").value = s.percent;
        if (s.status === "done") { box.querySelector(".export-ready").hidden = false; return; }
        if (s.status === "failed") { var e = box.querySelector(".export-error"); e.textContent = s.error; e.hidden = false; return; }
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.getAttribute("data-status") !== "done" && box.getAttribute("data-status") !== "failed") { setTimeout(poll, 1000); }
}());
