"""Place beneficiaries in zones (``PersonZone``), set-wise, from their golden record and records.

The commune is the golden record's address (INSEE code, else a postcode naming one commune);
failing that, the single commune served by the organization of one of the person's records.
A merged beneficiary counts for its merge target, in the target's commune. The IRIS and the
``living_alone`` / ``reduced_mobility`` flags come from the partners' records (any record
saying so).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from hub.registry.models import Beneficiary, PartnerRecord
from territory import zones
from territory.models import PersonZone

CHUNK = 5000


def _flag(value) -> bool:
    return value is True or value == "true"


def place(beneficiary_ids: Iterable) -> set[str]:
    """(Re)place these beneficiaries; return the communes whose figures may have changed."""
    ids = list(dict.fromkeys(beneficiary_ids))
    dirty: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        dirty |= _place_chunk(ids[start : start + CHUNK])
    return dirty


def _place_chunk(ids: list) -> set[str]:
    rows = list(
        Beneficiary.objects.filter(pk__in=ids).values_list(
            "id",
            "merged_into_id",
            "insee_code",
            "postcode",
            "city",
            "merged_into__insee_code",
            "merged_into__postcode",
            "merged_into__city",
        )
    )
    persons = {row[0]: (row[1] or row[0]) for row in rows}
    # Records of the beneficiary and of its merge target: flags, IRIS, organization's commune.
    flags: dict = {}
    for beneficiary_id, alone, mobility, iris, org_codes in PartnerRecord.objects.filter(
        beneficiary_id__in=set(persons) | set(persons.values())
    ).values_list(
        "beneficiary_id",
        "payload__living_alone",
        "payload__reduced_mobility",
        "payload__address__iris",
        "organization__insee_codes",
    ):
        entry = flags.setdefault(beneficiary_id, [False, False, "", ""])
        entry[0] |= _flag(alone)
        entry[1] |= _flag(mobility)
        if isinstance(iris, int):  # SQLite's JSON extraction turns "692660101" into a number
            iris = f"{iris:09d}"
        if iris and not entry[2] and isinstance(iris, str):
            entry[2] = iris
        if not entry[3] and isinstance(org_codes, list) and len(org_codes) == 1:
            entry[3] = zones.normalise_code(str(org_codes[0]))
    previous = dict(PersonZone.objects.filter(pk__in=ids).values_list("pk", "commune"))
    placed = []
    for bid, merged_into, insee, postcode, city, m_insee, m_postcode, m_city in rows:
        person = merged_into or bid
        if merged_into:
            insee, postcode, city = m_insee, m_postcode, m_city
        own = flags.get(bid, [False, False, "", ""])
        root = flags.get(person, [False, False, "", ""])
        commune = zones.locate(insee_code=insee or "", postcode=postcode or "", city=city or "")
        commune = commune or root[3] or own[3]
        iris = root[2] or own[2]
        if iris and zones.normalise_code(iris[:5]) != commune:
            iris = ""  # an IRIS outside the person's commune is not trusted
        placed.append(
            PersonZone(
                beneficiary_id=bid,
                person_id=person,
                commune=commune,
                iris=iris,
                living_alone=own[0] or root[0],
                reduced_mobility=own[1] or root[1],
            )
        )
    with transaction.atomic():
        PersonZone.objects.bulk_create(
            placed,
            update_conflicts=True,
            unique_fields=["beneficiary_id"],
            update_fields=["person_id", "commune", "iris", "living_alone", "reduced_mobility"],
        )
    return {p.commune for p in placed} | set(previous.values())


def place_everyone() -> None:
    """Place every beneficiary (a full rebuild), in chunks by id."""
    PersonZone.objects.exclude(beneficiary_id__in=Beneficiary.objects.values("pk")).delete()
    last = None
    while True:
        query = Beneficiary.objects.order_by("pk")
        if last is not None:
            query = query.filter(pk__gt=last)
        ids = list(query.values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        _place_chunk(ids)
        last = ids[-1]
