/* A live countdown to the deadline. The server decides what is late; this only informs:
   "남은 시간 2일 3시간 10분" (zero units left out), the deadline box marked urgent on the last
   day, and at zero the submit button disabled with the reason beside it. */
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var nodes = document.querySelectorAll(".countdown[data-closes]");
  if (!nodes.length) { return; }
  function words(left) {
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
    if (lang === "en") {
      if (left < 60) { return "less than a minute left"; }
      return [d ? d + (d === 1 ? " day" : " days") : "", h ? h + " h" : "", m ? m + " min" : ""].filter(Boolean).join(" ") + " left";
    }
    if (left < 60) { return "남은 시간 1분 미만"; }
    return "남은 시간 " + [d ? d + "일" : "", h ? h + "시간" : "", m ? m + "분" : ""].filter(Boolean).join(" ");
  }
  function render() {
    var now = Date.now();
    Array.prototype.forEach.call(nodes, function (node) {
      var left = Math.floor((Date.parse(node.getAttribute("data-closes")) - now) / 1000);
      var box = node.closest(".deadline-box, .deadline-inline");
      if (box) { box.classList.toggle("urgent", left < 86400); }
      if (left <= 0) {
        node.textContent = lang === "en" ? "closed" : "마감되었습니다";
        document.querySelectorAll("[data-submit-until]").forEach(function (button) {
          button.disabled = true;
          button.setAttribute("aria-describedby", "closed-reason");
          if (!document.getElementById("closed-reason")) {
            var reason = document.createElement("p");
            reason.id = "closed-reason";
            reason.className = "message message-error";
            reason.textContent = lang === "en" ? "The call has closed: the application can no longer be submitted."
                                               : "공고가 마감되어 더 이상 제출할 수 없습니다.";
            button.parentNode.insertBefore(reason, button);
          }
        });
        return;
      }
      node.textContent = words(left);
    });
  }
  render();
  setInterval(render, 15000);
}());
