// A select whose options depend on another field of its form, so that a page never lists a province's worth of
// options at once: the 村（社区） of the list filters follows the 乡镇 (guanghan/forms.py, PlaceFilterForm; asks
// /api/villages/?town=ID), the 对应干部 of the account form follows the 干部所在部门 (administration/forms.py; asks
// /administration/cadres/options/?department=ID).
//
// Markup on the dependent select: data-options-url (the JSON endpoint), data-options-from (the name of the field it
// follows, sent as the query parameter of that name), data-options-key (the list in the answer; each item has id
// and label; the answer's empty_label is the first option). When the field changes, the options are replaced in
// place: the form is not submitted, so whatever else was typed stays. Without JavaScript the form still works: the
// list follows the other field after the form is sent (查询, or 保存 with a message).
(function () {
  "use strict";

  function refresh(source, select) {
    const url = new URL(select.dataset.optionsUrl, window.location.href);
    if (source.value) {
      url.searchParams.set(source.name, source.value);
    }
    const chosen = select.value;
    const request = (select.dependentRequest = (select.dependentRequest || 0) + 1);
    select.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        return response.json();
      })
      .then((data) => {
        if (request !== select.dependentRequest) {
          return; // a later change is on its way
        }
        const options = [new Option(data.empty_label, "")];
        for (const item of data[select.dataset.optionsKey] || []) {
          const value = String(item.id);
          options.push(new Option(item.label, value, false, value === chosen));
        }
        select.replaceChildren(...options);
      })
      .catch(() => {
        // Keep the old options but choose none: sending the form then shows the right list.
        if (request === select.dependentRequest) {
          select.value = "";
        }
      })
      .finally(() => {
        if (request === select.dependentRequest) {
          select.removeAttribute("aria-busy");
        }
      });
  }

  for (const select of document.querySelectorAll("select[data-options-url][data-options-from]")) {
    const source = select.form && select.form.elements.namedItem(select.dataset.optionsFrom);
    if (source instanceof HTMLSelectElement) {
      source.addEventListener("change", () => refresh(source, select));
    }
  }
})();
