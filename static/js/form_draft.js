// Keeps what was typed into a form in this browser until the server has accepted it, so a lost connection on a
// village road, a closed tab or a failed submit does not lose a visit. Files (photos) cannot be kept: the notice says
// so. The page the server answers with after saving carries data-draft-clear="<key>" and the draft is removed.
(function () {
  "use strict";
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (!store) { return; }

  document.querySelectorAll("[data-draft-clear]").forEach(function (el) {
    store.removeItem(el.getAttribute("data-draft-clear"));
  });

  var form = document.querySelector("form[data-draft-key]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "submit" && el.name !== "csrfmiddlewaretoken";
    });
  }

  function save() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { data[el.name] = el.value; }
      } else {
        data[el.name] = el.value;
      }
    });
    data._saved = new Date().toISOString();
    store.setItem(key, JSON.stringify(data));
  }

  function restore(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.value === data[el.name];
      } else {
        el.value = data[el.name];
      }
    });
  }

  var saved = store.getItem(key);
  // A page the server sent back with errors already shows what was posted; only a fresh form is filled from the draft.
  if (saved && form.getAttribute("data-draft-fresh") === "1") {
    try {
      var data = JSON.parse(saved);
      restore(data);
      var notice = document.getElementById("draft-notice");
      if (notice) {
        notice.querySelector("[data-draft-time]").textContent = new Date(data._saved).toLocaleString("zh-CN");
        notice.hidden = false;
        notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
          store.removeItem(key);
          window.location.reload();
        });
      }
    } catch (e) {
      store.removeItem(key);
    }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);
})();
