// The KPI dashboard's charts: each KPI per month against its target line (Chart.js).
(function () {
  "use strict";
  var source = document.getElementById("kpi-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.series.map(function (row) { return row.label; });
  document.querySelectorAll("canvas.kpi-chart").forEach(function (canvas) {
    var kpi = canvas.dataset.kpi;
    var values = data.series.map(function (row) { return row[kpi] === null ? null : row[kpi] * 100; });
    var target = data.targets[kpi] * 100;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: data.titles[kpi], data: values, borderColor: "#1f5f99", spanGaps: true },
          { label: data.target_label, data: labels.map(function () { return target; }),
            borderColor: "#b03a2e", borderDash: [6, 4], pointRadius: 0 }
        ]
      },
      options: { animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
    });
  });
}());
