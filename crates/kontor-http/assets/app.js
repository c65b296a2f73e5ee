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

// Finance entry mask: show the VAT split of the amount for the chosen tax
// code while typing (the server computes the booking; this is a preview).
(function () {
  var form = document.getElementById("entry-mask");
  if (!form) return;
  var amount = document.getElementById("entry-amount");
  var tax = document.getElementById("entry-tax");
  var out = document.getElementById("entry-split");
  function cents(text) {
    var t = text.trim().replace(/\s/g, "");
    if (/,\d{1,2}$/.test(t)) t = t.replace(/\./g, "").replace(",", ".");
    else t = t.replace(/,/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
    var parts = t.split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }
  function show(c) {
    var s = (Math.abs(c) / 100).toFixed(2);
    return out.dataset.lang === "de" ? s.replace(".", ",") : s;
  }
  function update() {
    var c = cents(amount.value);
    var opt = tax.options[tax.selectedIndex];
    var rate = opt ? parseInt(opt.dataset.rate || "0", 10) : 0;
    if (c === null || !rate) { out.textContent = ""; return; }
    var net, vat;
    if (opt.dataset.net === "1") { net = c; vat = Math.round(c * rate / 100); }
    else { vat = Math.round(c * rate / (100 + rate)); net = c - vat; }
    out.textContent = out.dataset.template.replace("{net}", show(net)).replace("{tax}", show(vat));
  }
  amount.addEventListener("input", update);
  tax.addEventListener("change", update);
  update();
})();
