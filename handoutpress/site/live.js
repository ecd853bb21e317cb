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
        var focused = document.activeElement && document.activeElement.id;
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
        if (focused && document.getElementById(focused)) { document.getElementById(focused).focus({ preventScroll: true }); }
        if (message) { document.getElementById("status").textContent = message; }
      })
      .catch(function () { document.getElementById("status").textContent = "Could not reach the preview server."; })
      .finally(function () {
        refreshing = null;
        if (again) { again = false; refresh(); }
      });
  }

  events.addEventListener("changed", function (event) { refresh(JSON.parse(event.data).message); });
  events.addEventListener("status", function (event) {
    document.getElementById("status").textContent = JSON.parse(event.data).message;
  });
  events.onerror = function () { document.getElementById("status").textContent = "Reconnecting to the preview server…"; };
})();
