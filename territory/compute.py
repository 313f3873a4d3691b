"""Compute the measures of a set of communes from the exchanges (cases, referrals, alerts), the
registry (links, merges) and the outbox (crisis events), and replace their cells.

Counts of persons are sets of person ids per key, folded into numbers before anything is
written: no person id is stored in a cell.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from exchanges.models import Case, CaseStatus, CaseType, OverlapAlert, Referral, ReferralStatus
from hub.outbox.models import Event
from hub.registry.models import Beneficiary, LinkDecision, Merge
from territory import published, zones
from territory.catalogue import CRISIS_EVENTS
from territory.definitions import (
    GROUP_OF_OUTCOME,
    HOUSING_TYPES,
    NEUTRAL_OUTCOMES,
    RIGHTS_TYPES,
    SHELTER_TYPES,
    duration_bucket,
)
from territory.models import Cell, PersonZone

MAX_DELAY_DAYS = 365
TOTAL = ("", "")


def month_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def months_between(start: datetime.date, end: datetime.date) -> list[str]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def periods_of(day: datetime.date) -> tuple[str, str]:
    return month_of(day), f"{day.year:04d}"


class Accumulator:
    """Distinct persons and plain counts per (measure, place, period, dimension, category)."""

    def __init__(self):
        self.persons = defaultdict(set)
        self.counts = defaultdict(int)

    def person(self, measure, place, periods, dims, person):
        for period in periods:
            for dim in dims:
                self.persons[(measure, place, period, *dim)].add(person)

    def count(self, measure, place, periods, dims, n=1):
        for period in periods:
            for dim in dims:
                self.counts[(measure, place, period, *dim)] += n

    def totals(self):
        out = defaultdict(int)
        for key, people in self.persons.items():
            out[key] = len(people)
        for key, n in self.counts.items():
            out[key] += n
        return out


def compute(communes: set[str], *, today: datetime.date | None = None) -> list[Cell]:
    today = today or timezone.localdate()
    communes = {c for c in communes if c}
    if not communes:
        return []
    placed = PersonZone.objects.filter(commune__in=communes)
    where = {}
    alone, mobility = defaultdict(bool), defaultdict(bool)
    for bid, person, commune, iris, is_alone, has_mobility in placed.values_list(
        "beneficiary_id", "person_id", "commune", "iris", "living_alone", "reduced_mobility"
    ):
        where[bid] = (person, (commune, iris))
        alone[person] |= is_alone
        mobility[person] |= has_mobility
    ids = placed.values("beneficiary_id")
    acc = Accumulator()
    _cases(acc, where, ids, alone, mobility, today)
    _referrals(acc, where, ids)
    _alerts(acc, where, ids)
    _duplicates(acc, where, ids)
    _crisis(acc, communes)
    return _cells(acc.totals())


def _cases(acc, where, ids, alone, mobility, today):
    """Cases read in person order: each person's keys are deduplicated locally, then counted
    once (no set of person ids per key, which would not fit at a million persons)."""
    person_of = PersonZone.objects.filter(beneficiary_id=OuterRef("beneficiary_id")).values(
        "person_id"
    )[:1]
    rows = (
        Case.objects.filter(beneficiary_id__in=ids)
        .annotate(person=Subquery(person_of))
        .order_by("person")
        .values_list(
            "person",
            "beneficiary_id",
            "type",
            "organization__kind",
            "start_date",
            "end_date",
            "status",
            "outcome",
        )
    )
    contact_of = {}
    if any(alone.values()):
        contact_of = {
            pk: local_day(at)
            for pk, at in Beneficiary.objects.filter(
                pk__in=[p for p, is_alone in alone.items() if is_alone],
                last_contact_at__isnull=False,
            ).values_list("pk", "last_contact_at")
        }
    current, place, keys, first = None, None, set(), None

    def flush():
        if current is None:
            return
        for measure, period, dim, cat in keys:
            acc.counts[(measure, place, period, dim, cat)] += 1
        (start, type_, kind) = first
        for period in periods_of(start):
            for dim, cat in (TOTAL, ("support_type", type_), ("partner_kind", kind)):
                acc.counts[("new_persons", place, period, dim, cat)] += 1

    for person, bid, type_, kind, start, end, status, outcome in rows.iterator(chunk_size=10000):
        if person != current:
            flush()
            current, place, keys, first = person, where[bid][1], set(), None
        if first is None or (start, type_, kind) < first:
            first = (start, type_, kind)
        if status == CaseStatus.CLOSED and outcome and end is not None:
            _exit(acc, place, type_, outcome, start, end)
        last = min(end or today, today)
        if last < start:
            continue
        months = months_between(start, last)
        periods = months + sorted({m[:4] for m in months})
        is_alone, has_mobility = alone[person], mobility[person]
        shelter = type_ in SHELTER_TYPES
        add = keys.add
        for period in periods:
            add(("persons_supported", period, "", ""))
            add(("persons_supported", period, "support_type", type_))
            add(("persons_supported", period, "partner_kind", kind))
            if shelter:
                add(("homeless_persons", period, "", ""))
            if is_alone:
                add(("isolated_supported", period, "", ""))
            if has_mobility:
                add(("reduced_mobility_supported", period, "", ""))
        contact = contact_of.get(person) if is_alone else None
        if contact is not None and start <= contact <= last:
            for period in periods_of(contact):
                add(("isolated_contacted", period, "", ""))
    flush()


def _exit(acc, place, type_, outcome, start, end):
    periods = periods_of(end)
    group = GROUP_OF_OUTCOME.get(outcome, "")
    dims = [
        TOTAL,
        ("outcome_group", group),
        ("duration", duration_bucket((end - start).days)),
        ("support_type", type_),
    ]
    acc.count("exits", place, periods, dims)
    if outcome in NEUTRAL_OUTCOMES:
        return
    if type_ == CaseType.PROFESSIONAL_INSERTION:
        acc.count("insertion_exits", place, periods, [TOTAL])
        if group in ("lasting_employment", "transition_employment"):
            acc.count("insertion_employment_exits", place, periods, [TOTAL])
    if type_ in HOUSING_TYPES:
        acc.count("housing_exits", place, periods, [TOTAL])
        if group == "rehousing":
            acc.count("housing_rehousing_exits", place, periods, [TOTAL])
    if type_ in RIGHTS_TYPES:
        acc.count("rights_exits", place, periods, [TOTAL])
        if group == "rights":
            acc.count("rights_obtained_exits", place, periods, [TOTAL])


def _days(later, earlier) -> str:
    return str(min(max(int((later - earlier).total_seconds() // 86400), 0), MAX_DELAY_DAYS))


def _referrals(acc, where, ids):
    rows = Referral.objects.filter(beneficiary_id__in=ids).values_list(
        "beneficiary_id", "case_type", "status", "decline_reason", "sent_at", "answered_at"
    )
    accepted = (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)
    for bid, case_type, status, reason, sent_at, answered_at in rows.iterator(chunk_size=5000):
        _person, place = where[bid]
        periods = periods_of(local_day(sent_at))
        acc.count("referrals_sent", place, periods, [TOTAL, ("support_type", case_type)])
        if answered_at is None:
            continue
        acc.count("referrals_answered", place, periods, [TOTAL])
        acc.count("referral_answer_days", place, periods, [("days", _days(answered_at, sent_at))])
        if status in accepted:
            days = _days(answered_at, sent_at)
            acc.count("referral_accept_days", place, periods, [("days", days)])
        if status == ReferralStatus.DECLINED:
            acc.count("referrals_declined", place, periods, [TOTAL, ("reason", reason or "other")])


def _alerts(acc, where, ids):
    rows = OverlapAlert.objects.filter(beneficiary_id__in=ids).values_list(
        "beneficiary_id", "case_id", "other_case_id", "type", "created_at", "resolved_at"
    )
    for bid, case_id, other_id, type_, created_at, resolved_at in rows.iterator(chunk_size=5000):
        if str(case_id) > str(other_id) or bid not in where:
            continue  # each pair once (both organizations hold a row)
        _person, place = where[bid]
        dims = [TOTAL, ("support_type", type_)]
        acc.count("overlaps_detected", place, periods_of(local_day(created_at)), dims)
        if resolved_at is not None:
            acc.count("overlaps_resolved", place, periods_of(local_day(resolved_at)), dims)


def _duplicates(acc, where, ids):
    links = LinkDecision.objects.filter(beneficiary_id__in=ids, outcome="linked", decided_by=None)
    for bid, at in links.values_list("beneficiary_id", "created_at").iterator(chunk_size=5000):
        dims = [TOTAL, ("kind", "intake_link")]
        acc.count("duplicates_avoided", where[bid][1], periods_of(local_day(at)), dims)
    merges = Merge.objects.filter(target_id__in=ids, unmerged_at__isnull=True)
    for bid, at in merges.values_list("target_id", "merged_at"):
        dims = [TOTAL, ("kind", "merge")]
        acc.count("duplicates_avoided", where[bid][1], periods_of(local_day(at)), dims)


def crisis_communes() -> set[str]:
    """The communes the crisis events name (``_crisis``)."""
    types = [type_ for events in CRISIS_EVENTS.values() for type_, _holds in events]
    named = Event.objects.filter(type__in=types).values_list("data__commune", flat=True)
    return {str(code) for code in named.distinct() if code}


def _crisis(acc, communes):
    """Crisis events count distinct register entries (``data.registration``: one per person
    and register) in the commune they name (``data.commune``, the commune keeping the
    register): the events name no golden record, which the commune may not see outside the
    plan, and a person registered only there is placed nowhere else."""
    rules = defaultdict(list)  # event type -> [(measure, what its data must hold)]
    for measure, events in CRISIS_EVENTS.items():
        for type_, holds in events:
            rules[type_].append((measure, holds))
    rows = Event.objects.filter(
        type__in=list(rules), data__commune__in=sorted(communes)
    ).values_list("type", "occurred_at", "data")
    for type_, at, data in rows.iterator(chunk_size=5000):
        entry, place = data.get("registration"), (data["commune"], "")
        if not entry:
            continue
        for measure, holds in rules[type_]:
            if all(data.get(key) == value for key, value in holds.items()):
                acc.person(measure, place, periods_of(local_day(at)), [TOTAL], entry)


def _cells(totals: dict) -> list[Cell]:
    by_commune = defaultdict(int)
    by_iris = defaultdict(int)
    for (measure, (commune, iris), period, dim, cat), value in totals.items():
        if not value:
            continue
        by_commune[(measure, commune, period, dim, cat)] += value
        if iris:
            by_iris[(measure, commune, iris, period, dim, cat)] += value
    cells = []
    for (measure, commune, period, dim, cat), value in by_commune.items():
        cells.append(_cell(measure, "commune", commune, commune, period, dim, cat, value))
    for (measure, commune, iris, period, dim, cat), value in by_iris.items():
        cells.append(_cell(measure, "iris", iris, commune, period, dim, cat, value))
    return cells


def _cell(measure, level, zone, commune, period, dim, cat, value) -> Cell:
    epci, departement = _parents(commune)
    return Cell(
        measure=measure,
        level=level,
        zone=zone,
        commune=commune,
        epci=epci,
        departement=departement,
        period=period,
        dimension=dim,
        category=cat,
        value=value,
    )


@functools.cache
def _parents(commune: str) -> tuple[str, str]:
    return zones.parent(commune, zones.EPCI), zones.parent(commune, zones.DEPARTEMENT)


FIELDS = ("measure", "level", "zone", "period", "dimension", "category", "value")


def replace(communes: set[str], *, today: datetime.date | None = None) -> set:
    """Recompute and replace every cell of these communes, in one transaction; give the
    (measure, period) pairs whose cells changed a new version. Returns those pairs."""
    communes = {c for c in communes if c}
    cells = compute(communes, today=today)
    with transaction.atomic():
        old = Cell.objects.filter(commune__in=communes)
        before = set(old.values_list(*FIELDS))
        after = {tuple(getattr(cell, name) for name in FIELDS) for cell in cells}
        changed = {(row[0], row[3]) for row in before ^ after}
        old.delete()
        Cell.objects.bulk_create(cells, batch_size=5000)
        published.bump(changed)
    return changed
