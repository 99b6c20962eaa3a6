// The console's Reports page: the stacked chart of sales by market, drawn again whenever htmx
// swaps the report in (the form's choices) and when the window's width changes.
(function () {
  "use strict";

  var COLOURS = ["#0b5cad", "#1a7f37", "#b35900", "#8250df", "#b42318", "#0a7b83", "#6e7781",
    "#bf8700"];

  function draw() {
    var el = document.getElementById("report-chart");
    if (!el || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(el.getAttribute("data-report-chart"));
    el.textContent = "";
    if (!data.times.length) {
      el.textContent = el.getAttribute("data-empty-text");
      return;
    }
    // Each series is already added to the ones below it: the widest (all markets) first, so
    // each narrower band is painted over it.
    var ordered = data.series.slice().reverse();
    // The page's words (data-period-label, data-unit-label), in its language.
    var series = [{ label: el.getAttribute("data-period-label"), value: function (u, v, i, idx) { return idx === null ? "" : data.labels[idx]; } }];
    ordered.forEach(function (s, n) {
      var colour = COLOURS[(ordered.length - 1 - n) % COLOURS.length];
      series.push({ label: s.market, stroke: colour, fill: colour + "cc", width: 1 });
    });
    var chart = new uPlot({
      width: Math.max(280, el.clientWidth),
      height: 260,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{}, { label: el.getAttribute("data-unit-label"), size: 70 }],
      series: series
    }, [data.times].concat(ordered.map(function (s) { return s.values; })), el);
    el.setAttribute("data-drawn", String(data.series.length));
    return chart;
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
  var resized = null;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(draw, 200);
  });
})();
