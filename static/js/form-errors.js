// After a failed form post, move focus to the error summary at the top (templates/_macros/forms.html
// `form_errors`), so keyboard and screen reader users start at what to fix; its links then focus the field.
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function focusField(link, event) {
    var id = decodeURIComponent(link.hash.slice(1));
    var input = document.getElementById(id);
    if (!input) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector('label[for="' + id + '"]') || input.closest("fieldset") || input;
    label.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  }

  function init() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary || summary.hasAttribute("data-focused")) {
      return; // a page with two failed forms loads the script twice: act once
    }
    summary.setAttribute("data-focused", "");
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link) {
        focusField(link, event);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
