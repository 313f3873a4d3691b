// The admin's select2 autocompletes (person pickers, autocomplete_fields) draw a combobox that
// has no accessible name: name it after the label of the <select> it stands for.
"use strict";
{
  const name = () => {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = select.id && document.querySelector(`label[for="${select.id}"]`);
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (label && box && !box.hasAttribute("aria-label")) {
        box.setAttribute("aria-label", label.textContent.replace(/\s*:\s*$/, "").trim());
      }
    });
  };
  // autocomplete.js draws the comboboxes when the document is ready (jQuery), then this runs.
  window.addEventListener("load", name);
  document.addEventListener("formset:added", () => window.setTimeout(name));
}
