"""The person's fields shared by the portal's forms, each with its French label, its error
messages and its "Pourquoi nous le demandons" (``help_text``), in plain words."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.rendering import AccessibleForm

NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f]*[^\W\d_][^\x00-\x1f\x7f-\x9f]*$")
PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{5,19}$")
POSTCODE = re.compile(r"^[0-9]{5}$")
DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def required(message: str) -> dict:
    return {"required": message}


def text(label: str, why: str, *, missing: str | None = None, max_length: int = 200, **kw):
    """A one-line text field: required when ``missing`` (the message if left empty) is given."""
    messages = {"max_length": f"{max_length} caractères au plus."}
    if missing:
        messages["required"] = missing
    return forms.CharField(
        label=label,
        help_text=why,
        required=bool(missing),
        max_length=max_length,
        error_messages=messages,
        **kw,
    )


def single_line(value: str, message: str) -> str:
    if CONTROL.search(value or ""):
        raise ValidationError(message)
    return value


def clean_name(value: str, message: str) -> str:
    value = single_line(value.strip(), message)
    if value and not NAME.match(value):
        raise ValidationError(message)
    return value


def clean_phone(value: str) -> str:
    value = value.strip()
    if value and not PHONE.match(value):
        raise ValidationError(
            "Indiquez un numéro de téléphone en chiffres, par exemple 06 12 34 56 78."
        )
    return value


def clean_postcode(value: str) -> str:
    value = value.strip().replace(" ", "")
    if value and not POSTCODE.match(value):
        raise ValidationError("Le code postal a 5 chiffres, par exemple 69100.")
    return value


def clean_birth_date(value: str) -> str:
    """JJ/MM/AAAA (or with dots, dashes or spaces) → the record's ISO date."""
    match = DATE.match(value or "")
    message = "Indiquez la date de naissance sous la forme jour/mois/année, par exemple 31/12/1950."
    if not match:
        raise ValidationError(message)
    day, month, year = (int(part) for part in match.groups())
    try:
        born = dt.date(year, month, day)
    except ValueError:
        raise ValidationError("Cette date n'existe pas : vérifiez le jour et le mois.") from None
    if born > timezone.localdate():
        raise ValidationError("La date de naissance ne peut pas être dans le futur.")
    if born.year < 1880:
        raise ValidationError("Vérifiez l'année de naissance.")
    return born.isoformat()


class PersonFields(AccessibleForm):
    """Who the request is about (the record body: names, birth date, address, phone, e-mail)."""

    first_names = text(
        "Prénom",
        "Pour savoir à qui nous parlons. Vous pouvez écrire plusieurs prénoms.",
        missing="Indiquez le prénom.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    birth_name = text(
        "Nom de famille",
        "Le nom de naissance, pour ne pas confondre deux personnes.",
        missing="Indiquez le nom de famille.",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    usage_name = text(
        "Nom d'usage (nom d'époux ou d'épouse)",
        "Si la personne est connue sous un autre nom, pour la retrouver plus facilement.",
    )
    birth_date = forms.CharField(
        label="Date de naissance",
        help_text="Pour ne pas confondre deux personnes du même nom. Exemple : 31/12/1950.",
        max_length=20,
        error_messages=required("Indiquez la date de naissance, par exemple 31/12/1950."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "bday"}),
    )
    address_line = text(
        "Adresse (numéro et rue)",
        "Pour savoir où se trouve la personne si un agent doit se déplacer.",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = text(
        "Code postal",
        "Pour adresser la demande au bon service de votre commune.",
        missing="Indiquez le code postal, par exemple 69100.",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    city = text(
        "Commune",
        "Pour adresser la demande au bon service.",
        missing="Indiquez la commune.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone = text(
        "Téléphone",
        "Pour vous rappeler. Il ne sert qu'à cette demande.",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        help_text="Pour vous envoyer le numéro de votre demande et le lien pour retirer votre accord.",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Indiquez une adresse e-mail valide, par exemple nom@exemple.fr.",
            "max_length": "254 caractères au plus.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    PERSON_FIELDS = (
        "first_names",
        "birth_name",
        "usage_name",
        "birth_date",
        "address_line",
        "postcode",
        "city",
        "phone",
        "email",
    )

    def clean_first_names(self):
        return clean_name(self.cleaned_data["first_names"], "Le prénom doit contenir des lettres.")

    def clean_birth_name(self):
        return clean_name(self.cleaned_data["birth_name"], "Le nom doit contenir des lettres.")

    def clean_usage_name(self):
        return clean_name(
            self.cleaned_data["usage_name"], "Le nom d'usage doit contenir des lettres."
        )

    def clean_birth_date(self):
        return clean_birth_date(self.cleaned_data["birth_date"])

    def clean_address_line(self):
        return single_line(
            self.cleaned_data["address_line"].strip(), "Écrivez l'adresse sur une ligne."
        )

    def clean_city(self):
        return single_line(self.cleaned_data["city"].strip(), "Écrivez la commune sur une ligne.")

    def clean_postcode(self):
        return clean_postcode(self.cleaned_data["postcode"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def person(self) -> dict:
        """The record body (schemas/beneficiary-record.v1) of the person, empty values left out."""
        data = self.cleaned_data
        person = {
            key: data[key]
            for key in ("first_names", "birth_name", "usage_name", "birth_date", "phone", "email")
            if data.get(key)
        }
        address = {
            key: data[name]
            for key, name in (("line", "address_line"), ("postcode", "postcode"), ("city", "city"))
            if data.get(name)
        }
        if address:
            person["address"] = address
        return person
