// Behaviour Flask-Admin's templates used to write as inline handlers, which the CSP forbids.

// Confirmation before destructive buttons.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// "With selected" menu of a list: Flask-Admin's actions.js checks the selection, asks for the
// action's confirmation and posts the action form.
document.addEventListener("click", function (event) {
  var item = event.target.closest("[data-action]");
  if (item && window.modelActions) {
    event.preventDefault();
    window.modelActions.execute(item.getAttribute("data-action"));
  }
});

// "Add filter" menu: filters.js adds the filter row; the "#" link must not move the page.
document.addEventListener("click", function (event) {
  if (event.target.closest(".field-filters a.filter")) {
    event.preventDefault();
  }
});

// "Add …" under a list of sub-records (a provider's lots, a briefing's award criteria).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-inline-add]");
  if (button && window.faForm) {
    event.preventDefault();
    window.faForm.addInlineField(button, button.getAttribute("data-inline-add"));
    // form.js renumbers the new row's fields but not their labels: point each label at its field again.
    var rows = button.closest(".inline-field").querySelectorAll(":scope > .inline-field-list > .inline-field");
    var row = rows[rows.length - 1];
    if (row) {
      row.querySelectorAll("label[for]").forEach(function (label) {
        var id = row.id + "-" + label.getAttribute("for");
        if (document.getElementById(id)) {
          label.setAttribute("for", id);
        }
      });
    }
  }
});

// Links that act as buttons answer the space bar too, as buttons do.
document.addEventListener("keydown", function (event) {
  var link = event.target.closest && event.target.closest('a[role="button"]');
  // Bootstrap already handles the space bar on its menu toggles (and marks the event).
  if (link && !event.defaultPrevented && (event.key === " " || event.key === "Spacebar")) {
    event.preventDefault();
    link.click();
  }
});

// Select2 draws an empty "×" link to remove a chosen value: give it a name screen readers can say.
(function () {
  var label = document.body.getAttribute("data-remove-label");
  if (!label || !window.MutationObserver) {
    return;
  }
  function name(root) {
    root.querySelectorAll(".select2-search-choice-close:not([aria-label])").forEach(function (link) {
      link.setAttribute("aria-label", label);
      link.setAttribute("title", label);
    });
  }
  name(document);
  new MutationObserver(function () { name(document); }).observe(document.body, { childList: true, subtree: true });
})();

// Texts with a limit (data-max-length): a counter under the field, "4 980 / 5 000", marked when over.
// Nothing is cut: the save is refused with a message naming the field (the schema's limit).
(function () {
  var template = document.body.getAttribute("data-counter-template");
  var over = document.body.getAttribute("data-counter-over");
  if (!template) {
    return;
  }
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function attach(field) {
    if (field.hasAttribute("data-counter-ready")) {
      return;
    }
    field.setAttribute("data-counter-ready", "");
    var limit = parseInt(field.getAttribute("data-max-length"), 10);
    var counter = document.createElement("small");
    counter.className = "form-text text-muted text-counter";
    counter.id = field.id + "-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var length = field.value.length;
      counter.textContent = template.replace("%(count)s", number.format(length)).replace("%(max)s", number.format(limit)) +
        (length > limit ? " " + over : "");
      counter.classList.toggle("text-danger", length > limit);
      counter.classList.toggle("text-muted", length <= limit);
    }
    field.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-max-length]").forEach(attach);
})();

// File fields: our "Choose a file" button (a label) and the chosen file's name, in the page's language.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.classList || !input.classList.contains("file-input")) {
    return;
  }
  var name = document.getElementById(input.id + "-name");
  if (name && input.files && input.files.length) {
    name.textContent = input.files[0].name;
  }
});
