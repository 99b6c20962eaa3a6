// Countdowns and the Buy button follow the server's clock, never the visitor's: the page
// carries the server's time, and each live update corrects the estimate.
(function () {
  "use strict";
  var offset = 0; // server time minus this browser's time, in ms

  function syncTo(serverIso) {
    var server = Date.parse(serverIso);
    if (!isNaN(server)) { offset = server - Date.now(); }
  }

  function serverNow() { return Date.now() + offset; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function shown(ms) {
    var s = Math.ceil(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-countdown-to")) - now;
      el.textContent = left > 0 ? shown(left) : (el.getAttribute("data-expired-text") || "now");
    });
    document.querySelectorAll("[data-enable-at]").forEach(function (el) {
      if (el.disabled && Date.parse(el.getAttribute("data-enable-at")) <= now) {
        el.disabled = false;
      }
    });
  }

  function follow(feed) {
    var root = document.querySelector("[data-sale-feed]");
    var source = new EventSource(feed);
    source.onmessage = function (event) {
      var sale = JSON.parse(event.data);
      syncTo(sale.server_time);
      var left = root.querySelector("[data-units-left]");
      if (left) { left.textContent = sale.stock_left; }
      var bar = root.querySelector("[data-units-bar]");
      if (bar) {
        bar.setAttribute("aria-valuenow", sale.stock_left);
        bar.firstElementChild.style.width = (100 * sale.stock_left / sale.stock_total) + "%";
      }
      var state = root.querySelector("[data-sale-state]");
      if (state) {
        state.textContent = sale.state_label;
        state.className = "badge badge-" + sale.state;
      }
      tick();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncTo(document.body.getAttribute("data-server-now"));
    var root = document.querySelector("[data-sale-feed]");
    if (root && window.EventSource) { follow(root.getAttribute("data-sale-feed")); }
    tick();
    window.setInterval(tick, 200);
  });
})();
