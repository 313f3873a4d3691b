// Accessible names that Django's admin widgets leave out (axe: aria-input-field-name, link-name):
// - the select2 autocompletes (person pickers, autocomplete_fields) draw a combobox named only
//   by the current choice (empty before one is made): named after the <select>'s label too;
// - the date and time shortcuts' calendar and clock links hold only an icon with a title.
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
      box.dataset.named = "1";
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
  document.addEventListener("formset:added", () =>
    window.setTimeout(() => {
      nameComboboxes();
      nameShortcuts();
    }),
  );
}
