"""Fixtures of the review tests: A1 and A2 known to A, B1 and B2 known to B, three pairs."""

import pytest
from django.urls import reverse

from hub.matching import DEFAULT_THRESHOLDS, Model
from hub.registry.models import Beneficiary, MatchingModel, ReviewItem, Role
from tests.factories import MembershipFactory, record_payload, staff_user

BLIND = {"certain": 2.0, "probable": 2.0, "possible": 2.0}


def use_model(thresholds):
    params = Model.default().to_dict()
    params["thresholds"] = dict(thresholds)
    return MatchingModel.objects.create(params=params)


def put(partner, external_id, **fields):
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**fields), format="json"
    )
    assert response.status_code in (200, 201), response.content
    return Beneficiary.objects.get(pk=response.json()["beneficiary"])


def file_item(x, y, score=0.95):
    a, b = sorted((x.pk, y.pk), key=str)
    return ReviewItem.objects.create(
        beneficiary_a_id=a, beneficiary_b_id=b, score=score, grade="probable", explanation=[]
    )


@pytest.fixture
def people(partner_a, partner_b):
    """A1 and A2 known to A, B1 and B2 known to B; entered without matching (blind model)."""
    use_model(BLIND)
    a1 = put(partner_a, "A-1", phone="0611111111")
    a2 = put(partner_a, "A-2", birth_date="1985-03-12", address={}, phone="0622222222")
    b1 = put(partner_b, "B-1", phone="0633333333")
    b2 = put(partner_b, "B-2", first_names="Jeanne Marie", phone="0633333333")
    use_model(DEFAULT_THRESHOLDS)
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2}


@pytest.fixture
def items(people):
    return {
        "in_a": file_item(people["a1"], people["a2"]),
        "across": file_item(people["a1"], people["b1"], score=0.97),
        "in_b": file_item(people["b1"], people["b2"], score=0.93),
    }


def member(organization, role=Role.AGENT):
    return MembershipFactory(organization=organization, role=role, user=staff_user()).user


@pytest.fixture
def agent_a(partner_a):
    return member(partner_a.organization)


@pytest.fixture
def agent_b(partner_b):
    return member(partner_b.organization)


@pytest.fixture
def superuser(db):
    return staff_user(is_superuser=True)


def page(item):
    return reverse("admin:registry_reviewitem_change", args=[item.pk])
