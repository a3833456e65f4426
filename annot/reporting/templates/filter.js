// Search within a section's error tables, and sort tables by a column. Nothing is loaded; the page works without it.
document.querySelectorAll("form.filter").forEach(function (form) {
  var scope = document.getElementById(form.dataset.scope) || document;
  var search = form.querySelector("input");
  var status = form.querySelector("output");
  function apply() {
    var q = search.value.trim().toLowerCase(), shown = 0;
    scope.querySelectorAll("table.errors tbody tr").forEach(function (row) {
      var ok = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (q) { scope.querySelectorAll("details.errors").forEach(function (d) { d.open = true; }); }
    status.textContent = shown + " shown";
  }
  search.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
});
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.tabIndex = 0;
    th.setAttribute("aria-sort", "none");
    th.title = "Sort by this column";
    function sort() {
      var up = th.getAttribute("aria-sort") !== "ascending";
      var text = th.dataset.type === "text";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var vx = text ? x.textContent : parseFloat(x.dataset.value !== undefined ? x.dataset.value : x.textContent);
        var vy = text ? y.textContent : parseFloat(y.dataset.value !== undefined ? y.dataset.value : y.textContent);
        var d = text ? vx.localeCompare(vy) : (isNaN(vx) ? -Infinity : vx) - (isNaN(vy) ? -Infinity : vy);
        return up ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      table.querySelectorAll("thead th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
});
