/* A live countdown to the deadline. The server decides what is late; this only informs. */
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var nodes = document.querySelectorAll(".countdown[data-closes]");
  if (!nodes.length) { return; }
  function render() {
    var now = Date.now();
    Array.prototype.forEach.call(nodes, function (node) {
      var left = Math.floor((Date.parse(node.getAttribute("data-closes")) - now) / 1000);
      if (left <= 0) { node.textContent = lang === "en" ? "closed" : "마감되었습니다"; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
      node.textContent = lang === "en"
        ? (d ? d + " days " : "") + h + " h " + m + " min left"
        : "남은 시간 " + (d ? d + "일 " : "") + h + "시간 " + m + "분";
    });
  }
  render();
  setInterval(render, 30000);
}());
