"""Keep the aggregates live: read the outbox after territory's own mark, re-place the persons
the events name, recompute the communes they touch. Rebuild everything on demand.

Safe to run twice and concurrently: a cache lock keeps a second run from doing the same work,
recomputing a commune replaces its cells (so replaying events changes nothing), and the mark
only moves forward, by a conditional UPDATE. Nothing here holds a long transaction: the
change feed's watermark (the oldest running transaction) is never held back by a rebuild.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from exchanges import feed
from exchanges.models import OutboxMark
from territory import compute, parents, placement, published, selectors
from territory.catalogue import INDICATORS
from territory.definitions import DELAY
from territory.models import Cell, PersonZone, RefreshRun

MARK = "territory"
COMMUNES_PER_TRANSACTION = 20
LOCK = "territory:refresh"
LOCK_SECONDS = 15 * 60


def _uuids(event) -> set:
    found = {event.beneficiary_id} if event.beneficiary_id else set()
    for key in ("source", "target", "beneficiary"):
        value = (event.data or {}).get(key)
        if value:
            try:
                found.add(uuid.UUID(str(value)))
            except ValueError:
                continue
    return found


def refresh(*, limit: int = 50_000) -> int:
    """Apply pending outbox events; returns how many were read (0 when another run holds it)."""
    if not cache.add(LOCK, "1", timeout=LOCK_SECONDS):
        return 0
    try:
        mark, _ = OutboxMark.objects.get_or_create(name=MARK)
        position = feed.Position(mark.xid, mark.event_id)
        if position < feed.horizon():
            _rebuild()  # events we never read were pruned: only a rebuild is right
            return 0
        events = list(feed.after(position).only("id", "xid", "beneficiary_id", "data")[:limit])
        if not events:
            return 0
        beneficiaries = set().union(*(_uuids(e) for e in events))
        if beneficiaries:
            # Beneficiaries placed under a merged one follow it.
            beneficiaries |= set(
                PersonZone.objects.filter(person_id__in=beneficiaries).values_list(
                    "beneficiary_id", flat=True
                )
            )
        named = {(e.data or {}).get("commune") for e in events} - {None, ""}  # crisis events
        _recompute(placement.place(beneficiaries) | {str(c) for c in named})
        _advance(position, feed.Position.of(events[-1]), len(events))
        return len(events)
    finally:
        cache.delete(LOCK)


def _advance(old: feed.Position, new: feed.Position, count: int, rebuilt: bool = False) -> None:
    now = timezone.now()
    with transaction.atomic():
        OutboxMark.objects.filter(name=MARK, xid=old.xid, event_id=old.event_id).update(
            xid=new.xid, event_id=new.event_id, updated_at=now
        )
        run, _ = RefreshRun.objects.select_for_update().get_or_create(name=MARK)
        run.refreshed_at = now
        run.events += count
        if rebuilt:
            run.rebuilt_at = now
        run.save()


def _recompute(communes: set[str]) -> None:
    ordered = sorted(c for c in communes if c)
    changed: set = set()
    for start in range(0, len(ordered), COMMUNES_PER_TRANSACTION):
        changed |= compute.replace(set(ordered[start : start + COMMUNES_PER_TRANSACTION]))
    if ordered:  # their EPCIs and départements, summed once
        parents.replace(communes=set(ordered), changed=changed)
    warm(changed)


def warm(changed: set) -> int:
    """Suppress and store now the tables whose cells changed (every level and breakdown of
    every indicator reading a changed measure, for the changed periods), so that the next
    reader gets them ready. Returns the number of tables (× periods) computed."""
    periods_of = defaultdict(set)
    for measure, period in changed:
        periods_of[measure].add(period)
    done = 0
    for indicator in INDICATORS:
        periods = sorted(set().union(*(periods_of[m] for m in published.measures_of(indicator))))
        if not periods:
            continue
        breakdowns = ["statistic"] if indicator.kind == DELAY else ["", *indicator.breakdowns]
        for level in indicator.zone_levels:
            for breakdown in breakdowns:
                selectors.table(indicator, level=level, periods=periods, breakdown=breakdown)
                done += len(periods)
    return done


def rebuild() -> None:
    """Recompute every aggregate from the source tables (``manage.py rebuild_indicators``)."""
    cache.add(LOCK, "1", timeout=LOCK_SECONDS)
    try:
        _rebuild()
    finally:
        cache.delete(LOCK)


def _rebuild() -> None:
    mark, _ = OutboxMark.objects.get_or_create(name=MARK)
    old = feed.Position(mark.xid, mark.event_id)
    # The position to resume from is taken first: later events are replayed next time.
    newest = feed.after(feed.Position()).order_by("-xid", "-id").only("id", "xid").first()
    placement.place_everyone()
    communes = set(PersonZone.objects.exclude(commune="").values_list("commune", flat=True))
    communes |= compute.crisis_communes()  # a register's persons may be placed nowhere else
    gone = Cell.objects.filter(~Q(commune__in=communes))  # parent cells too (commune '')
    with transaction.atomic():
        published.bump(set(gone.exclude(commune="").values_list("measure", "period").distinct()))
        gone.delete()
    _recompute(communes)
    new = feed.Position.of(newest) if newest is not None else old
    _advance(old, max(old, new), 0, rebuilt=True)
