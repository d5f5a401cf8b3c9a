/* The dashboard's charts (Apache ECharts, served from our own static files). Each chart box names the JSON endpoint
   it reads (data-api) and what it draws (data-chart); clicking a bar, slice or point opens the list behind it.
   The page carries what the figures and areas endpoints would answer in a JSON data block (#dashboard-data, not
   executed, so the CSP allows it); a box whose data-source names a part of it draws from there without a request. */
(function () {
  "use strict";
  if (!window.echarts) return;

  var RED = ["#c0392b", "#e67e22", "#2980b9", "#27ae60", "#8e44ad", "#7f8c8d"];
  var cache = {};
  var charts = [];
  var block = document.getElementById("dashboard-data");
  var embedded = block ? JSON.parse(block.textContent) : {};

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }

  function wan(text) {
    return Math.round(Number(text) / 100) / 100; // 元 → 万元, two decimals
  }

  function open(url) {
    if (url) window.location.href = url;
  }

  function base(extra) {
    var option = {
      color: RED,
      animation: false,
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    };
    return Object.assign(option, extra);
  }

  var draw = {
    areas: function (data) {
      var rows = data.rows;
      var byName = function (key) { return rows.map(function (r) { return { value: r[key], url: r.urls[key] }; }); };
      return {
        option: base({
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { type: "scroll", top: 0 },
          grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
                   axisLabel: { interval: 0 }, triggerEvent: true },
          series: [
            { name: "在库困难对象", type: "bar", data: byName("members"), barGap: "10%" },
            { name: "其中困难党员", type: "bar", data: byName("party") },
            { name: "脱贫党员（累计）", type: "bar", data: byName("lifted") },
          ],
        }),
        height: Math.max(280, rows.length * 30 + 60),
        click: function (p) {
          if (p.componentType === "yAxis") {
            var row = rows.find(function (r) { return r.name === p.value; });
            return row && row.urls.members;
          }
          return p.data && p.data.url;
        },
      };
    },
    years: function (data) {
      var s = data.series, u = data.urls;
      var points = function (values, urls) { return values.map(function (v, i) { return { value: v, url: urls[i] }; }); };
      return {
        option: base({
          tooltip: { trigger: "axis" },
          legend: { type: "scroll", top: 0 },
          grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: data.years.map(function (y) { return y + "年"; }) },
          yAxis: [{ type: "value", minInterval: 1 },
                  { type: "value", axisLabel: { formatter: "{value}万" }, splitLine: { show: false } }],
          series: [
            { name: "脱贫党员", type: "line", data: points(s.lifted, u.lifted) },
            { name: "项目", type: "line", data: points(s.projects, u.projects) },
            { name: "重点项目", type: "line", data: points(s.key, u.key) },
            { name: "督查次数", type: "line", data: points(s.visits, u.visits) },
            { name: "拨付到村资金", type: "bar", yAxisIndex: 1, barMaxWidth: 28, itemStyle: { opacity: 0.45 },
              data: s.paid.map(function (v, i) { return { value: wan(v), url: u.paid[i] }; }) },
          ],
        }),
        click: function (p) { return p.data && p.data.url; },
      };
    },
    status: function (data) {
      var chart = data.sections.registry.charts.status;
      return {
        option: base({
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { top: 0 },
          xAxis: { type: "category", data: chart.statuses },
          yAxis: { type: "value", minInterval: 1 },
          series: chart.series.map(function (serie) {
            return { name: serie.name, type: "bar", stack: "all",
                     data: serie.data.map(function (v, i) { return { value: v, url: serie.urls[i] }; }) };
          }),
        }),
        click: function (p) { return p.data && p.data.url; },
      };
    },
    ages: function (data) {
      return {
        option: base({
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}\n{c} 人" },
                     data: data.sections.registry.charts.age_bands }],
        }),
        click: function (p) { return p.data && p.data.url; },
      };
    },
    projects: function (data) {
      return {
        option: base({
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: "60%", label: { formatter: "{b}\n{c}" },
                     data: data.sections.projects.charts.status.filter(function (d) { return d.value > 0; }) }],
        }),
        click: function (p) { return p.data && p.data.url; },
      };
    },
    funds: function (data) {
      var charts = data.sections.funds.charts;
      if (charts.raised.length) {
        return {
          option: base({
            tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
            legend: { top: 0 },
            xAxis: { type: "category", data: charts.raised.map(function (r) { return r.name; }),
                     axisLabel: { interval: 0, width: 70, overflow: "break" } },
            yAxis: { type: "value", name: "万元" },
            series: [
              { name: "年度目标", type: "bar", data: charts.raised.map(function (r) { return r.target === null ? null : wan(r.target); }) },
              { name: "到账/放贷", type: "bar", data: charts.raised.map(function (r) { return wan(r.received); }) },
            ],
          }),
        };
      }
      return {
        option: base({
          legend: { bottom: 0 },
          tooltip: { trigger: "item", formatter: "{b}：{c} 万元" },
          series: [{ type: "pie", radius: "60%",
                     data: charts.paid.map(function (d) { return { name: d.name, value: wan(d.value), url: d.url }; }) }],
        }),
        click: function (p) { return p.data && p.data.url; },
      };
    },
  };

  function render(box) {
    var kind = box.dataset.chart;
    var source = box.dataset.source;
    var pending = source && embedded[source] ? Promise.resolve(embedded[source]) : load(box.dataset.api);
    pending.then(function (data) {
      var spec = draw[kind](data);
      if (spec.height) box.style.height = spec.height + "px";
      var chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(spec.option);
      if (spec.click) {
        chart.on("click", function (p) { open(spec.click(p)); });
      }
      box.dataset.ready = "1";
      charts.push(chart);
    }).catch(function () {
      box.classList.add("chart-failed");
      box.textContent = "图表数据未能载入，请刷新页面重试（上方和下方的数字不受影响）。";
      box.dataset.ready = "error";
    });
  }

  document.querySelectorAll("[data-chart]").forEach(render);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
