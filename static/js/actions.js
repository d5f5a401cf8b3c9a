/* Small page actions without inline handlers (the Content Security Policy forbids them):
   <button data-print> prints the page; <button data-confirm="…?"> asks before its form is submitted. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-confirm]");
    if (!target) {
      return;
    }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (!window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
