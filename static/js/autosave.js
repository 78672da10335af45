/* Saves the step's answers on the server as the applicant types.
 * When the session has ended or the network is down, the answers are kept in this
 * browser (localStorage) and sent again as soon as the page is opened with a session. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave-url");
  var step = form.getAttribute("data-step");
  var key = "portal-draft-" + form.getAttribute("data-application") + "-" + step;
  var status = form.querySelector(".autosave-status");
  var lang = document.documentElement.lang;
  var text = lang === "en" ? {
    saving: "Saving…", saved: "Saved at ", kept: "Not saved on the server: ", restored: "Restored what you typed before; saving it now."
  } : {
    saving: "저장 중…", saved: "자동 저장됨 ", kept: "서버에 저장하지 못했습니다: ", restored: "이전에 입력한 내용을 되살렸습니다. 지금 저장합니다."
  };
  var timer = null;

  function say(message) { if (status) { status.textContent = message; } }

  function fields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "go") { return; }
      if ((el.type === "checkbox" || el.type === "radio")) {
        if (!data[el.name]) { data[el.name] = []; }
        if (el.checked) { data[el.name].push(el.value); }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(data) {
    Object.keys(data).forEach(function (name) {
      var value = data[name];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) { return; }
        if (el.type === "checkbox" || el.type === "radio") { el.checked = value.indexOf(el.value) !== -1; }
        else { el.value = value; }
      });
    });
  }

  function save() {
    var data = fields();
    localStorage.setItem(key, JSON.stringify(data));
    var body = new FormData();
    body.append("step", step);
    Object.keys(data).forEach(function (name) {
      if (Array.isArray(data[name])) { data[name].forEach(function (v) { body.append(name, v); }); }
      else { body.append(name, data[name]); }
    });
    say(text.saving);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "error",
      headers: {"X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value, "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (json) { return {ok: response.ok, json: json}; });
    }).then(function (result) {
      if (result.ok) {
        localStorage.removeItem(key);
        say(text.saved + result.json.saved_at);
      } else {
        say(text.kept + (result.json.error || ""));
      }
    }).catch(function () {
      say(text.kept + (lang === "en" ? "the connection or the session was lost; your text is kept in this browser." : "연결 또는 로그인이 끊겼습니다. 입력한 내용은 이 브라우저에 보관됩니다."));
    });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  });
  form.addEventListener("change", function () { clearTimeout(timer); save(); });
  form.addEventListener("submit", function () { localStorage.removeItem(key); });

  var pending = localStorage.getItem(key);
  if (pending) {
    try { restore(JSON.parse(pending)); say(text.restored); save(); } catch (e) { localStorage.removeItem(key); }
  }
}());
