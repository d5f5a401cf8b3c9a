/* The roster upload page (花名册导入): a progress bar for large files.
 *
 * The form is sent with XMLHttpRequest, so that the upload shows its progress; once the file is sent, the bar turns
 * indeterminate ("正在检查文件…") while the server reads and checks it. When the server answers with a redirect, the
 * browser goes to that page (the preview); any other answer (the form with its error, an error page) replaces the
 * page's body. Without this script, or without a file chosen, the form is an ordinary POST.
 *
 * The request carries X-Roster-Upload: the preview page, reached by the request's own redirect, answers it with an
 * empty 204 instead of checking the file a second time only for this script to load the page again.
 */
(function () {
  "use strict";

  var HEADER = "X-Roster-Upload";

  function withoutHash(url) {
    return String(url).split("#")[0];
  }

  function size(bytes) {
    return bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " KB" : (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function init() {
    var form = document.querySelector("form[data-roster-upload]");
    var box = document.querySelector("[data-roster-progress]");
    var failure = document.querySelector("[data-roster-upload-error]");
    if (!form || !box || !failure || !window.FormData || !window.DOMParser) {
      return;
    }
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files || input.files.length === 0) {
        return; // nothing chosen: the browser or the server says so, as without this script
      }
      event.preventDefault();
      send(form, box, failure);
    });
  }

  function send(form, box, failure) {
    var meter = box.querySelector(".progress");
    var bar = box.querySelector(".progress-bar");
    var label = box.querySelector("[data-roster-progress-label]");
    var controls = form.querySelectorAll("button, input");
    var url = form.action || window.location.href;
    var data = new FormData(form); // read before the controls are disabled
    var xhr = new XMLHttpRequest();

    function setControls(disabled) {
      for (var i = 0; i < controls.length; i++) {
        controls[i].disabled = disabled;
      }
    }

    function uploading(loaded, total) {
      var percent = total ? Math.min(100, Math.floor((loaded * 100) / total)) : 0;
      bar.style.width = percent + "%";
      meter.setAttribute("aria-valuenow", String(percent));
      label.textContent = "正在上传… " + percent + "%" + (total ? "（" + size(loaded) + " / " + size(total) + "）" : "");
    }

    function checking() {
      bar.style.width = "100%";
      bar.classList.add("progress-bar-striped", "progress-bar-animated");
      meter.removeAttribute("aria-valuenow"); // indeterminate
      label.textContent = "正在检查文件…";
    }

    function failed(message) {
      box.hidden = true;
      failure.textContent = message;
      failure.hidden = false;
      setControls(false);
    }

    function showPage(html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      if (!page.body || page.body.children.length === 0) {
        failed("服务器出错（状态 " + xhr.status + "），未导入任何数据：请稍后重试。");
        return;
      }
      if (page.title) {
        document.title = page.title;
      }
      document.documentElement.replaceChild(document.adoptNode(page.body), document.body);
      window.scrollTo(0, 0);
      init(); // the page shown may be the form again (with its error)
    }

    // The previous answer's complaints no longer apply to this file.
    var stale = form.querySelectorAll(".is-invalid, .invalid-feedback");
    for (var i = 0; i < stale.length; i++) {
      if (stale[i].classList.contains("invalid-feedback")) {
        stale[i].remove();
      } else {
        stale[i].classList.remove("is-invalid");
      }
    }
    failure.hidden = true;
    bar.classList.remove("progress-bar-striped", "progress-bar-animated");
    box.hidden = false;
    uploading(0, 0);
    setControls(true);

    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        uploading(event.loaded, event.total);
      }
    });
    xhr.upload.addEventListener("load", checking);
    xhr.addEventListener("load", function () {
      var redirected = xhr.responseURL && withoutHash(xhr.responseURL) !== withoutHash(url);
      if (redirected && xhr.status < 400) {
        label.textContent = "检查完成，正在打开预览…";
        window.location.assign(xhr.responseURL);
      } else {
        showPage(xhr.responseText);
      }
    });
    xhr.addEventListener("error", function () {
      failed("上传失败：网络连接中断，未导入任何数据。请检查网络后重新上传。");
    });
    xhr.addEventListener("abort", function () {
      failed("上传已取消，未导入任何数据。");
    });

    xhr.open("POST", url);
    xhr.setRequestHeader(HEADER, "1");
    xhr.send(data);
  }

  init();
})();
