// The admin's select2 autocompletes (person pickers, autocomplete_fields) draw a combobox named
// only by the text of the current choice (empty before one is made): name it after the label
// of the <select> it stands for, then the choice.
"use strict";
{
  const name = () => {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = select.id && document.querySelector(`label[for="${select.id}"]`);
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (!label || !box || box.dataset.named) return;
      label.id = label.id || `${select.id}-label`;
      const choice = box.getAttribute("aria-labelledby");
      box.setAttribute("aria-labelledby", choice ? `${label.id} ${choice}` : label.id);
      box.dataset.named = "1";
    });
  };
  // autocomplete.js draws the comboboxes when the document is ready (jQuery), then this runs.
  window.addEventListener("load", name);
  document.addEventListener("formset:added", () => window.setTimeout(name));
}
