/* An ID or mobile number typed into a search box (form[data-private-search]), whole or as a prefix of 10 digits or
   more (region, birth date), is posted to that URL instead of being put in the address: the server keeps it in the
   session and opens the list with ?q_ref=…. A name or a short prefix searches by GET as before. Without this script
   the form still works by GET. */
(function () {
  "use strict";
  var PERSONAL_NUMBER = /^\s*\d{10,17}[\dXx]?\s*$/;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-private-search]")) {
      return;
    }
    var box = form.querySelector("[name=q]");
    if (!box || !PERSONAL_NUMBER.test(box.value)) {
      return;
    }
    form.method = "post";
    form.action = form.getAttribute("data-private-search");
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = form.getAttribute("data-csrf");
    form.appendChild(token);
  });
})();
