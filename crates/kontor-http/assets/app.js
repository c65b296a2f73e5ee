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

// Documents: drop files on the upload form and watch the upload progress.
// Without this script the form uploads the chosen files the usual way.
(function () {
  var form = document.getElementById("document-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = document.getElementById("files");
  var bar = document.getElementById("upload-progress");
  var label = document.getElementById("upload-progress-text");
  function send(files) {
    var data = new FormData();
    data.append("csrf", form.querySelector("input[name=csrf]").value);
    for (var i = 0; i < files.length; i++) data.append("file", files[i], files[i].name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round(e.loaded * 100 / e.total);
      bar.value = pct;
      label.textContent = pct + " %";
    });
    xhr.addEventListener("load", function () {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () { label.textContent = "✗"; bar.hidden = true; });
    xhr.send(data);
  }
  form.addEventListener("submit", function (e) {
    if (!input.files || !input.files.length) return;
    e.preventDefault();
    send(input.files);
  });
  ["dragenter", "dragover"].forEach(function (ev) {
    form.addEventListener(ev, function (e) { e.preventDefault(); form.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    form.addEventListener(ev, function (e) { e.preventDefault(); form.classList.remove("dragover"); });
  });
  form.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) send(e.dataTransfer.files);
  });
})();

// Document lists: j/k or arrow keys move the selection, Enter opens it.
(function () {
  var table = document.querySelector("table[data-rows=doc]");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]"));
  if (!rows.length) return;
  var at = -1;
  function select(i) {
    if (at >= 0) rows[at].classList.remove("selected");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j" || e.key === "ArrowDown") { select(at + 1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "ArrowUp") { select(at - 1); e.preventDefault(); }
    else if (e.key === "Enter" && at >= 0) { window.location = rows[at].getAttribute("data-href"); }
  });
  if (table.id === "doc-inbox" || table.id === "task-inbox") select(0);
})();

// Document view: Ctrl+Enter (or Cmd+Enter) confirms and moves to the next.
(function () {
  var form = document.getElementById("doc-confirm");
  if (!form) return;
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.submit(); }
  });
})();

// Task page: a approves (and opens the next), r moves to the reason for
// rejecting, Ctrl+Enter confirms a review.
(function () {
  var approve = document.getElementById("task-approve");
  var reject = document.getElementById("task-reject");
  var review = document.getElementById("task-review");
  if (!approve && !review) return;
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (review && e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); review.requestSubmit ? review.querySelector("button[value=confirmed]").click() : review.submit(); return; }
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (approve && e.key === "a") { e.preventDefault(); approve.submit(); }
    else if (reject && e.key === "r") { e.preventDefault(); var f = reject.querySelector("input[name=comment]"); if (f) f.focus(); }
  });
})();

// Task inbox: live updates by server-sent events.
(function () {
  var el = document.querySelector("[data-live]");
  if (!el || !window.EventSource) return;
  var src = new EventSource(el.getAttribute("data-live"));
  var seen = false;
  src.addEventListener("tasks", function (e) {
    if (!seen) { seen = true; return; }
    var active = document.activeElement && document.activeElement.tagName;
    if (active === "INPUT" || active === "TEXTAREA") { el.textContent = e.data + " …"; return; }
    window.location.reload();
  });
})();

// Bank matching: j/k or arrow keys select a line, a accepts kontor's
// suggestion for it (the line's own form, so nothing else is booked).
(function () {
  var table = document.querySelector("table[data-rows=bank]");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-line]"));
  if (!rows.length) return;
  var at = -1;
  function select(i) {
    if (at >= 0) rows[at].classList.remove("selected");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j" || e.key === "ArrowDown") { select(at + 1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "ArrowUp") { select(at - 1); e.preventDefault(); }
    else if (e.key === "a" && at >= 0) {
      var f = rows[at].querySelector("form.accept");
      if (f) { e.preventDefault(); f.submit(); }
    }
  });
  select(0);
})();
