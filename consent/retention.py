"""Retention per the CNIL référentiel for social action, run by Celery beat.

- Persons: anonymised ``RETENTION_ACTIVE_DAYS`` (2 years) after the last contact, unless a
  legal hold is active or an active grant rests on a legal obligation to keep the data (the
  register of vulnerable persons of CASF L121-6-1 is kept until the person asks to leave it).
- Access log: rows older than ``ACCESS_LOG_RETENTION_DAYS`` (6 to 12 months) are purged as a
  prefix of the sealed chain (positions ``seq``); the purge leaves a signed anchor so the rest
  still verifies.

Every run first writes its dry-run report (``RetentionRun`` of kind ``dry_run``); it purges
only when ``RETENTION_ENFORCE`` is on, and that purge is itself a ``RetentionRun`` plus
access-log rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from consent.audit import CHAIN as ACCESS_CHAIN
from consent.audit import log_access
from consent.chain import lock_chain
from consent.integrity import anchor_message, sign
from consent.models import AccessLog, Grant, LegalHold, RetentionKind, RetentionRun
from consent.rights import anonymise_beneficiary
from consent.vocab import Basis
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus

SYSTEM = Actor(organization_id=None, organization_ids=())
LIST_LIMIT = 1000


def _expired_persons(now: dt.datetime):
    cutoff = now - dt.timedelta(days=settings.RETENTION_ACTIVE_DAYS)
    return (
        Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED)
        .filter(
            Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, updated_at__lt=cutoff)
        )
        .order_by("pk"),
        cutoff,
    )


def _kept(now: dt.datetime) -> tuple[set, set]:
    """Persons kept past the delay: under an active legal hold; under a legal obligation."""
    held = set(
        LegalHold.objects.filter(released_at__isnull=True).values_list("beneficiary_id", flat=True)
    )
    obliged = set(
        Grant.objects.active(now)
        .filter(basis=Basis.LEGAL_OBLIGATION)
        .values_list("beneficiary_id", flat=True)
    )
    return held, obliged - held


def retention_report(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    persons, active_cutoff = _expired_persons(now)
    held, obliged = _kept(now)
    expired_ids = list(persons.values_list("pk", flat=True))
    to_erase = [pk for pk in expired_ids if pk not in held and pk not in obliged]
    log_cutoff = now - dt.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    through = _purgeable_prefix(log_cutoff)
    log_first = AccessLog.objects.filter(seq__isnull=False).aggregate(first=Min("seq"))["first"]
    return {
        "at": now.isoformat(),
        "active_data": {
            "retention_days": settings.RETENTION_ACTIVE_DAYS,
            "cutoff": active_cutoff.isoformat(),
            "to_anonymise": len(to_erase),
            "kept_under_legal_hold": sum(1 for pk in expired_ids if pk in held),
            "kept_under_legal_obligation": sum(1 for pk in expired_ids if pk in obliged),
            "ids": [str(pk) for pk in to_erase[:LIST_LIMIT]],
        },
        "access_log": {
            "retention_days": settings.ACCESS_LOG_RETENTION_DAYS,
            "cutoff": log_cutoff.isoformat(),
            "to_purge": (through - log_first + 1) if through and log_first else 0,
            # The last position (AccessLog.seq) of the purged prefix.
            "through_id": through,
        },
    }


def _purgeable_prefix(cutoff: dt.datetime) -> int | None:
    """The last position of the longest sealed prefix whose rows are all older than cutoff."""
    sealed = AccessLog.objects.filter(seq__isnull=False)
    first_kept = sealed.filter(at__gte=cutoff).aggregate(first=Min("seq"))["first"]
    if first_kept is not None:
        first = sealed.aggregate(first=Min("seq"))["first"]
        return first_kept - 1 if first_kept > first else None
    return sealed.filter(at__lt=cutoff).aggregate(last=Max("seq"))["last"]


def _purge_access_log(through: int) -> tuple[int, str]:
    """Delete the chain prefix up to position ``through``; return (rows deleted, anchor hash).

    Held under the sequencer's lock, so no seal runs meanwhile (requests go on appending).
    """
    lock_chain(ACCESS_CHAIN)
    anchor = AccessLog.objects.filter(seq=through).values_list("hash", flat=True).get()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('passerelle.retention_purge', 'on', true)")
    try:
        deleted, _ = AccessLog.objects.filter(seq__lte=through).delete()
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('passerelle.retention_purge', 'off', true)")
    return deleted, anchor


def run_retention(*, enforce: bool | None = None, now: dt.datetime | None = None) -> RetentionRun:
    """Write the dry-run report; then, if enforcing, anonymise and purge (one transaction)."""
    enforce = settings.RETENTION_ENFORCE if enforce is None else enforce
    report = retention_report(now=now)
    with transaction.atomic():
        dry = RetentionRun(kind=RetentionKind.DRY_RUN, at=timezone.now(), report=report)
        dry.save(force_insert=True)
    if not enforce:
        return dry
    with transaction.atomic():
        now_ = now or timezone.now()
        persons, _cutoff = _expired_persons(now_)
        held, obliged = _kept(now_)
        erased = 0
        for pk in persons.values_list("pk", flat=True):
            if pk in held or pk in obliged:
                continue
            anonymise_beneficiary(actor=SYSTEM, beneficiary_id=pk, reason="durée de conservation")
            erased += 1
        through = report["access_log"]["through_id"]
        purged, anchor = _purge_access_log(through) if through else (0, "")
        run = RetentionRun(
            kind=RetentionKind.PURGE,
            at=timezone.now(),
            report={**report, "anonymised": erased, "access_log_purged": purged},
            anchor_last_id=through if through else None,
            anchor_hash=anchor,
        )
        if through:
            run.signature = sign(anchor_message(run))
        run.save(force_insert=True)
        log_access(
            actor=SYSTEM,
            action="purge",
            resource="retention",
            decision="allow",
            purpose="retention",
            request_id=f"retention-{run.pk}",
        )
        emit(
            type="retention.purged",
            subject_id=run.pk,
            data={"run": run.pk, "anonymised": erased, "access_log_purged": purged},
        )
    return run
