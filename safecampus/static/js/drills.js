/* safecampus: the drill charts (ECharts, served locally).
   - a school's evacuation times against its target (<script id="drills-trend">);
   - a region's timed drills within and over their target per month (<script id="drills-outcomes">).
   The figures come from json_script; without JavaScript the same figures are in the tables
   under the charts. A click on a point opens the drill (or the month's drills) behind it. */
(function () {
  "use strict";

  function data(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function resizeWith(chart) {
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function trend() {
    var holder = document.getElementById("drills-trend-chart");
    var d = data("drills-trend");
    if (!holder || !d || !window.echarts) return;
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var series = [
      {
        name: d.names.time,
        type: "line",
        data: d.seconds,
        symbolSize: 9,
        lineStyle: { width: 3 },
        markLine: d.target
          ? {
              symbol: "none",
              label: { formatter: d.names.target + " " + d.target + "s" },
              lineStyle: { type: "dashed", color: "#cf1f2e" },
              data: [{ yAxis: d.target }]
            }
          : undefined
      }
    ];
    (d.buildings || []).forEach(function (b) {
      series.push({ name: b.name, type: "line", data: b.seconds, connectNulls: true, symbolSize: 6, lineStyle: { width: 1.5 } });
    });
    if (d.buildings && d.buildings.length) {
      series.push({
        name: d.names.guide,
        type: "line",
        data: [],
        markLine: {
          symbol: "none",
          label: { formatter: d.guide + "s" },
          lineStyle: { type: "dotted", color: "#e0670b" },
          data: [{ yAxis: d.guide }]
        }
      });
    }
    var max = Math.max.apply(null, d.seconds.concat([d.target || 0, d.guide || 0]));
    chart.setOption({
      animation: false,
      color: ["#1a5fb4", "#6a8fc7", "#7fb069", "#b88400", "#8e6bb8", "#2a9d8f", "#a8556f"],
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 72, top: 40, bottom: 28 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", min: 0, max: Math.ceil((max * 1.15) / 30) * 30, name: "s" },
      series: series
    });
    chart.on("click", function (params) {
      var url = d.urls && d.urls[params.dataIndex];
      if (url) window.location.href = url;
    });
    resizeWith(chart);
  }

  function outcomes() {
    var holder = document.getElementById("drills-outcomes-chart");
    var d = data("drills-outcomes");
    if (!holder || !d || !window.echarts) return;
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: ["#1a7f37", "#cf1f2e"],
      tooltip: { trigger: "axis" },
      legend: { data: [d.names.within, d.names.over], top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: d.names.within, type: "bar", stack: "drills", data: d.within, barMaxWidth: 28 },
        { name: d.names.over, type: "bar", stack: "drills", data: d.over, barMaxWidth: 28 }
      ]
    });
    resizeWith(chart);
  }

  function init() {
    trend();
    outcomes();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
