"""Building the call list of an activation: one call per active entry, in priority order,
shared among the campaign's callers; set-wise (one ``INSERT … SELECT`` on PostgreSQL).

The list is written most urgent first, a slice per transaction (``complete_call_list``): the
first slice (``CRISIS_CALL_LIST_FIRST`` calls) is committed within a second of the activation
so that callers start at once, and the rest follows in slices of ``CRISIS_CALL_LIST_CHUNK``.
Every slice takes the most urgent entries that have no call yet, so the ranks follow the
priority order across slices, and a slice lost with its worker is taken up again by the next
run (the sweep of ``crisis.tasks``): ``calls_built_at`` is set only once every entry has its call.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Mod
from django.utils import timezone

from crisis.models import Activation, Call, CampaignCaller, Registration
from crisis.priority import priority_expression
from crisis.vocab import RegistrationStatus, Step


def call_list_rows(activation: Activation):
    """Active entries of the commune with their priority, in call order (one statement)."""
    return (
        Registration.objects.filter(
            organization_id=activation.organization_id, status=RegistrationStatus.ACTIVE
        )
        .annotate(priority=priority_expression())
        .order_by("-priority", "created_at", "id")
        .values_list("id", "priority")
    )


def _callers(activation: Activation) -> list:
    return list(
        CampaignCaller.objects.filter(activation=activation)
        .order_by("added_at", "id")
        .values_list("user_id", flat=True)
    )


def build_call_list(*, activation_id, limit: int | None = None) -> int:
    """Create the calls of an activation, shared among its callers round robin in call order
    (safe to run twice: an entry gets one call). ``limit``: at most that many calls, the most
    urgent of the entries that have none yet (all of them when ``None``). Returns the number
    of calls created; the list is complete (``calls_built_at``) when fewer than ``limit`` were
    left."""
    with transaction.atomic():
        activation = Activation.objects.select_for_update().filter(pk=activation_id).first()
        if activation is None or not activation.is_open:
            return 0
        start = Call.objects.filter(activation=activation).count()
        callers = _callers(activation)
        if connection.vendor == "postgresql":
            created = _insert_select(activation, start, callers, limit)
        else:
            existing = set(
                Call.objects.filter(activation=activation).values_list("registration_id", flat=True)
            )
            now = timezone.now()
            fresh = [row for row in call_list_rows(activation) if row[0] not in existing]
            calls = [
                Call(
                    activation=activation,
                    registration_id=registration_id,
                    priority=priority,
                    rank=start + index,
                    assigned_to_id=callers[(start + index) % len(callers)] if callers else None,
                    updated_at=now,
                )
                for index, (registration_id, priority) in enumerate(fresh[:limit])
            ]
            Call.objects.bulk_create(calls, batch_size=2000)
            created = len(calls)
        if limit is None or created < limit:
            activation.calls_built_at = timezone.now()
            activation.save(update_fields=["calls_built_at"])
    return created


def complete_call_list(*, activation_id) -> int:
    """Write the whole list, a slice per transaction, the most urgent slice first (committed
    before the rest is written: the callers of a large commune need not wait for the last
    entry). Returns the number of calls created."""
    limit = settings.CRISIS_CALL_LIST_FIRST
    created = size = build_call_list(activation_id=activation_id, limit=limit)
    while size == limit:  # a full slice: there may be more (a short one completed the list)
        limit = settings.CRISIS_CALL_LIST_CHUNK
        size = build_call_list(activation_id=activation_id, limit=limit)
        created += size
    return created


def _insert_select(activation: Activation, start: int, callers: list, limit: int | None) -> int:
    """One INSERT … SELECT: priority, order and caller computed by the database."""
    rows = (
        call_list_rows(activation)
        .exclude(Exists(Call.objects.filter(activation=activation, registration_id=OuterRef("pk"))))
        .values("id", "created_at", "priority")
    )
    # A slice: the most urgent entries without a call (in the order of call_list_rows).
    rows = rows.order_by() if limit is None else rows[:limit]
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(Call._meta.db_table)
    statement = f"""
        INSERT INTO {table} (id, activation_id, registration_id, priority, rank, assigned_to_id,
            step, status, attempts, total_attempts, claim_holder, last_outcome, need_action,
            version, updated_at)
        SELECT gen_random_uuid(), %s, q.id, q.priority, q.rank,
               (%s::integer[])[q.rank %% greatest(cardinality(%s::integer[]), 1) + 1],
               %s, %s, 0, 0, '', '', '', 1, now()
        FROM (SELECT s.*, %s + row_number() OVER (
                  ORDER BY s.priority DESC, s.created_at, s.id) - 1 AS rank
              FROM ({sql}) s) q
        ON CONFLICT (registration_id, activation_id) DO NOTHING
    """  # noqa: S608 (table name from model metadata, the inner query compiled by the ORM)
    with connection.cursor() as cursor:
        cursor.execute(
            statement, [activation.pk, callers, callers, Step.CALL, "pending", start, *params]
        )
        return cursor.rowcount


def split_among_callers(*, activation: Activation) -> None:
    """Share the pending, unclaimed calls among the campaign's callers again, round robin in
    call order (after a caller joins; a caller who runs out takes unassigned or others' calls:
    see ``next_call``)."""
    callers = _callers(activation)
    pending = Call.objects.filter(activation=activation, status="pending", claim_holder="")
    if not callers:
        pending.update(assigned_to=None)
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Call._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET assigned_to_id = (%s::integer[])[rank %% %s + 1] "  # noqa: S608
                "WHERE activation_id = %s AND status = 'pending' AND claim_holder = ''",
                [callers, len(callers), activation.pk],
            )
        return
    for index, user_id in enumerate(callers):
        pending.annotate(lane=Mod("rank", len(callers))).filter(lane=index).update(
            assigned_to=user_id
        )
