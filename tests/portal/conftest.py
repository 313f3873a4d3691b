"""The portal's world: a CCAS serving Villeurbanne (its crisis register and help requests), an
association, and the bodies of a valid registration and a valid request for help."""

from __future__ import annotations

import re

import pytest

from consent.models import PortalConsent
from exchanges.models import PortalSubmission
from tests.factories import OrganizationFactory

COMMUNE = "69266"
PERSON = {
    "first_names": "Odette",
    "birth_name": "Lefèvre",
    "birth_date": "02/03/1938",
    "address_line": "12 rue Francis de Pressensé",
    "postcode": "69100",
    "city": "Villeurbanne",
    "phone": "04 78 12 34 56",
}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def ccas(db):
    return OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas", insee_codes=[COMMUNE])


@pytest.fixture
def association(db):
    return OrganizationFactory(name="Épicerie solidaire du Tonkin", kind="association")


def registration_data(**extra) -> dict:
    data = {
        "requested_by": "third_party",
        "commune": COMMUNE,
        "category": "age_65",
        **PERSON,
        "lives_alone": "yes",
        "emergency_name": "Paul Lefèvre",
        "emergency_phone": "06 98 76 54 32",
        "requester_name": "Jeanne Martin",
        "requester_relationship": "voisine",
        "requester_email": "jeanne.martin@example.org",
        "purposes": ["crisis_plan"],
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def help_data(recipient, **extra) -> dict:
    data = {
        "organization": str(recipient.pk),
        "need": "food_aid",
        "situation": "Je vis seule avec une petite retraite, le frigo est vide en fin de mois.",
        **PERSON,
        "email": "odette.lefevre@example.org",
        "preferred_contact": "phone",
        "availability": "Le matin",
        "purposes": ["coordination"],
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def written() -> tuple[int, int]:
    """What the portal has written: (submissions, consents)."""
    return PortalSubmission.objects.count(), PortalConsent.objects.count()
