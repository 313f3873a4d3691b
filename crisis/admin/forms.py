"""Admin forms of the crisis plans (French labels; the services do the validation that
matters, and their errors are shown on the field they name)."""

from __future__ import annotations

from django import forms

from crisis.vocab import Eligibility, EndReason, Level, NeedAction, Plan, RequestedBy
from hub.registry.models import Sex

# Service error field → form field.
PERSON_FIELDS = {
    "person.birth_name": "birth_name",
    "person.usage_name": "usage_name",
    "person.first_names": "first_names",
    "person.sex": "sex",
    "person.birth_date": "birth_date",
    "person.phone": "phone",
    "person.email": "email",
    "person.address.line": "address_line",
    "person.address.postcode": "postcode",
    "person.address.city": "city",
    "third_party.name": "third_party_name",
    "emergency_contact.name": "contact_name",
    "emergency_contact.phone": "contact_phone",
}


class RegistrationForm(forms.Form):
    birth_name = forms.CharField(label="Nom de naissance", max_length=200)
    usage_name = forms.CharField(label="Nom d'usage", max_length=200, required=False)
    first_names = forms.CharField(label="Prénoms", max_length=200)
    sex = forms.ChoiceField(label="Sexe", choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(
        label="Date de naissance (JJ/MM/AAAA)", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    phone = forms.CharField(label="Téléphone", max_length=40, required=False)
    email = forms.EmailField(label="Courriel", required=False)
    address_line = forms.CharField(label="Adresse", max_length=300)
    postcode = forms.CharField(label="Code postal", max_length=10)
    city = forms.CharField(label="Commune", max_length=200)
    category = forms.ChoiceField(label="Catégorie", choices=Eligibility.choices)
    requested_by = forms.ChoiceField(label="Origine de la demande", choices=RequestedBy.choices)
    third_party_name = forms.CharField(label="Tiers demandeur", max_length=200, required=False)
    third_party_contact = forms.CharField(
        label="Coordonnées du tiers", max_length=254, required=False
    )
    third_party_relation = forms.CharField(label="Lien du tiers", max_length=100, required=False)
    transmitted_by = forms.CharField(
        label="Transmis par (département, CARSAT)", max_length=200, required=False
    )
    lives_alone = forms.BooleanField(label="Vit seul·e", required=False)
    home_care_service = forms.CharField(
        label="Service d'aide ou de soins à domicile", max_length=200, required=False
    )
    contact_name = forms.CharField(label="Personne à prévenir", max_length=200, required=False)
    contact_phone = forms.CharField(
        label="Téléphone de la personne à prévenir", max_length=40, required=False
    )
    contact_relation = forms.CharField(label="Lien", max_length=100, required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        person = {
            key: data[key]
            for key in ("birth_name", "usage_name", "first_names", "sex", "phone", "email")
            if data.get(key)
        }
        person["birth_date"] = data["birth_date"].isoformat()
        person["address"] = {
            "line": data["address_line"],
            "postcode": data["postcode"],
            "city": data["city"],
        }
        third = {
            "name": data["third_party_name"],
            "contact": data["third_party_contact"],
            "relation": data["third_party_relation"],
        }
        contact = {
            "name": data["contact_name"],
            "phone": data["contact_phone"],
            "relation": data["contact_relation"],
        }
        return {
            "person": person,
            "category": data["category"],
            "requested_by": data["requested_by"],
            "lives_alone": data["lives_alone"],
            "home_care_service": data["home_care_service"],
            "emergency_contact": contact if any(contact.values()) else None,
            "third_party": third if any(third.values()) else None,
            "transmitted_by": data["transmitted_by"],
        }

    def add_service_errors(self, errors: list[dict]) -> None:
        for error in errors:
            name = PERSON_FIELDS.get(error["field"])
            self.add_error(name if name in self.fields else None, error["message"])


class EndForm(forms.Form):
    reason = forms.ChoiceField(label="Motif de fin", choices=EndReason.choices)


class ActivationForm(forms.Form):
    plan = forms.ChoiceField(label="Plan", choices=Plan.choices)
    level = forms.ChoiceField(label="Niveau", choices=Level.choices)
    reason = forms.CharField(label="Motif du déclenchement", max_length=500, widget=forms.Textarea)


class CloseForm(forms.Form):
    reason = forms.CharField(label="Motif de la clôture", max_length=500)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Résultat", widget=forms.RadioSelect)
    need_action = forms.ChoiceField(
        label="Action à engager (si besoin signalé)",
        choices=[("", "—"), *NeedAction.choices],
        required=False,
    )

    def __init__(self, *args, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o.value, o.label) for o in outcomes]
