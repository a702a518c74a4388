// Haat dashboard: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // "Copy link": shown only where the clipboard API works. The link also stays in a
  // visible text field, selected on tap, for copying by hand.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          button.textContent = "Copied!";
          setTimeout(function () { button.textContent = label; }, 2000);
        },
        function () {
          field.focus();
          field.select();
        }
      );
    });
  });

  document.querySelectorAll("[data-select-all]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  // A photo can take a while on a slow connection: say so, and stop a second tap.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    var button = form.querySelector("button[type=submit]");
    if (!button) {
      return;
    }
    var label = button.textContent;
    form.addEventListener("submit", function () {
      setTimeout(function () {
        button.disabled = true;
        button.textContent = form.getAttribute("data-busy");
      }, 0);
    });
    // Coming back with the Back button shows the page as it was left.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = label;
    });
  });
})();
