// Partner names on the practice form: suggest known organisations while typing (a progressive enhancement;
// without JavaScript the name is simply typed). Fills the shared <datalist> from the JSON endpoint named in
// each input's data-suggest, and when a typed name matches exactly one suggestion, picks its kind as well.
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var list = document.getElementById("organisation-suggestions");
  if (!list || list.hasAttribute("data-ready")) {
    return;
  }
  list.setAttribute("data-ready", "");
  var latest = [];
  var timer = null;

  function kindSelect(input) {
    var row = input.closest(".partner-row");
    return row ? row.querySelector("select") : null;
  }

  function fill(items) {
    latest = items;
    list.textContent = "";
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.name;
      option.label = item.name + " (" + item.kind_label + ")";
      list.appendChild(option);
    });
  }

  function pickKind(input) {
    var name = input.value.trim().toLowerCase();
    var same = latest.filter(function (item) {
      return item.name.toLowerCase() === name;
    });
    var select = kindSelect(input);
    if (same.length === 1 && select && !select.value) {
      select.value = same[0].kind;
    }
  }

  function suggest(input) {
    var text = input.value.trim();
    if (text.length < 2) {
      fill([]);
      return;
    }
    var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { organisations: [] };
      })
      .then(function (data) {
        fill(data.organisations || []);
        pickKind(input);
      })
      .catch(function () {
        fill([]);
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-suggest]")) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () {
      suggest(input);
    }, 200);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-suggest]")) {
      pickKind(event.target);
    }
  });
})();
