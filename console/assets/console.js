// Latchkey admin console: niceties on top of pages that work without
// JavaScript. No inline script, nothing from other sites.
(function () {
  "use strict";

  // Live pages ([data-live] on <main>) fetch themselves again every two
  // seconds and swap in the new <main> until it is no longer live: the
  // progress of an export or a bulk action, without reloading.
  function live() {
    var main = document.querySelector("main[data-live]");
    if (!main) return;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.querySelector("main");
          if (!next) return;
          main.replaceWith(document.importNode(next, true));
          wire(document);
          live();
        })
        .catch(function () { setTimeout(live, 5000); });
    }, 2000);
  }

  // Counts the People page came without ([data-counts-url]: they took
  // longer than it waits) are fetched and filled in where the page has
  // [data-count-for=status].
  function counts(root) {
    var holder = root.querySelector("[data-counts-url]");
    if (!holder) return;
    root.querySelectorAll("[data-hide-with-script]").forEach(function (el) { el.hidden = true; });
    fetch(holder.getAttribute("data-counts-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        root.querySelectorAll("[data-count-for]").forEach(function (el) {
          var v = data[el.getAttribute("data-count-for")];
          if (v !== undefined) el.textContent = v;
        });
      })
      .catch(function () {
        root.querySelectorAll("[data-hide-with-script]").forEach(function (el) { el.hidden = false; });
      });
  }

  function wire(root) {
    counts(root);
    // Copy buttons: <button data-copy="text"> copies text and says so.
    root.querySelectorAll("[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function (ev) {
        ev.preventDefault();
        navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
          var was = b.textContent;
          b.textContent = "Copied";
          setTimeout(function () { b.textContent = was; }, 1500);
        });
      });
    });
    // Select all: <input type=checkbox data-select-all="name"> checks
    // every checkbox of that name.
    root.querySelectorAll("[data-select-all]").forEach(function (all) {
      var name = all.getAttribute("data-select-all");
      all.hidden = false;
      all.addEventListener("change", function () {
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = all.checked; });
      });
    });
    // Confirmations: <form data-confirm="Deactivate Ada?"> asks first.
    root.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (ev) {
        if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
    // Filters that apply on change: <select data-autosubmit>.
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.form) el.form.requestSubmit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    live();
  });
})();
