/* Upload progress: the file is sent with XMLHttpRequest so that its progress can be shown;
   the page the server answers with (the step again, with its message) then replaces this
   one. Without JavaScript the form posts as usual. */
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData) { return; }
  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var bar = form.querySelector(".upload-progress");
    if (!bar) { return; }
    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.pathname);
      bar.hidden = false;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); bar.textContent = bar.value + "%"; }
      });
      xhr.addEventListener("load", function () {
        document.open();
        document.write(xhr.responseText);
        document.close();
        if (xhr.responseURL) { window.history.replaceState(null, "", xhr.responseURL); }
        // A written document does not take its autofocus again: move the focus to the message
        // (or error summary) as a reload would.
        var target = document.querySelector("[autofocus]");
        if (target) { target.focus(); }
      });
      xhr.addEventListener("error", function () { form.submit(); });  // fall back to a plain post
      xhr.send(new FormData(form));
    });
  });
}());
