/* safecampus: the hazard dashboard's trend chart (ECharts, served locally).
   Reads the figures from <script id="dashboard-trend" type="application/json"> (json_script);
   without JavaScript the same figures are in the table under the chart. A click on a month
   opens the ledger rows behind it. */
(function () {
  "use strict";

  function init() {
    var holder = document.getElementById("trend-chart");
    var source = document.getElementById("dashboard-trend");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: ["#1a5fb4", "#1a7f37"],
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.found, data.names.closed], top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.names.found, type: "bar", data: data.found, barMaxWidth: 28 },
        { name: data.names.closed, type: "line", data: data.closed, symbolSize: 8 }
      ]
    });
    chart.on("click", function (params) {
      var urls = params.seriesIndex === 1 ? data.closed_urls : data.urls;
      var url = urls && urls[params.dataIndex];
      if (url) window.location.href = url;
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
