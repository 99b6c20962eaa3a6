// Countdowns, the sale page's state and its Buy button follow the server's clock, never the
// visitor's: the page carries the server's time, and each live update corrects the estimate.
(function () {
  "use strict";
  var offset = 0; // server time minus this browser's time, in ms

  function syncTo(serverIso) {
    var server = Date.parse(serverIso);
    if (!isNaN(server)) { offset = server - Date.now(); }
  }

  function serverNow() { return Date.now() + offset; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "2 days 3 h" in the page's language: the page carries each plural form of its words
  // (data-day-words, by CLDR category: one, few, many, other) and the browser's plural rules
  // for the page's lang pick one.
  var dayWords = null;

  function inDays(d, h) {
    if (dayWords === null) {
      try { dayWords = JSON.parse(document.body.getAttribute("data-day-words")) || {}; } catch (e) { dayWords = {}; }
    }
    var rule = "other";
    try { rule = new Intl.PluralRules(document.documentElement.lang).select(d); } catch (e) { /* other */ }
    var words = dayWords[rule] || dayWords.other;
    return words ? words.replace("%(days)s", d).replace("%(hours)s", h) : null;
  }

  // 0:42, 12:05, 3:07:09; a day or more away, days and hours (a countdown of 25:59:57 reads
  // like a clock, not like "tomorrow"): a page without the words shows the clock.
  function shown(ms) {
    var s = Math.ceil(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var days = d > 0 ? inDays(d, h) : null;
    if (days) { return days; }
    h += d * 24;
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }

  var BEFORE_OPENING = ["scheduled", "registration", "waiting"];

  // The sale page follows the sale's state: blocks show in the states they name, and Buy is
  // enabled only while the sale is open (and never for a fan for whom it can only fail).
  function showState(state) {
    var root = document.querySelector("[data-sale-feed]");
    if (!root || root.getAttribute("data-state") === state) { return; }
    root.setAttribute("data-state", state);
    root.querySelectorAll("[data-show-in]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-in").split(" ").indexOf(state) < 0;
    });
    root.querySelectorAll("[data-buy]").forEach(function (button) {
      button.disabled = button.hasAttribute("data-blocked") || state !== "open";
    });
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-countdown-to")) - now;
      el.textContent = left > 0 ? shown(left) : (el.getAttribute("data-expired-text") || "0:00");
    });
    var root = document.querySelector("[data-sale-feed]");
    if (root) {
      // The opening second, by the server's clock: the feed confirms (or says sold out) next.
      var opens = Date.parse(root.getAttribute("data-opens-at"));
      if (BEFORE_OPENING.indexOf(root.getAttribute("data-state")) >= 0 && opens <= now) {
        showState("open");
      }
      var due = Date.parse(root.getAttribute("data-reload-at") || "");
      if (!isNaN(due) && due + 1000 <= now) {
        // A reservation held ran out: the fan's standing changed, which only the server draws.
        root.removeAttribute("data-reload-at");
        window.location.reload();
      }
    }
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
      if (left) {
        // With the market's separators, as the server wrote it (1,00,000 in India).
        var locale = left.getAttribute("data-locale") || undefined;
        left.textContent = new Intl.NumberFormat(locale).format(sale.stock_left);
      }
      var bar = root.querySelector("[data-units-bar]");
      if (bar) { fill(bar, sale.stock_left, sale.stock_total); }
      var opened = Date.parse(root.getAttribute("data-opens-at")) <= serverNow();
      // A snapshot taken a moment before the opening second does not take the page back.
      if (!(opened && BEFORE_OPENING.indexOf(sale.state) >= 0)) {
        var state = root.querySelector("[data-sale-state]");
        if (state) {
          state.textContent = sale.state_label;
          state.className = "badge badge-" + sale.state;
        }
        showState(sale.state);
      }
      tick();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // The waiting room: the server pushes the fan's place when it changes; a state the page was
  // not drawn in (admitted: the Buy form with the token) makes the server draw it again.
  function followQueue(box) {
    var drawnIn = box.getAttribute("data-queue-state");
    // The page's own words for the states, in its language (data-queue-texts); a state it has
    // no words for keeps the text drawn with the page.
    var texts = {};
    try { texts = JSON.parse(box.getAttribute("data-queue-texts")) || {}; } catch (e) { /* none */ }
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
      if (texts[q.state]) { put("state", texts[q.state]); }
      // The server words the place ("You are number 2 in line; 1 ahead of you"): one wording.
      put("position", q.number);
      put("line", q.line);
      put("wait", q.wait);
      put("chance", q.chance_text);
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
      // The page's words for it (data-pow-solving), in its language.
      if (note && note.getAttribute("data-pow-solving")) {
        note.textContent = note.getAttribute("data-pow-solving");
      }
      solve(form.getAttribute("data-pow-challenge"),
            Number(form.getAttribute("data-pow-difficulty"))).then(function (found) {
        nonce.value = found;
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // The part of the address after # never reaches the server: a log-in form carries it on
    // in its way back (the console's audit link: /console/sales/ID#audit).
    if (window.location.hash) {
      document.querySelectorAll('form input[name="next"]').forEach(function (field) {
        if (field.value && field.value.indexOf("#") < 0) { field.value += window.location.hash; }
      });
    }
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
