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

  // The bar's width is set here rather than in a style attribute, which the page's
  // Content-Security-Policy refuses.
  function fill(bar, left, total) {
    bar.setAttribute("aria-valuenow", left);
    var share = total > 0 ? Math.max(0, Math.min(1, left / total)) : 0;
    bar.firstElementChild.style.width = (100 * share) + "%";
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
      if (bar) { fill(bar, sale.stock_left, sale.stock_total); }
      var state = root.querySelector("[data-sale-state]");
      if (state) {
        state.textContent = sale.state_label;
        state.className = "badge badge-" + sale.state;
      }
      tick();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // The waiting room: the server pushes the fan's place when it changes; a state the page was
  // not drawn in (admitted: the Buy form with the token) makes the server draw it again.
  var QUEUE_TEXT = {
    pre_queue: "In the queue: your place is drawn at the opening",
    waiting: "In the queue"
  };

  function followQueue(box) {
    var drawnIn = box.getAttribute("data-queue-state");
    var source = new EventSource(box.getAttribute("data-queue-feed"));
    function put(name, text) {
      var el = box.querySelector('[data-queue="' + name + '"]');
      if (el) { el.textContent = text; }
    }
    source.onmessage = function (event) {
      var q = JSON.parse(event.data);
      if (q.state !== drawnIn && (q.redraw || drawnIn === "not_in_queue")) {
        source.close();
        window.location.reload();
        return;
      }
      if (QUEUE_TEXT[q.state]) { put("state", QUEUE_TEXT[q.state]); }
      put("position", q.position === null ? "drawn at the opening" : String(q.position));
      put("ahead", q.ahead === null ? "–" : String(q.ahead));
      put("wait", q.estimated_wait_seconds === null ? "–"
        : Math.round(q.estimated_wait_seconds) + " s");
      put("chance", q.chance === null ? "–" : Math.round(100 * q.chance) + "%");
    };
    window.addEventListener("pagehide", function () { source.close(); });
    // Buying spends the token, which changes the state the stream reports: a reload then would
    // race the purchase's own navigation to checkout and could win.
    document.addEventListener("submit", function () { source.close(); });
  }

  // Proof of work to join: SHA-256(challenge ":" nonce) must start with `difficulty` zero bits
  // (domain/proof_of_work.py); the server checks it with one hash.
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }

  async function solve(challenge, difficulty) {
    var encoder = new TextEncoder();
    for (var n = 0; ; n++) {
      var nonce = n.toString(16);
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + nonce));
      if (zeroBits(new Uint8Array(digest)) >= difficulty) { return nonce; }
    }
  }

  function solveOnSubmit(form) {
    form.addEventListener("submit", function (event) {
      var nonce = form.querySelector('input[name="nonce"]');
      if (nonce.value || !(window.crypto && crypto.subtle)) { return; }
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      var note = form.querySelector("[data-pow-note]");
      if (note) { note.textContent = "Solving the puzzle…"; }
      solve(form.getAttribute("data-pow-challenge"),
            Number(form.getAttribute("data-pow-difficulty"))).then(function (found) {
        nonce.value = found;
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncTo(document.body.getAttribute("data-server-now"));
    document.querySelectorAll("[data-units-bar]").forEach(function (bar) {
      fill(bar, Number(bar.getAttribute("aria-valuenow")),
        Number(bar.getAttribute("aria-valuemax")));
    });
    var root = document.querySelector("[data-sale-feed]");
    if (root && window.EventSource) { follow(root.getAttribute("data-sale-feed")); }
    var queue = document.querySelector("[data-queue-feed]");
    if (queue && window.EventSource) { followQueue(queue); }
    document.querySelectorAll("form[data-pow-challenge]").forEach(solveOnSubmit);
    tick();
    window.setInterval(tick, 200);
  });
})();
