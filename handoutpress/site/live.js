// Live preview: when the server says a document changed, fetch this page again
// and swap its main content in place, keeping the reader's focus and scroll.
(function () {
  "use strict";
  var open = document.body.getAttribute("data-open") || "";
  var events = new EventSource("/events" + (open ? "?open=" + encodeURIComponent(open) : ""));
  var refreshing = null, again = false;

  function refresh(message) {
    if (refreshing) { again = true; return; }
    refreshing = fetch(location.pathname, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var place = whereFocus();
        var scrolled = window.scrollY, oldMain = document.querySelector("main"), newMain = fresh.querySelector("main");
        // Until the new pictures have loaded the new content is short; hold the old height so the page does not jump.
        if (oldMain && newMain) { newMain.style.minHeight = oldMain.offsetHeight + "px"; }
        ["main", "nav", "footer"].forEach(function (selector) {
          var now = document.querySelector(selector), then = fresh.querySelector(selector);
          if (now && then) { now.replaceWith(then); }
        });
        window.scrollTo(0, scrolled);
        if (newMain) {
          Promise.all(Array.prototype.map.call(newMain.querySelectorAll("img"), function (img) {
            return img.complete ? null : new Promise(function (done) { img.addEventListener("load", done); img.addEventListener("error", done); });
          })).then(function () { newMain.style.minHeight = ""; });
        }
        putFocus(place);
        if (message) { document.getElementById("status").textContent = message; }
      })
      .catch(function () { document.getElementById("status").textContent = "Could not reach the preview server."; })
      .finally(function () {
        refreshing = null;
        if (again) { again = false; refresh(); }
      });
  }

  // The focused element is replaced with the rest: find its twin in the new content, by id, else by
  // what it links to and says, else by its place among the focusable elements of its part of the page.
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function whereFocus() {
    var element = document.activeElement;
    if (!element || element === document.body) { return null; }
    if (element.id) { return { id: element.id }; }
    var part = element.closest("main, nav, footer");
    if (!part) { return null; }
    return {
      part: part.tagName.toLowerCase(), href: element.getAttribute("href"), text: element.textContent,
      index: Array.prototype.indexOf.call(part.querySelectorAll(FOCUSABLE), element)
    };
  }

  function putFocus(place) {
    if (!place) { return; }
    var target = place.id ? document.getElementById(place.id) : null;
    var part = place.part ? document.querySelector(place.part) : null;
    if (part) {
      var all = Array.prototype.slice.call(part.querySelectorAll(FOCUSABLE));
      target = all.filter(function (e) { return e.getAttribute("href") === place.href && e.textContent === place.text; })[0] ||
        all[place.index] || part.querySelector(FOCUSABLE);
      if (!target) { target = document.getElementById("main"); }
    }
    if (target) { target.focus({ preventScroll: true }); }
  }

  events.addEventListener("changed", function (event) { refresh(JSON.parse(event.data).message); });
  events.addEventListener("status", function (event) {
    document.getElementById("status").textContent = JSON.parse(event.data).message;
  });
  events.onerror = function () { document.getElementById("status").textContent = "Reconnecting to the preview server…"; };
})();
