"""One person for one viewer in one statement (PostgreSQL): the golden row, the viewer's own
records of the person (and of persons merged into it, two levels), and the viewer's active
grants on it. ``consent.gate.disclose`` uses it for single reads; the rules are the gate's
(``consent.gate.views`` is the reference, and the tests hold both to the same answers)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace

from django.utils import timezone

from consent.models import CoordinationGroup, Grant
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization, PartnerRecord

_SQL = None


def _sql() -> str:
    members = CoordinationGroup.members.through._meta.db_table
    groups = CoordinationGroup._meta.db_table
    grants = Grant._meta.db_table
    orgs = Organization._meta.db_table
    records = PartnerRecord._meta.db_table
    persons = Beneficiary._meta.db_table
    return f"""
SELECT b.*,
  ARRAY(
    SELECT json_build_object('id', r.id, 'org', r.organization_id, 'payload', r.payload,
                             'nir', r.nir_hash, 'trust', o.trust_level,
                             'updated', r.updated_at)::text
    FROM {records} r JOIN {orgs} o ON o.id = r.organization_id
    JOIN {persons} rb ON rb.id = r.beneficiary_id
    WHERE r.organization_id = ANY(%(orgs)s) AND r.payload <> '{{}}'::jsonb
      AND (rb.id = b.id OR rb.merged_into_id = b.id
           OR rb.merged_into_id IN (SELECT m.id FROM {persons} m WHERE m.merged_into_id = b.id))
  ) AS _own,
  ARRAY(
    SELECT json_build_object('id', g.id, 'basis', g.basis,
                             'purposes', g.purposes, 'categories', g.categories)::text
    FROM {grants} g
    WHERE g.beneficiary_id = b.id
      AND g.withdrawn_at IS NULL AND g.valid_from <= %(now)s
      AND (g.valid_until IS NULL OR g.valid_until > %(now)s)
      AND ((g.grantee_type = 'organization' AND g.grantee_organization_id = ANY(%(orgs)s))
        OR (g.grantee_type = 'group' AND g.grantee_group_id IN (
              SELECT m.coordinationgroup_id FROM {members} m
              JOIN {groups} cg ON cg.id = m.coordinationgroup_id
              WHERE cg.is_active AND m.organization_id = ANY(%(orgs)s)))
        OR (g.grantee_type = 'kind' AND g.grantee_kind IN (
              SELECT o.kind FROM {orgs} o WHERE o.id = ANY(%(orgs)s))))
  ) AS _grants
FROM {persons} b
WHERE b.id = %(id)s AND b.status <> %(anonymised)s
"""  # noqa: S608 (table names from model metadata; values are parameters)


def _record(item: str) -> SimpleNamespace:
    row = json.loads(item)
    return SimpleNamespace(
        id=uuid.UUID(row["id"]),
        organization_id=uuid.UUID(row["org"]),
        organization=SimpleNamespace(trust_level=row["trust"]),
        payload=row["payload"] or {},
        nir_hash=row["nir"] or "",
        updated_at=dt.datetime.fromisoformat(row["updated"]) if row["updated"] else None,
    )


def _grant(item: str) -> tuple:
    row = json.loads(item)
    return (uuid.UUID(row["id"]), row["basis"], row["purposes"], row["categories"])


def person_for(actor: Actor, beneficiary_id: uuid.UUID):
    """(beneficiary, own records, grant rows) or None when the person does not exist."""
    global _SQL
    if _SQL is None:
        _SQL = _sql()
    params = {
        "orgs": [uuid.UUID(str(org)) for org in actor.organization_ids],
        "now": timezone.now(),
        "id": beneficiary_id,
        "anonymised": BeneficiaryStatus.ANONYMISED,
    }
    beneficiary = next(iter(Beneficiary.objects.raw(_SQL, params)), None)
    if beneficiary is None:
        return None
    return (
        beneficiary,
        [_record(item) for item in beneficiary._own or ()],
        [_grant(item) for item in beneficiary._grants or ()],
    )
