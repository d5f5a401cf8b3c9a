/* Questionnaire rows: add 10 more, clear a row, and a running tally. Without this script the first rows still work. */
(function () {
  "use strict";
  var form = document.querySelector("[data-questionnaire-form]");
  var blank = document.getElementById("answer-row-template");
  if (!form || !blank) {
    return;
  }
  var rows = form.querySelector("[data-answer-rows]");
  var total = form.querySelector("input[name='answers-TOTAL_FORMS']");
  var more = form.querySelector("[data-more-rows]");
  var tally = form.querySelector("[data-tally]");
  var max = Number(more.getAttribute("data-max"));
  var labels = {satisfied: "满意", basically: "基本满意", dissatisfied: "不满意"};

  function showClearButtons() {
    rows.querySelectorAll("[data-clear-row]").forEach(function (button) { button.hidden = false; });
  }

  function count() {
    var n = {satisfied: 0, basically: 0, dissatisfied: 0};
    rows.querySelectorAll("input[type=radio]:checked").forEach(function (radio) { n[radio.value] += 1; });
    var all = n.satisfied + n.basically + n.dissatisfied;
    tally.textContent = "已录 " + all + " 份：" + Object.keys(labels).map(function (key) {
      return labels[key] + " " + n[key];
    }).join("，");
  }

  more.hidden = Number(total.value) >= max;
  more.addEventListener("click", function () {
    var from = Number(total.value);
    var to = Math.min(from + 10, max);
    for (var i = from; i < to; i += 1) {
      rows.insertAdjacentHTML("beforeend", blank.innerHTML.replace(/__prefix__/g, i).replace(/__num__/g, i + 1));
    }
    total.value = to;
    more.hidden = to >= max;
    showClearButtons();
    var first = rows.querySelectorAll("[data-answer-row]")[from];
    if (first) {
      first.querySelector("input[type=text]").focus();
    }
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-clear-row]");
    if (!button) {
      return;
    }
    var row = button.closest("[data-answer-row]");
    row.querySelectorAll("input[type=text]").forEach(function (input) { input.value = ""; });
    row.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = false; });
    count();
  });
  form.addEventListener("change", count);
  showClearButtons();
  count();
})();
