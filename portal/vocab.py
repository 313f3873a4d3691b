"""The portal's words for the services' codes: plain French labels for people, and where the
services' error fields land in the forms."""

from __future__ import annotations

from crisis.vocab import Eligibility
from exchanges.models import CaseType

CATEGORY_LABELS = {
    Eligibility.AGE_65: "La personne a 65 ans ou plus et vit chez elle",
    Eligibility.AGE_60_UNFIT: "La personne a plus de 60 ans et est reconnue inapte au travail",
    Eligibility.DISABILITY: (
        "La personne est un adulte en situation de handicap "
        "(AAH, PCH, carte mobilité inclusion, RQTH ou pension d'invalidité)"
    ),
}

# What a citizen may ask for: the support types (exchanges.models.CaseType) in plain words.
NEED_LABELS = {
    CaseType.FOOD_AID: "Aide alimentaire (colis, épicerie solidaire)",
    CaseType.FINANCIAL_AID: "Factures d'énergie, loyer ou autre difficulté d'argent",
    CaseType.HOUSING: "Trouver un logement ou garder le sien",
    CaseType.EMERGENCY_SHELTER: "Un hébergement d'urgence",
    CaseType.SOCIAL_SUPPORT: "Isolement, besoin d'être accompagné ou d'un rendez-vous",
    CaseType.BUDGET_SUPPORT: "Être aidé pour gérer mon budget",
    CaseType.RIGHTS_ACCESS: "Faire valoir mes droits, remplir un dossier",
    CaseType.HEALTH_ACCESS: "Accéder aux soins",
    CaseType.PROFESSIONAL_INSERTION: "Trouver une formation ou un emploi",
    CaseType.DOMICILIATION: "Une adresse pour recevoir mon courrier (domiciliation)",
}
NEEDS = [(str(code), label) for code, label in NEED_LABELS.items()]

CONTACT_CHOICES = [("phone", "Par téléphone"), ("email", "Par e-mail")]

# The services' error fields (``{field, message}``) → the form fields they are shown next to.
PERSON_MAPPING = {
    "person.first_names": "first_names",
    "person.birth_name": "birth_name",
    "person.usage_name": "usage_name",
    "person.birth_date": "birth_date",
    "person.address.line": "address_line",
    "person.address.postcode": "postcode",
    "person.address.city": "city",
    "person.phone": "phone",
    "person.email": "email",
    "purposes": "purposes",
}
