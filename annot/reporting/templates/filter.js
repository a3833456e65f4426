document.querySelectorAll("form.filter").forEach(function (form) {
  var table = document.getElementById(form.dataset.table);
  var select = form.querySelector("select");
  var search = form.querySelector("input");
  var status = form.querySelector("output");
  function apply() {
    var cat = select.value, q = search.value.trim().toLowerCase(), shown = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var ok = (!cat || row.dataset.category === cat) && (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = shown + " shown";
  }
  select.addEventListener("change", apply);
  search.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
});
