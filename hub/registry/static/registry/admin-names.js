// Accessible names that Django's admin widgets leave out (axe: aria-input-field-name, link-name):
// - the select2 autocompletes (person pickers, autocomplete_fields) draw a combobox named only
//   by the current choice (empty before one is made): named after the <select>'s label too;
// - the date and time shortcuts' calendar and clock links hold only an icon with a title;
// - the two inputs of a split date and time have bare text ("Date :", "Heure :"), no label.
"use strict";
{
  const nameComboboxes = () => {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = select.id && document.querySelector(`label[for="${select.id}"]`);
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (!label || !box || box.dataset.named) return;
      label.id = label.id || `${select.id}-label`;
      const choice = box.getAttribute("aria-labelledby");
      box.setAttribute("aria-labelledby", choice ? `${label.id} ${choice}` : label.id);
      const rendered = choice && document.getElementById(choice);
      if (rendered) rendered.setAttribute("aria-label", label.textContent.trim());
      box.dataset.named = "1";
    });
  };
  const nameSplitDateTimes = () => {
    // "Date :" and "Heure :" are bare text before each input of a split date and time.
    document.querySelectorAll("p.datetime input").forEach((input) => {
      const text = input.previousSibling && input.previousSibling.textContent;
      const row = input.closest(".form-row");
      const field = row && row.querySelector("label");
      if (text && text.trim() && !input.hasAttribute("aria-label")) {
        const part = text.replace(/[\s:]+$/, "").trim();
        const name = field ? field.textContent.replace(/[\s:]+$/, "").trim() : "";
        input.setAttribute("aria-label", name ? `${name} (${part.toLowerCase()})` : part);
      }
    });
  };
  const nameShortcuts = () => {
    document.querySelectorAll("a[id^=calendarlink], a[id^=clocklink]").forEach((link) => {
      const icon = link.querySelector("[title]");
      if (icon && !link.textContent.trim() && !link.hasAttribute("aria-label")) {
        link.setAttribute("aria-label", icon.title);
      }
    });
  };
  // autocomplete.js draws the comboboxes in a jQuery ready handler (run asynchronously, maybe
  // after the load event): a ready handler registered after its own runs after it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(nameComboboxes);
  }
  // DateTimeShortcuts.js draws its links on the load event, from a listener added before this.
  window.addEventListener("load", nameShortcuts);
  document.addEventListener("DOMContentLoaded", nameSplitDateTimes);
  document.addEventListener("formset:added", () =>
    window.setTimeout(() => {
      nameComboboxes();
      nameShortcuts();
    }),
  );
}
