"""The portal's two forms: a registration in a commune's crisis register, a request for help.

Each is one page of short fieldsets (no step kept in the session: nothing the person typed is
stored anywhere before they send it). Every field has a label, a visible "Pourquoi nous le
demandons" (its ``help_text``) and French error messages; consents are one checkbox per purpose,
never ticked in advance. A hidden honeypot field catches robots.
"""

from __future__ import annotations

from django import forms

from portal import services
from portal.fields import PersonFields, clean_name, clean_phone, required, text
from portal.vocab import CATEGORY_LABELS, CONTACT_CHOICES, NEEDS, PERSON_MAPPING

HONEYPOT = "site_web"


class PortalForm(PersonFields):
    """Person fields, consents per purpose and the honeypot; ``kind`` names the purposes."""

    kind = ""
    # Purposes that are the request itself (the register's entry): their box must be ticked.
    required_purposes: frozenset = frozenset()
    consent_legend = "Cochez ce que vous acceptez"
    consent_hint = (
        "Chaque accord est facultatif : cochez seulement ce que vous acceptez. Si vous ne cochez "
        "rien, votre demande est quand même envoyée, et rien d'autre n'est fait de vos "
        "informations. Vous pourrez retirer un accord à tout moment avec le lien que nous vous "
        "donnerons."
    )
    site_web = forms.CharField(label="Laissez ce champ vide", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose_notices = {}
        choices = []
        for code, label, notice in services.purposes(self.kind):
            choices.append((code, label))
            self.purpose_notices[code] = notice
        self.fields["purposes"] = forms.MultipleChoiceField(
            label=self.consent_legend,
            help_text=self.consent_hint,
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Cet accord n'existe pas : cochez ceux de la liste."},
        )
        self.fields[HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def is_robot(self) -> bool:
        """The honeypot was filled: the page answers as if all went well, nothing is sent."""
        return bool(self.data.get(HONEYPOT))

    def address_keys(self) -> list[str]:
        """The e-mail and phone the request would reach (the per-address rate limit's keys)."""
        data = self.cleaned_data
        return [value.lower() for value in (data.get("email"), data.get("phone")) if value]

    def consent_choices(self):
        """(checkbox, notice, is the request itself) for the template."""
        return [
            (
                box,
                self.purpose_notices.get(box.data["value"], ""),
                box.data["value"] in self.required_purposes,
            )
            for box in self["purposes"]
        ]

    def clean_purposes(self):
        chosen = self.cleaned_data["purposes"]
        offered = {code for code, _ in self.fields["purposes"].choices}
        if (self.required_purposes & offered) - set(chosen):
            raise forms.ValidationError(
                "Cochez la case « Je demande l'inscription » après avoir lu l'information : "
                "sans elle, la mairie ne peut pas inscrire la personne."
            )
        return chosen

    def add_service_errors(self, errors: list[dict], mapping: dict[str, str]) -> None:
        """Put the service's ``{field, message}`` errors next to the fields they name."""
        for error in errors:
            name = mapping.get(error.get("field") or "")
            message = error.get("message") or "Vérifiez cette information."
            if name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, message)


class HelpRequestForm(PortalForm):
    kind = "help"
    title = "Demander de l'aide ou un rendez-vous"

    organization = forms.ChoiceField(
        label="À quel service voulez-vous vous adresser ?",
        help_text="Pour envoyer votre demande au bon service. Si vous ne savez pas, choisissez le CCAS de votre commune.",
        error_messages={
            **required("Choisissez le service à qui envoyer votre demande."),
            "invalid_choice": "Choisissez un service de la liste.",
        },
    )
    need = forms.ChoiceField(
        label="De quoi avez-vous besoin ?",
        help_text="Pour que la bonne personne vous réponde.",
        choices=NEEDS,
        widget=forms.RadioSelect,
        error_messages={
            **required("Choisissez ce dont vous avez besoin."),
            "invalid_choice": "Choisissez un besoin de la liste.",
        },
    )
    situation = forms.CharField(
        label="Votre situation en quelques mots",
        help_text="Pour préparer notre réponse. Écrivez seulement ce qui est utile, sans détail de santé.",
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            **required("Décrivez votre situation en quelques mots."),
            "max_length": "1 500 caractères au plus.",
        },
    )
    preferred_contact = forms.ChoiceField(
        label="Comment préférez-vous être contacté ?",
        help_text="Pour vous joindre de la façon qui vous convient.",
        choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            **required("Choisissez comment vous préférez être contacté."),
            "invalid_choice": "Choisissez une façon d'être contacté dans la liste.",
        },
    )
    availability = text(
        "Quand êtes-vous disponible ?",
        "Pour vous appeler ou vous donner un rendez-vous au bon moment. Exemple : le matin, le mardi.",
        missing="Dites-nous quand vous êtes disponible, par exemple « le matin ».",
        max_length=300,
    )

    field_order = [
        "organization",
        "need",
        "situation",
        *PersonFields.PERSON_FIELDS,
        "preferred_contact",
        "availability",
        "purposes",
    ]
    mapping = {
        **PERSON_MAPPING,
        "organization_id": "organization",
        "need": "need",
        "situation": "situation",
        "contact": "preferred_contact",
        "contact.phone": "phone",
        "contact.email": "email",
        "availability": "availability",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "Choisissez un service")] + (
            services.help_organizations()
        )

    def clean_situation(self):
        return self.cleaned_data["situation"].strip()

    def clean(self):
        data = super().clean()
        how = data.get("preferred_contact")
        if how == "phone" and not data.get("phone") and "phone" not in self.errors:
            self.add_error(
                "phone", "Indiquez votre téléphone pour que nous puissions vous appeler."
            )
        if how == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email", "Indiquez votre adresse e-mail pour que nous puissions vous écrire."
            )
        reachable = data.get("phone") or data.get("email")
        if not reachable and not (self.has_error("phone") or self.has_error("email")):
            self.add_error("phone", "Indiquez au moins un téléphone ou une adresse e-mail.")
        return data

    def contact(self) -> dict:
        data = self.cleaned_data
        contact = {"preferred": data["preferred_contact"]}
        contact.update({key: data[key] for key in ("phone", "email") if data.get(key)})
        return contact


class RegistrationForm(PortalForm):
    kind = "crisis"
    title = "S'inscrire sur le registre canicule et grand froid"
    required_purposes = frozenset({"crisis_plan"})
    consent_legend = "Cochez la demande d'inscription"
    consent_hint = (
        "La première case est la demande d'inscription elle-même : elle est nécessaire. "
        "Lisez l'information qui l'accompagne avant de la cocher. La personne pourra demander "
        "à sortir du registre à tout moment, avec le lien que nous donnerons ou auprès de la "
        "mairie."
    )

    requested_by = forms.ChoiceField(
        label="Pour qui faites-vous cette inscription ?",
        help_text="La loi distingue une inscription par la personne elle-même et par un proche.",
        choices=[
            ("self", "Pour moi-même"),
            ("third_party", "Pour un proche ou un voisin"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            **required("Dites-nous pour qui vous faites cette inscription."),
            "invalid_choice": "Choisissez « Pour moi-même » ou « Pour un proche ou un voisin ».",
        },
    )
    commune = forms.ChoiceField(
        label="Commune où vit la personne",
        help_text="Chaque mairie tient son propre registre : nous envoyons l'inscription à la bonne mairie.",
        error_messages={
            **required("Choisissez la commune où vit la personne."),
            "invalid_choice": "Choisissez une commune de la liste.",
        },
    )
    category = forms.ChoiceField(
        label="Quelle situation correspond à la personne ?",
        help_text="La loi réserve le registre à ces situations. Aucun document n'est demandé ici.",
        choices=list(CATEGORY_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={
            **required("Choisissez la situation de la personne."),
            "invalid_choice": "Choisissez une situation de la liste.",
        },
    )
    lives_alone = forms.ChoiceField(
        label="La personne vit-elle seule ?",
        help_text="Pendant une canicule ou un grand froid, les personnes seules sont appelées en premier.",
        choices=[("yes", "Oui, elle vit seule"), ("no", "Non, elle ne vit pas seule")],
        widget=forms.RadioSelect,
        error_messages={
            **required("Dites-nous si la personne vit seule."),
            "invalid_choice": "Choisissez « Oui » ou « Non ».",
        },
    )
    emergency_name = text(
        "Nom d'une personne à prévenir",
        "Si la personne ne répond pas pendant l'alerte, nous appelons ce contact.",
    )
    emergency_phone = text(
        "Téléphone de la personne à prévenir",
        "Pour joindre ce contact en cas d'alerte.",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    requester_name = text(
        "Votre nom et prénom",
        "La loi demande de savoir qui fait l'inscription pour un proche.",
    )
    requester_relationship = text(
        "Votre lien avec la personne",
        "Par exemple : fille, voisin, aide à domicile. Pour que la mairie comprenne la demande.",
        max_length=100,
    )
    requester_phone = text(
        "Votre téléphone",
        "Pour que la mairie puisse vous joindre au sujet de cette inscription.",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    requester_email = forms.EmailField(
        label="Votre adresse e-mail",
        help_text="Pour vous envoyer le numéro de l'inscription et le lien pour retirer votre accord.",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Indiquez une adresse e-mail valide, par exemple nom@exemple.fr."
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = [
        "requested_by",
        "commune",
        "category",
        *PersonFields.PERSON_FIELDS,
        "lives_alone",
        "emergency_name",
        "emergency_phone",
        "requester_name",
        "requester_relationship",
        "requester_phone",
        "requester_email",
        "purposes",
    ]
    mapping = {
        **PERSON_MAPPING,
        "commune_insee": "commune",
        "category": "category",
        "requested_by": "requested_by",
        "lives_alone": "lives_alone",
        "emergency_contact.name": "emergency_name",
        "emergency_contact.phone": "emergency_phone",
        "requester.name": "requester_name",
        "requester.relation": "requester_relationship",
        "requester.phone": "requester_phone",
        "requester.email": "requester_email",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "Choisissez une commune")] + (
            services.register_communes()
        )
        self.fields[
            "phone"
        ].help_text = (
            "Pendant une canicule ou un grand froid, la mairie appelle la personne à ce numéro."
        )
        self.fields[
            "address_line"
        ].help_text = "Si la personne ne répond pas, un agent peut passer la voir à cette adresse."

    def clean_emergency_name(self):
        return clean_name(self.cleaned_data["emergency_name"], "Le nom doit contenir des lettres.")

    def clean_emergency_phone(self):
        return clean_phone(self.cleaned_data["emergency_phone"])

    def clean_requester_name(self):
        return clean_name(self.cleaned_data["requester_name"], "Le nom doit contenir des lettres.")

    def clean_requester_phone(self):
        return clean_phone(self.cleaned_data["requester_phone"])

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not self.has_error("phone"):
            self.add_error(
                "phone",
                "Indiquez le téléphone de la personne : la mairie l'appelle pendant l'alerte.",
            )
        if bool(data.get("emergency_name")) != bool(data.get("emergency_phone")):
            missing = "emergency_phone" if data.get("emergency_name") else "emergency_name"
            if not self.has_error(missing):
                self.add_error(
                    missing, "Indiquez le nom et le téléphone de la personne à prévenir."
                )
        if data.get("requested_by") == "third_party":
            if not data.get("requester_name") and not self.has_error("requester_name"):
                self.add_error(
                    "requester_name", "Indiquez votre nom : vous faites la demande pour un proche."
                )
            reachable = data.get("requester_phone") or data.get("requester_email")
            flagged = self.has_error("requester_phone") or self.has_error("requester_email")
            if not reachable and not flagged:
                self.add_error(
                    "requester_phone", "Indiquez votre téléphone ou votre adresse e-mail."
                )
        return data

    def requester(self) -> dict | None:
        data = self.cleaned_data
        if data["requested_by"] != "third_party":
            return None
        keys = (("name", "requester_name"), ("relation", "requester_relationship"))
        keys += (("phone", "requester_phone"), ("email", "requester_email"))
        return {key: data[name] for key, name in keys if data.get(name)}

    def emergency_contact(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("emergency_name"):
            return None
        return {"name": data["emergency_name"], "phone": data["emergency_phone"]}

    def address_keys(self) -> list[str]:
        data = self.cleaned_data
        extra = [data.get("requester_email"), data.get("requester_phone")]
        return super().address_keys() + [value.lower() for value in extra if value]
