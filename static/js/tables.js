/* Tables on narrow screens. A table wider than its column (the catalog on a phone) is shown
   as one card per row, each cell headed by its column's name, instead of pushing the page
   sideways. Only tables that do not fit are changed, and they change back when the window
   grows. ARIA roles keep the table's meaning for screen readers once CSS makes it blocks. */
(function () {
  "use strict";

  function headers(table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) return null;
    var names = [];
    Array.prototype.forEach.call(rows[rows.length - 1].cells, function (th) {
      var hidden = th.querySelector(".sr-only") && th.textContent.trim() === th.querySelector(".sr-only").textContent.trim();
      for (var i = 0; i < (th.colSpan || 1); i++) names.push(hidden ? "" : th.textContent.trim());
    });
    return names;
  }

  function label(table) {
    if (table.dataset.labelled) return;
    var names = headers(table);
    if (!names) return;
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.rows, function (tr) {
      tr.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        var inHead = cell.parentElement.parentElement.tagName === "THEAD";
        cell.setAttribute("role", inHead ? "columnheader" : (cell.tagName === "TH" ? "rowheader" : "cell"));
        if (!inHead && cell.colSpan === 1 && names[column]) cell.setAttribute("data-label", names[column]);
        column += cell.colSpan || 1;
      });
    });
    table.dataset.labelled = "1";
  }

  function fit() {
    document.querySelectorAll("main table").forEach(function (table) {
      table.classList.remove("stacked");
      var room = table.parentElement.getBoundingClientRect().width;
      if (table.getBoundingClientRect().width > room + 1 || table.scrollWidth > room + 1) {
        label(table);
        if (table.dataset.labelled) table.classList.add("stacked");
      }
    });
  }

  var queued = false;
  function refit() {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; fit(); });
  }

  document.addEventListener("DOMContentLoaded", fit);
  window.addEventListener("resize", refit);
  document.addEventListener("htmx:afterSettle", refit);
  // A table inside a closed <details> has no width until it opens (toggle does not bubble).
  document.addEventListener("toggle", refit, true);
})();
