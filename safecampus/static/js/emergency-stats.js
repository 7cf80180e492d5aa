/* safecampus: the incident statistics charts (ECharts, served locally).
   Reads the figures from <script id="stats-data" type="application/json"> (json_script);
   without JavaScript the same figures are in the tables beside the charts. A click on a bar
   opens the incidents behind it, or the statistics of the region clicked. */
(function () {
  "use strict";

  var BLUE = "#1a5fb4";
  var GREY = "#9aa5b1";
  var GREEN = "#1a7f37";
  var RED = "#cf1f2e";
  var SEVERITY = ["#cf1f2e", "#e0670b", "#b88400", "#1f6fd1"];

  function make(id, rows) {
    var holder = document.getElementById(id);
    if (!holder || !window.echarts) return null;
    if (rows) holder.style.height = Math.max(240, 70 + rows * 26) + "px"; // a bar per row
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    window.addEventListener("resize", function () {
      chart.resize();
    });
    return chart;
  }

  function follow(chart, urls) {
    chart.on("click", function (params) {
      var url = urls && urls[params.dataIndex];
      if (url) window.location.href = url;
    });
  }

  function compare(id, part, names, horizontal) {
    if (!part) return;
    var chart = make(id, horizontal ? part.labels.length : 0);
    if (!chart) return;
    var category = { type: "category", data: part.labels, axisLabel: { interval: 0 } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      animation: false,
      color: [BLUE, GREY],
      tooltip: { trigger: "axis" },
      legend: { data: [names.current, names.previous], top: 0, type: "scroll" },
      grid: { left: horizontal ? 110 : 40, right: 16, top: 36, bottom: 28 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: [
        { name: names.current, type: "bar", data: part.current, barMaxWidth: 26 },
        { name: names.previous, type: horizontal ? "bar" : "line", data: part.previous, barMaxWidth: 26, symbolSize: 7 }
      ]
    });
    follow(chart, part.urls);
  }

  function severities(d) {
    var chart = make("stats-severities-chart");
    if (!chart) return;
    var part = d.severities;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      legend: { top: 0, type: "scroll" },
      series: [
        {
          type: "pie",
          radius: ["35%", "65%"],
          top: 30,
          data: part.labels
            .map(function (label, i) {
              return { name: label, value: part.current[i], url: part.urls[i], itemStyle: { color: SEVERITY[i % SEVERITY.length] } };
            })
            .filter(function (item) {
              return item.value > 0;
            }),
          label: { formatter: "{b}: {c}" }
        }
      ]
    });
    chart.on("click", function (params) {
      if (params.data && params.data.url) window.location.href = params.data.url;
    });
  }

  function responses(d) {
    var chart = make("stats-response-chart");
    if (!chart) return;
    var part = d.response;
    var names = d.names;
    chart.setOption({
      animation: false,
      color: [GREEN, RED, GREY],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [names.within, names.over, names.none], top: 0 },
      grid: { left: 120, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: part.labels, inverse: true },
      series: [
        { name: names.within, type: "bar", stack: "marks", data: part.within, barMaxWidth: 26 },
        { name: names.over, type: "bar", stack: "marks", data: part.over, barMaxWidth: 26 },
        { name: names.none, type: "bar", stack: "marks", data: part.none, barMaxWidth: 26 }
      ]
    });
  }

  function init() {
    var source = document.getElementById("stats-data");
    if (!source || !window.echarts) return;
    var d = JSON.parse(source.textContent);
    compare("stats-months-chart", d.months, d.names, false);
    compare("stats-types-chart", d.types, d.names, true);
    compare("stats-regions-chart", d.regions, d.names, true);
    severities(d);
    responses(d);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
