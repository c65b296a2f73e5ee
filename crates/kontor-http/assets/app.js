// kontor: small progressive enhancements. Every action works without this file.
(function () {
  "use strict";
  // Submit the company switcher as soon as a company is chosen.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { if (sel.form) sel.form.submit(); });
    var btn = sel.form && sel.form.querySelector("button[data-autosubmit-button]");
    if (btn) btn.hidden = true;
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault(); });
  });
})();
