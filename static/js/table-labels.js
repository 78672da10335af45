/* Phones: below 640 px every .table becomes stacked cards (portal.css), each cell preceded by
   its column's name from data-label. Templates give data-label where they can; this fills in
   the rest from the column headers. Without JavaScript the cards simply have no labels. */
(function () {
  document.querySelectorAll("table.table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    if (!heads.length) return;
    table.classList.add("stackable");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      // A row of one cell spanning the table ("nothing here yet") is a message, not a record.
      if (row.children.length === 1 && row.children[0].colSpan > 1) { row.classList.add("table-message"); return; }
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
      });
    });
  });
})();
