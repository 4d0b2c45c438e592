// compartment's site: filtering and sorting of the dossier table, an enhancement only.
// Without this script every page is complete: the table lists every dossier in the
// ledger's order and the filter form stays hidden. No other origin, no inline code (the
// pages' Content-Security-Policy allows this file and nothing else).
"use strict";

(function () {
  const table = document.getElementById("dossiers");
  const form = document.getElementById("filters");
  if (!table || !form) {
    return;
  }
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const shown = document.getElementById("shown");
  const total = rows.length;
  const fields = {
    q: form.elements.namedItem("q"),
    status: form.elements.namedItem("status"),
    domain: form.elements.namedItem("domain"),
    bloc: form.elements.namedItem("bloc"),
  };

  function apply() {
    const words = fields.q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const status = fields.status.value;
    const domain = fields.domain.value;
    const bloc = fields.bloc.value;
    let count = 0;
    for (const row of rows) {
      const d = row.dataset;
      const keep =
        (!status || d.status === status) &&
        (!domain || d.domain === domain) &&
        // "never": no first break. A dossier broken off and recovered is not broken off
        // today ("none") but was broken off once.
        (!bloc || (bloc === "never" ? d.firstBloc === "none" : d.bloc === bloc)) &&
        words.every((w) => d.search.includes(w));
      row.hidden = !keep;
      count += keep ? 1 : 0;
    }
    shown.textContent =
      count === total ? `${total} dossiers.` : `${count} of ${total} dossiers match.`;
  }

  // The filters live in the page's address (#status=suspended&q=iss), so a filtered view
  // can be shared and the back button restores it. A fragment, not a query: a static host
  // and file:// ignore neither.
  function load() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [name, field] of Object.entries(fields)) {
      const value = params.get(name) || "";
      if (field.tagName === "SELECT" && !Array.from(field.options).some((o) => o.value === value)) {
        field.value = "";
      } else {
        field.value = value;
      }
    }
    apply();
  }

  function save() {
    const params = new URLSearchParams();
    for (const [name, field] of Object.entries(fields)) {
      if (field.value) {
        params.set(name, field.value);
      }
    }
    const hash = params.toString();
    history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
  }

  form.hidden = false;
  // "input" as one types; "change" too, which is all some ways of picking an option send.
  for (const type of ["input", "change"]) {
    form.addEventListener(type, () => {
      apply();
      save();
    });
  }
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => {
    setTimeout(() => {
      apply();
      save();
    });
  });
  window.addEventListener("hashchange", load);
  if (location.hash.includes("=")) {
    load();
  }

  // Sorting: each column heading becomes a button; a second press reverses the order.
  const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  const headers = Array.from(table.tHead.rows[0].cells);

  function value(row, index) {
    const cell = row.cells[index];
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  }

  function sortBy(index, descending) {
    const order = rows.slice().sort((a, b) => {
      const va = value(a, index);
      const vb = value(b, index);
      // Empty values (never broken off, no date) go last whichever the direction.
      if (!va || !vb) {
        return va ? -1 : vb ? 1 : 0;
      }
      const c = collator.compare(va, vb);
      return descending ? -c : c;
    });
    body.append(...order);
    headers.forEach((th, i) => {
      if (i === index) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  headers.forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.append(button);
    button.addEventListener("click", () => {
      sortBy(index, th.getAttribute("aria-sort") === "ascending");
    });
  });
})();
