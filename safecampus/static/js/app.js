/* safecampus: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* Tree tables: ▸ loads the children once (HTMX), then toggles them. */
  function rowsUnder(table, path) {
    return table.querySelectorAll('tr[data-path^="' + path + '."], tr[data-parent="' + path + '"]');
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.expand");
    if (!button || !button.dataset.loaded) return;
    var row = button.closest("tr");
    var table = row.closest("table");
    var path = row.dataset.path;
    var open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      rowsUnder(table, path).forEach(function (r) {
        r.hidden = true;
        var b = r.querySelector("button.expand");
        if (b) b.setAttribute("aria-expanded", "false");
      });
      button.setAttribute("aria-expanded", "false");
    } else {
      table.querySelectorAll('tr[data-parent="' + path + '"]').forEach(function (r) {
        r.hidden = false;
      });
      button.setAttribute("aria-expanded", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.matches && elt.matches("button.expand") && event.detail.successful) {
      elt.dataset.loaded = "1";
      elt.setAttribute("aria-expanded", "true");
    }
  });

  /* Menu groups: one open at a time; a click elsewhere or Escape closes it. */
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (!group.matches || !group.matches("details.navgroup") || !group.open) return;
    document.querySelectorAll("details.navgroup[open]").forEach(function (other) {
      if (other !== group) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest("details.navgroup")) return;
    document.querySelectorAll("details.navgroup[open]").forEach(function (g) { g.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.navgroup[open]").forEach(function (g) {
      g.open = false;
      g.querySelector("summary").focus();
    });
  });

  /* Formsets: "add a row" clones the empty form and counts it in TOTAL_FORMS. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-add]");
    if (!button) return;
    var prefix = button.dataset.formsetAdd;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var body = document.querySelector('table[data-formset="' + prefix + '"] tbody');
    if (!total || !template || !body) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = body.lastElementChild && body.lastElementChild.querySelector("select, input");
    if (first) first.focus();
  });

  /* Drafts: what was typed in a new record's form survives a dropped connection or a reload.
     The draft is dropped once the server confirms a save (a success message). */
  var DRAFT = "safecampus:draft:";
  var PENDING = "safecampus:draft-pending";
  try {
    var pending = sessionStorage.getItem(PENDING);
    if (pending && document.querySelector(".msg-success")) localStorage.removeItem(pending);
    sessionStorage.removeItem(PENDING);
  } catch (e) { /* storage disabled: no drafts */ }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "password" &&
        el.type !== "hidden" && el.type !== "file" && el.type !== "submit" && el.type !== "button";
    });
  }

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = DRAFT + form.dataset.draft;
    var hasErrors = form.querySelector(".error, .errors");
    try {
      var saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved && !hasErrors) {
        draftFields(form).forEach(function (el) {
          if (!(el.name in saved)) return;
          if (el.type === "checkbox") el.checked = saved[el.name] === true;
          else if (el.type === "radio") el.checked = saved[el.name] === el.value;
          else el.value = saved[el.name];
        });
        var note = document.createElement("p");
        note.className = "notice draft-note";
        note.textContent = form.dataset.draftNote || "Restored what you typed last time.";
        form.insertBefore(note, form.firstChild);
      }
    } catch (e) { /* ignore a broken draft */ }
    form.addEventListener("input", function () {
      var data = {};
      draftFields(form).forEach(function (el) {
        if (el.type === "checkbox") data[el.name] = el.checked;
        else if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
        else data[el.name] = el.value;
      });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full */ }
    });
    form.addEventListener("submit", function () {
      try { sessionStorage.setItem(PENDING, key); } catch (e) { /* ignore */ }
    });
  });

  /* Close the phone menu after choosing an item (the checkbox stays the no-JS fallback). */
  document.addEventListener("click", function (event) {
    if (event.target.closest(".mainnav a")) {
      var toggle = document.getElementById("nav-toggle");
      if (toggle) toggle.checked = false;
    }
  });
})();

/* Inspections: choosing 异常 (abnormal) opens the item's note and photo and puts the cursor in
   the note; the CSS shows the block, so this only helps the typing. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".check-item input[type=radio]")) return;
    var item = input.closest(".check-item");
    var extra = item && item.querySelector(".abnormal-extra");
    if (!extra) return;
    if (input.value === "abnormal" && input.checked) {
      extra.style.display = "grid";
      var note = extra.querySelector("input[type=text], textarea");
      if (note && !note.value) note.focus({ preventScroll: true });
    } else if (!item.classList.contains("has-error")) {
      extra.style.display = "";
    }
  });
})();

/* Region tables above a county (orgs/region_rows.py): once every row has arrived, the foot
   sums the columns whose cells carry a count (data-n); a share is no sum, and stays blank. */
(function () {
  "use strict";
  function total(table) {
    var foot = table.querySelector("tr[data-total]");
    if (!foot) return;
    var rows = table.querySelectorAll("tbody tr[data-node]");
    if (!rows.length || table.querySelector("tbody [aria-busy=true]")) return;
    var sums = [];
    var counted = [];
    rows.forEach(function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        if (cell.dataset.n === undefined) {
          counted[i] = false;
          return;
        }
        if (counted[i] === undefined) counted[i] = true;
        sums[i] = (sums[i] || 0) + Number(cell.dataset.n);
      });
    });
    Array.prototype.forEach.call(foot.cells, function (cell, i) {
      if (i === 0) return;
      cell.textContent = counted[i] ? sums[i].toLocaleString() : "";
    });
    foot.hidden = false;
  }
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("table.region-table").forEach(total);
  });
})();
