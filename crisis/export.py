"""The register for the préfet (CASF R121-8): a CSV, only while the plan is triggered.

The préfecture (organization kind ``prefecture``) is named in the commune's intervention group;
the group's grants are active only while an activation of the commune is open, so the export
reads the register through the disclosure gate like any other face (purpose ``crisis_plan``,
one access-log row per person) and also records who asked, when and why (``PrefectExport``).
"""

from __future__ import annotations

import csv
import io

from django.db import transaction

from crisis import disclosure, grants
from crisis.errors import CrisisError, NotFound
from crisis.models import Activation, PrefectExport
from crisis.vocab import RegistrationStatus
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Organization, OrganizationKind

COLUMNS = (
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "categorie",
    "adresse",
    "code_postal",
    "commune",
    "telephone",
    "vit_seul",
    "service_aide_domicile",
    "personne_a_prevenir",
    "telephone_personne_a_prevenir",
)
BATCH = 1000


def _row(entry) -> list[str]:
    person = entry.person or {}
    address = person.get("address") or {}
    return [
        person.get("usage_name", ""),
        person.get("birth_name", ""),
        person.get("first_names", ""),
        person.get("birth_date", ""),
        entry.get_category_display(),
        address.get("line", ""),
        address.get("postcode", ""),
        address.get("city", ""),
        person.get("phone", ""),
        "oui" if entry.lives_alone else "non",
        entry.home_care_service,
        entry.contact_name,
        entry.contact_phone,
    ]


def _activation_for_prefecture(actor: Actor, activation_id) -> Activation:
    prefectures = Organization.objects.filter(
        pk__in=actor.organization_ids, kind=OrganizationKind.PREFECTURE, is_active=True
    ).values_list("pk", flat=True)
    activation = Activation.objects.select_related("organization").filter(pk=activation_id).first()
    if activation is None or not (actor.is_superuser or prefectures):
        raise NotFound(activation_id)
    if not actor.is_superuser:
        group = grants.intervention_group(activation.organization)
        if not group.members.filter(pk__in=list(prefectures)).exists():
            raise NotFound(activation_id)
    return activation


@transaction.atomic
def prefect_export(*, actor: Actor, activation_id, reason: str, request_id: str = "") -> tuple:
    """``(csv_text, PrefectExport)``. 409 unless the activation is open; 404 unless the actor
    is a préfecture named in the commune's intervention group."""
    activation = _activation_for_prefecture(actor, activation_id)
    if not isinstance(reason, str) or not reason.strip():
        raise CrisisError("say why the register is asked for", field="reason")
    if not activation.is_open:
        raise CrisisError(
            "the register is communicated to the préfet only while the plan is triggered",
            status=409,
            field="activation",
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    entries = disclosure.register_of(
        Actor(
            organization_id=activation.organization_id,
            organization_ids=(activation.organization_id,),
        )
    ).filter(status=RegistrationStatus.ACTIVE)
    export = PrefectExport.objects.create(
        activation=activation,
        organization_id=actor.organization_id,
        user_id=actor.user_id,
        client_id=actor.client_id,
        reason=reason.strip()[:500],
    )
    rows = 0
    last = None
    while True:
        page = entries.filter(pk__gt=last) if last else entries
        page = list(page.order_by("pk")[:BATCH])
        if not page:
            break
        last = page[-1].pk
        for entry in disclosure.disclose(
            actor=actor,
            registrations=page,
            purpose="crisis_plan",
            action="export",
            request_id=request_id or f"prefect-export:{export.pk}",
        ):
            writer.writerow(_row(entry))
            rows += 1
    export.rows = rows
    export.save(update_fields=["rows"])
    emit(
        type="crisis.exported",
        organization_id=activation.organization_id,
        subject_id=export.pk,
        data={"activation": str(activation.pk), "export": str(export.pk), "rows": rows},
    )
    return out.getvalue(), export
