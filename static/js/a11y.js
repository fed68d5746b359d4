/* Keyboard and screen-reader care around htmx swaps.
   An htmx swap replaces the builder, and the element that had focus goes with it: the browser
   drops focus to <body> and a keyboard user starts again from the top of the page. Before each
   request we note where focus was (the element's id, and the slot or section around it); after
   the swap we put focus back on the same control if it still exists, otherwise on the heading
   of the slot or section that changed. A polite live region then reads out the new state. */
(function () {
  "use strict";
  var noted = null;

  function container(el) {
    return el && el.closest ? el.closest("article[aria-labelledby], section[aria-labelledby]") : null;
  }

  function focusable(el) {
    return el && !el.disabled && el.getClientRects().length > 0;
  }

  function focusHeading(id) {
    var heading = id && document.getElementById(id);
    if (!heading) return false;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    heading.focus();
    return document.activeElement === heading;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    var elt = event.detail.elt;
    // Only what the user did: a form or control holding focus. A poll must not move focus.
    if (!active || active === document.body || !(elt === active || elt.contains(active))) return;
    var around = container(active) || container(elt);
    noted = {
      xhr: event.detail.xhr,
      id: active.id,
      heading: around ? around.getAttribute("aria-labelledby").split(" ")[0] : ""
    };
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var was = noted;
    if (was && was.xhr === event.detail.xhr) {
      noted = null;
      var same = was.id && document.getElementById(was.id);
      if (!(focusable(same) && (same.focus(), document.activeElement === same))) {
        if (!focusHeading(was.heading)) {
          var h1 = document.querySelector("main h1");
          if (h1) focusHeading(h1.id || (h1.id = "page-heading"));
        }
      }
      announce();
    }
  });

  // An in-page link to a slot moves focus to the slot's heading, so the next Tab is inside it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('.slot-nav a[href^="#"]') : null;
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    // After the browser has followed the link (which itself drops focus): hence the timeout.
    if (target) window.setTimeout(function () { focusHeading(target.getAttribute("aria-labelledby")); }, 0);
  });

  function announce() {
    var region = document.getElementById("live-region");
    if (!region) return;
    var parts = [];
    var summary = document.querySelector("[data-live-summary]");
    // The messages that came with this swap (they sit beside the summary), not the page's older ones.
    var scope = summary ? summary.parentElement : null;
    if (scope) {
      scope.querySelectorAll(".messages li").forEach(function (li) { parts.push(li.textContent.trim()); });
      parts.push(summary.textContent.trim());
    }
    var text = parts.join(" ");
    if (!text) return;
    // Empty first, so that the same sentence twice in a row is read twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 60);
  }
})();
