// Small progressive enhancements shared by every page; each page works without them.
(function () {
  "use strict";

  // The directory changes its query string with htmx as filters change: the language
  // switch must keep the filters shown now, not those the page was loaded with.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".language-switch")) return;
    var next = form.querySelector("input[name=next]");
    if (!next) return;
    var path = next.value.split("?")[0];
    next.value = path + window.location.search;
  });

  // Keep the "n selected" badge of a directory filter in step with its ticked boxes
  // (htmx replaces only the results, not the filters).
  document.addEventListener("change", function (event) {
    var facet = event.target.closest && event.target.closest("details.facet");
    if (!facet) return;
    var count = facet.querySelectorAll("input[type=checkbox]:checked").length;
    var summary = facet.querySelector("summary");
    var badge = summary.querySelector(".facet-badge");
    if (!count) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "facet-badge";
      badge.appendChild(document.createTextNode(""));
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      badge.appendChild(hidden);
      summary.insertBefore(badge, summary.querySelector(".facet-title").nextSibling);
    }
    badge.firstChild.nodeValue = String(count);
    var label = count === 1 ? facet.dataset.selectedOne : facet.dataset.selectedMany;
    badge.lastChild.textContent = " " + (label || "");
  });

  // The search page answers bad input with 400 and the messages next to the fields:
  // show that answer (htmx leaves error answers out by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = source && source.closest && source.closest("[data-swap-errors]");
    if (form && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Leave empty fields out of the addresses htmx builds (?segment=dialysis, not ?q=&segment=...).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var parameters = event.detail.parameters;
    Array.from(new Set(parameters.keys())).forEach(function (name) {
      if (parameters.getAll(name).every(function (value) { return value === ""; })) {
        delete parameters[name];
      }
    });
  });
})();
