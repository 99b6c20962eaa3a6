// The operator's live dashboard: one Server-Sent Events stream, a uPlot chart of orders per
// second, and the audit once the sale has ended.
(function () {
  "use strict";

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

  function makeChart(el, data) {
    var width = Math.max(280, el.clientWidth);
    return new uPlot({
      width: width,
      height: 220,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{}, { label: "orders/s" }],
      series: [{}, { label: "orders/s", stroke: "#0b5cad", fill: "rgba(11,92,173,0.12)", width: 2 }]
    }, [data.times, data.counts], el);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-dashboard-feed]");
    var chartEl = document.getElementById("chart");
    if (!root || !chartEl) { return; }
    var chart = makeChart(chartEl, JSON.parse(chartEl.getAttribute("data-chart")));
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(280, chartEl.clientWidth), height: 220 });
    });
    var source = new EventSource(root.getAttribute("data-dashboard-feed"));
    source.onmessage = function (event) {
      var f = JSON.parse(event.data);
      ["stock_left", "orders", "reserved", "paid", "expired", "revenue", "gate_p99",
        "commit_p99", "state_label"].forEach(function (name) { set(name, f[name]); });
      if (f.queue) {
        ["waiting", "admitted", "joined"].forEach(function (n) { set("queue_" + n, f.queue[n]); });
      }
      chart.setData([f.chart.times, f.chart.counts]);
      var reasons = Object.keys(f.refusals);
      document.querySelector("[data-refusals]").innerHTML = reasons.length ? rows(reasons, function (r) {
        return "<li><span>" + escape(r) + "</span><strong>" + escape(f.refusals[r]) + "</strong></li>";
      }) : '<li class="muted">none yet</li>';
      if (f.audit) {
        document.getElementById("audit").hidden = false;
        var verdict = document.querySelector("[data-audit-verdict]");
        verdict.textContent = f.audit.clean ? "clean" : "check";
        verdict.className = "badge " + (f.audit.clean ? "badge-open" : "badge-bad");
        document.querySelector("[data-audit-rows]").innerHTML = rows(f.audit.rows, function (row) {
          return "<tr" + (row[2] ? "" : ' class="bad"') + '><th scope="row">' + escape(row[0]) +
            '</th><td class="num">' + escape(row[1] === null ? "–" : row[1]) + "</td></tr>";
        });
      }
    };
    window.addEventListener("pagehide", function () { source.close(); });
  });
})();
