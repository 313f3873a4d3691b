"""How a portal form shows itself accessibly: DSFR classes, every input described by its
"Pourquoi nous le demandons" and its error (aria-describedby), invalid fields marked, and a
summary of the errors at the top linking to each field."""

from __future__ import annotations

from django import forms

CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


class AccessibleForm(forms.Form):
    def is_group(self, name: str) -> bool:
        return isinstance(self.fields[name].widget, CHOICE_WIDGETS)

    def describe(self) -> None:
        """Set the widgets' attributes from the help texts and the errors (call before render)."""
        for name, field in self.fields.items():
            bound = self[name]
            widget = field.widget
            if isinstance(widget, CHOICE_WIDGETS):
                if self.has_error(name):
                    widget.attrs["aria-describedby"] = f"{bound.auto_id}-error"
                continue
            ids = [f"{bound.auto_id}-hint"] if field.help_text else []
            css = "fr-select" if isinstance(widget, forms.Select) else "fr-input"
            if self.has_error(name):
                ids.append(f"{bound.auto_id}-error")
                widget.attrs["aria-invalid"] = "true"
                css += f" {css}--error"
            widget.attrs["class"] = css
            if ids:
                widget.attrs["aria-describedby"] = " ".join(ids)

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, field label, message) of every error, in the order of the page."""
        summary = [("contenu-formulaire", "", message) for message in self.non_field_errors()]
        for name in self.fields:
            if not self.has_error(name):
                continue
            bound = self[name]
            anchor = f"{bound.auto_id}_0" if self.is_group(name) else bound.auto_id
            for message in self.errors[name]:
                summary.append((anchor, str(bound.label), message))
        return summary
