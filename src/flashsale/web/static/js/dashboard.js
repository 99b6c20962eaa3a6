// The operator's live dashboard: one Server-Sent Events stream; each message carries every
// figure of the page from one reading (cards, chart, audit), and they are all redrawn together.
(function () {
  "use strict";

  var STATS = ["stock_left", "orders", "reserved", "paid", "expired", "cancelled", "revenue",
    "gate_p99", "commit_p99", "state_label", "peak", "sold_out", "registered"];

  function set(name, value) {
    document.querySelectorAll('[data-stat="' + name + '"]').forEach(function (el) {
      el.textContent = value;
    });
  }

  function rows(list, build) {
    return list.map(build).join("");
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  // The opening and the sell-out as vertical lines on the chart (canvas: no inline style).
  function marks(chartData, el) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
          [[chartData().opens_at, "#1a7f37", el.getAttribute("data-opening-label")],
           [chartData().sold_out_at, "#b42318", el.getAttribute("data-sold-out-label")]].forEach(function (mark) {
            if (mark[0] === null || mark[0] === undefined) { return; }
            var x = Math.round(u.valToPos(mark[0], "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
            ctx.save();
            ctx.strokeStyle = mark[1];
            ctx.fillStyle = mark[1];
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.font = (11 * devicePixelRatio) + "px sans-serif";
            ctx.fillText(mark[2], x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
            ctx.restore();
          });
        }]
      }
    };
  }

  function makeChart(el, data, current) {
    var width = Math.max(280, el.clientWidth);
    var zone = data.timezone || "UTC";
    return new uPlot({
      width: width,
      height: 220,
      // The axis in the market's time zone, not the operator's browser's.
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), zone); },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      // The page's words for the axes (data-rate-label, data-time-label), in its language.
      axes: [{ label: zone }, { label: el.getAttribute("data-rate-label") }],
      series: [{ label: el.getAttribute("data-time-label") }, { label: el.getAttribute("data-rate-label"), stroke: "#0b5cad", fill: "rgba(11,92,173,0.12)", width: 2 }],
      plugins: [marks(current, el)]
    }, [data.times, data.counts], el);
  }

  function drawAudit(audit) {
    var verdict = document.querySelector("[data-audit-verdict]");
    verdict.textContent = verdict.getAttribute(audit.clean ? "data-clean-text" : "data-check-text");
    verdict.className = "badge " + (audit.clean ? "badge-open" : "badge-bad");
    document.querySelector("[data-audit-rows]").innerHTML = rows(audit.rows, function (row) {
      return "<tr" + (row[2] ? "" : ' class="bad"') + '><th scope="row">' + escape(row[0]) +
        '</th><td class="num">' + escape(row[1] === null ? "–" : row[1]) + "</td></tr>";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-dashboard-feed]");
    var chartEl = document.getElementById("chart");
    if (!root || !chartEl) { return; }
    var chartData = JSON.parse(chartEl.getAttribute("data-chart"));
    var chart = makeChart(chartEl, chartData, function () { return chartData; });
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(280, chartEl.clientWidth), height: 220 });
    });
    var source = new EventSource(root.getAttribute("data-dashboard-feed"));
    source.onmessage = function (event) {
      var f = JSON.parse(event.data);
      STATS.forEach(function (name) { set(name, f[name]); });
      if (f.queue) {
        ["waiting", "admitted", "joined"].forEach(function (n) { set("queue_" + n, f.queue[n]); });
      }
      chartData = f.chart;
      chart.setData([f.chart.times, f.chart.counts]);
      // What the chart spans, for a reader (and a test) that cannot see the canvas.
      chartEl.setAttribute("data-from", f.chart.times.length ? f.chart.times[0] : "");
      document.querySelector("[data-refusals]").innerHTML = f.refusals.length ? rows(f.refusals, function (r) {
        return '<li><span title="' + escape(r.code) + '">' + escape(r.reason) + "</span><strong>" +
          escape(r.count) + "</strong></li>";
      }) : '<li class="muted">' + escape(document.querySelector("[data-refusals]").getAttribute("data-none-text")) + "</li>";
      drawAudit(f.audit);
      root.setAttribute("data-server-time", f.server_time);
    };
    window.addEventListener("pagehide", function () { source.close(); });
  });
})();
