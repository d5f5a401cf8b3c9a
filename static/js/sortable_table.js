// Sorts a table[data-sortable] in the browser when a column heading is clicked (or activated with the keyboard: the
// headings are links to the same table sorted by the server, so the page also works without this script).
// It sorts the way the server does: by the cells' data-value (numbers as numbers), equal values in rank order
// (data-position), cells without a value last. It sets aria-sort, says the new order to screen readers, and keeps
// the address and the print and Excel links (a[data-keep-sort]) on the same order.
(function () {
  "use strict";
  var table = document.querySelector("table[data-sortable]");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var status = document.getElementById("sort-status");
  var headings = Array.prototype.slice.call(table.querySelectorAll("thead th[data-sort-key]"));

  function valueOf(row, key, type) {
    var cell = row.querySelector('[data-key="' + key + '"]');
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (raw === null || raw === "") { return null; }
    if (type === "text") { return raw; }
    var number = Number(raw);
    return isNaN(number) ? null : number;
  }

  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function position(row) {
    return Number(row.getAttribute("data-position"));
  }

  function withParams(href, key, direction) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("sort", key);
    url.searchParams.set("dir", direction);
    return url.pathname + url.search;
  }

  function sortBy(th, direction) {
    var key = th.getAttribute("data-sort-key");
    var type = th.getAttribute("data-sort-type");
    var rows = Array.prototype.slice.call(tbody.rows).filter(function (row) { return row.hasAttribute("data-position"); });
    var present = [], missing = [];
    rows.forEach(function (row) {
      var value = valueOf(row, key, type);
      (value === null ? missing : present).push({ row: row, value: value });
    });
    present.sort(function (a, b) {
      var order = compare(a.value, b.value);
      if (direction === "desc") { order = -order; }
      return order || position(a.row) - position(b.row);
    });
    missing.sort(function (a, b) { return position(a.row) - position(b.row); });
    present.concat(missing).forEach(function (item) { tbody.appendChild(item.row); });

    headings.forEach(function (other) {
      var link = other.querySelector("a.sort-link");
      if (other === th) {
        other.setAttribute("aria-sort", direction === "asc" ? "ascending" : "descending");
      } else {
        other.removeAttribute("aria-sort");
      }
      var next = other === th && direction === "asc" ? "desc" : "asc";
      if (link) {
        link.setAttribute("data-next", next);
        link.setAttribute("href", withParams(link.getAttribute("href"), other.getAttribute("data-sort-key"), next));
      }
    });
    document.querySelectorAll("a[data-keep-sort]").forEach(function (link) {
      link.setAttribute("href", withParams(link.getAttribute("href"), key, direction));
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", withParams(window.location.href, key, direction));
    }
    if (status) {
      var label = th.querySelector("a.sort-link").firstChild.textContent.trim();
      status.textContent = "已按“" + label + "”" + (direction === "asc" ? "升序" : "降序") + "排列。";
    }
  }

  headings.forEach(function (th) {
    var link = th.querySelector("a.sort-link");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      sortBy(th, link.getAttribute("data-next") === "desc" ? "desc" : "asc");
    });
  });
})();
