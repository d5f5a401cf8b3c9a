/* A full ID number or mobile number typed into a search box (form[data-private-search]) is posted to that URL
   instead of being put in the address: the server keeps it in the session and opens the list with ?q_ref=….
   Shorter text (a name, a prefix) searches by GET as before. Without this script the form still works by GET. */
(function () {
  "use strict";
  var FULL_NUMBER = /^\s*(\d{17}[\dXx]|\d{15}|1\d{10})\s*$/;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-private-search]")) {
      return;
    }
    var box = form.querySelector("[name=q]");
    if (!box || !FULL_NUMBER.test(box.value)) {
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
