// The 乡镇 → 村（社区） list filters (guanghan/forms.py, PlaceFilterForm): the village select offers the chosen town's
// villages only. When the town changes, ask /api/villages/?town=ID (the URL is the select's data-village-options)
// for that town's villages and replace the options in place: the form is not submitted, so whatever else was typed
// stays. Without JavaScript the list still works: choose the town, press 查询, then choose the village.
(function () {
  "use strict";

  function refresh(town, village) {
    const url = new URL(village.dataset.villageOptions, window.location.href);
    if (town.value) {
      url.searchParams.set("town", town.value);
    }
    const chosen = village.value;
    const request = (village.placeFilterRequest = (village.placeFilterRequest || 0) + 1);
    village.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        return response.json();
      })
      .then((data) => {
        if (request !== village.placeFilterRequest) {
          return; // a later change of town is on its way
        }
        const options = [new Option(data.empty_label, "")];
        for (const v of data.villages) {
          const value = String(v.id);
          options.push(new Option(v.label, value, false, value === chosen));
        }
        village.replaceChildren(...options);
      })
      .catch(() => {
        // Keep the old options but choose none: the page then filters by the town, and 查询 lists its villages.
        if (request === village.placeFilterRequest) {
          village.value = "";
        }
      })
      .finally(() => {
        if (request === village.placeFilterRequest) {
          village.removeAttribute("aria-busy");
        }
      });
  }

  for (const village of document.querySelectorAll("select[data-village-options]")) {
    const town = village.form && village.form.elements.namedItem("town");
    if (town instanceof HTMLSelectElement) {
      town.addEventListener("change", () => refresh(town, village));
    }
  }
})();
