"""A hand-built territory whose every figure is known (see the expected values in the tests)."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

from exchanges.models import Case, CaseStatus, OverlapAlert, Referral
from hub.outbox.models import Event
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    LinkDecision,
    Merge,
    Organization,
    PartnerRecord,
)

PARIS = ZoneInfo("Europe/Paris")
VILLEURBANNE, VAULX = "69266", "69256"


def at(day: str, hour: int = 10) -> datetime.datetime:
    y, m, d = (int(x) for x in day.split("-"))
    return datetime.datetime(y, m, d, hour, tzinfo=PARIS)


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def org(name, kind, insee_codes=()):
    return Organization.objects.create(name=name, kind=kind, insee_codes=list(insee_codes))


def person(owner, *, insee="", postcode="", city="", **payload):
    beneficiary = Beneficiary.objects.create(
        birth_name=f"Nom{uuid.uuid4().hex[:6]}",
        first_names="Prénom",
        birth_date="1970-01-01",
        insee_code=insee,
        postcode=postcode,
        city=city,
    )
    address = {k: v for k, v in {"insee_code": insee, "postcode": postcode}.items() if v}
    if "iris" in payload:
        address["iris"] = payload.pop("iris")
    body = {"birth_name": "X", "first_names": "Y", "birth_date": "1970", **payload}
    if address:
        body["address"] = address
    record = PartnerRecord.objects.create(
        organization=owner, external_id=uuid.uuid4().hex, beneficiary=beneficiary, payload=body
    )
    return beneficiary, record


def case(organization, beneficiary, type, start, end=None, outcome=""):
    return Case.objects.create(
        organization=organization,
        beneficiary=beneficiary,
        type=type,
        start_date=d(start),
        end_date=d(end) if end else None,
        status=CaseStatus.CLOSED if end else CaseStatus.OPEN,
        outcome=outcome,
    )


def referral(sender, receiver, beneficiary, sent, answered=None, status="sent", reason=""):
    r = Referral.objects.create(
        beneficiary=beneficiary,
        sender=sender,
        receiver=receiver,
        case_type="housing",
        status=status,
        decline_reason=reason,
    )
    Referral.objects.filter(pk=r.pk).update(
        sent_at=at(sent), answered_at=at(answered) if answered else None
    )
    return r


def event(type, day, **data):
    e = Event.objects.create(type=type, data=data)
    Event.objects.filter(pk=e.pk).update(occurred_at=at(day))


def build() -> dict:
    ccas = org("CCAS de Villeurbanne", "ccas", ["69266"])
    asso = org("Association Insertion", "association")
    siao = org("SIAO du Rhône", "siao")
    vaulx_ccas = org("CCAS de Vaulx-en-Velin", "ccas", [VAULX])

    p1, r1 = person(
        ccas, insee=VILLEURBANNE, living_alone=True, reduced_mobility=True, iris="692660101"
    )
    Beneficiary.objects.filter(pk=p1.pk).update(last_contact_at=at("2026-03-12"))
    p2, _ = person(asso, insee=VILLEURBANNE)
    p3, _ = person(asso, postcode="69120")  # Vaulx-en-Velin by its postcode
    p4, _ = person(siao, insee=VILLEURBANNE)
    p5, _ = person(vaulx_ccas)  # no address: the organization's single commune
    p6, _ = person(ccas, insee="69123")  # merged into p2: counts for p2, in p2's commune
    Beneficiary.objects.filter(pk=p6.pk).update(merged_into=p2, status=BeneficiaryStatus.MERGED)
    p7, _ = person(asso, insee=VILLEURBANNE)

    food1 = case(ccas, p1, "food_aid", "2026-02-10")
    case(asso, p1, "housing", "2026-03-05", "2026-05-20", "housing_ordinary")
    case(asso, p2, "professional_insertion", "2026-01-01", "2026-03-15", "employment_cdi")
    case(asso, p3, "professional_insertion", "2026-03-01", "2026-03-20", "no_solution")
    case(siao, p4, "emergency_shelter", "2025-11-01")
    case(vaulx_ccas, p5, "rights_access", "2026-03-02", "2026-03-30", "rights_opened")
    food6 = case(ccas, p6, "food_aid", "2026-03-01")
    case(asso, p7, "professional_insertion", "2026-02-01", "2026-03-10", "deceased")

    referral(ccas, asso, p1, "2026-03-01", "2026-03-04", "accepted")
    referral(ccas, asso, p2, "2026-03-02", "2026-03-12", "declined", "no_capacity")
    referral(ccas, siao, p4, "2026-03-03")

    other = case(asso, p1, "food_aid", "2026-03-08")
    for alerted, mine, theirs in ((ccas, food1, other), (asso, other, food1)):
        alert = OverlapAlert.objects.create(
            organization=alerted,
            case=mine,
            other_case=theirs,
            beneficiary_id=p1.pk,
            type="food_aid",
        )
        OverlapAlert.objects.filter(pk=alert.pk).update(
            created_at=at("2026-03-08"), resolved_at=at("2026-04-02")
        )
    link = LinkDecision.objects.create(record=r1, beneficiary=p1, outcome="linked")
    LinkDecision.objects.filter(pk=link.pk).update(created_at=at("2026-03-09"))
    merge = Merge.objects.create(source=p6, target=p2)
    Merge.objects.filter(pk=merge.pk).update(merged_at=at("2026-03-21"))

    # The crisis app's events name the register's entry and its commune (no golden record).
    crisis = {"commune": VILLEURBANNE}
    event("crisis.registered", "2026-03-05", registration="e4", status="active", **crisis)
    event("crisis.registered", "2026-03-05", registration="e2", status="pending", **crisis)
    event("crisis.call_recorded", "2026-03-06", registration="e4", reached=False, **crisis)
    event("crisis.call_recorded", "2026-03-06", registration="e1", reached=True, **crisis)
    event("crisis.call_escalated", "2026-03-06", registration="e4", **crisis)
    return {
        "p": [p1, p2, p3, p4, p5, p6, p7],
        "orgs": [ccas, asso, siao, vaulx_ccas],
        "food6": food6,
    }


def crowd(n_per_commune: int = 30) -> None:
    """Enough persons in three communes, over six months, to publish some cells at 11."""
    import random

    rng = random.Random(7)
    ccas = org("CCAS foule", "ccas", ["69266"])
    asso = org("Association foule", "association")
    types = ("food_aid", "housing", "professional_insertion", "emergency_shelter")
    outcomes = ("employment_cdi", "housing_ordinary", "no_solution", "employment_transition")
    for commune, factor in ((VILLEURBANNE, 3), ("69123", 2), (VAULX, 1)):
        for i in range(n_per_commune * factor):
            beneficiary, _ = person(ccas, insee=commune, living_alone=i % 3 == 0)
            month = 1 + i % 6
            start = f"2026-{month:02d}-{1 + i % 27:02d}"
            end = f"2026-{month + 2:02d}-15" if i % 2 else None
            case(
                rng.choice((ccas, asso)),
                beneficiary,
                rng.choice(types),
                start,
                end,
                rng.choice(outcomes) if end else "",
            )
