/* The budget's totals and the call's limits recomputed as the applicant types: the lines are
   sent to the server (nothing is saved) and its answer replaces the totals. Without
   JavaScript the totals change when the step is saved. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-budget-preview]");
  var target = document.getElementById("budget-live");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-budget-preview");
  var timer = null, sent = 0;
  function refresh() {
    var mine = ++sent;
    var body = new FormData(form);
    body.delete("go");
    fetch(url, {method: "POST", body: body, credentials: "same-origin", redirect: "error",
                headers: {"X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && mine === sent) { target.innerHTML = html; } })
      .catch(function () { /* the totals stay as they were; saving still works */ });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 350); });
  form.addEventListener("change", function () { clearTimeout(timer); refresh(); });
}());
