"""What the side-by-side page of a possible duplicate shows: the viewer's views compared.

The comparison is recomputed with the current model on the two persons *as the viewer sees
them* (``PersonView.fields``): a value the viewer may not see is absent from the comparison
too, so no agreement level tells it apart. Partner records behind each side: the viewer's own
in full; other partners' are counted only under a grant covering the support history.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consent.vocab import Category
from hub import matching
from hub.registry.admin import review_words
from hub.registry.admin.formats import format_partial_date, sex_label
from hub.registry.admin.gate import actor_of
from hub.registry.intake import current_model
from hub.registry.models import BeneficiaryStatus, PartnerRecord
from hub.registry.services import cluster_ids

LEVEL_LABELS = {
    "exact": _("identique"),
    "swapped": _("inversé"),
    "partial": _("en partie identique"),
    "phonetic": _("même prononciation"),
    "typo": _("faute de frappe"),
    "fuzzy": _("proche"),
    "different": _("différent"),
    "missing": _("absent d'un côté"),
    "exact_placeholder": _("identique (date par défaut, peu probante)"),
    "day_month_swapped": _("jour et mois inversés"),
    "year_off_by_one": _("année à un an près"),
    "same_postcode": _("même code postal"),
    "same_city": _("même commune"),
    "usual_form": _("forme d'usage (diminutif)"),
    "crossed": _("égal au nom de l'autre fiche"),
    "different_sex": _("différent, d'un autre sexe"),
}

SOURCE_LABELS = {
    "intake": _("arrivée d'une fiche"),
    "batch": _("dédoublonnage"),
}

INACTIVE_NOTICE = _(
    "L'une des deux personnes a depuis été fusionnée dans une autre fiche ou anonymisée : "
    "elle ne peut plus être fusionnée ici. Marquez la paire « personnes différentes » ou "
    "examinez la fiche consolidée qui la remplace."
)


def _surname(f: dict) -> str:
    birth, usage = f.get("birth_name", ""), f.get("usage_name", "")
    if usage and usage != birth:
        return f"{birth} ({_('usage')} : {usage})" if birth else usage
    return birth


# engine field → (label, data category, value from the viewer's fields)
FIELDS = {
    "surname": (_("Nom (naissance, usage)"), Category.IDENTITY, _surname),
    "first_names": (_("Prénoms"), Category.IDENTITY, lambda f: f.get("first_names", "")),
    "sex": (_("Sexe"), Category.IDENTITY, lambda f: sex_label(f.get("sex", ""))),
    "birth_date": (
        _("Date de naissance"),
        Category.IDENTITY,
        lambda f: format_partial_date(f.get("birth_date", "")),
    ),
    "birth_place": (_("Lieu de naissance"), Category.IDENTITY, lambda f: f.get("birth_place", "")),
    "city": (
        _("Code postal, commune"),
        Category.CONTACT,
        lambda f: " ".join(p for p in (f.get("postcode"), f.get("city")) if p),
    ),
    "address": (_("Adresse"), Category.CONTACT, lambda f: f.get("address_line", "")),
    "phone": (_("Téléphone"), Category.CONTACT, lambda f: f.get("phone", "")),
    "email": (_("Courriel"), Category.CONTACT, lambda f: f.get("email", "")),
    # the NIR itself is never stored; whether it is known is all there is to show
    "nir": (_("NIR"), Category.IDENTITY, lambda f: _("renseigné") if f.get("nir_hash") else ""),
}


def engine_record(pk, fields: dict) -> dict:
    return {
        "id": str(pk),
        "first_names": fields.get("first_names", ""),
        "birth_name": fields.get("birth_name", ""),
        "usage_name": fields.get("usage_name", ""),
        "sex": fields.get("sex", ""),
        "birth_date": fields.get("birth_date", ""),
        "birth_place": fields.get("birth_place", ""),
        "postcode": fields.get("postcode", ""),
        "city": fields.get("city", ""),
        "address": fields.get("address_line", ""),
        "phone": fields.get("phone", ""),
        "email": fields.get("email", ""),
        "nir": fields.get("nir_hash", ""),
    }


def fresh_comparison(view_a, view_b):
    """The pair as the viewer sees it, scored now with the current model (``None`` if a side is
    not visible or a value is malformed)."""
    if view_a is None or view_b is None:
        return None
    try:
        return current_model().compare(
            matching.prepare(engine_record(view_a.id, view_a.fields)),
            matching.prepare(engine_record(view_b.id, view_b.fields)),
        )
    except ValueError:
        return None


def field_rows(view_a, view_b, explanation, *, recomputed: bool) -> list[dict]:
    """Rows of the comparison. The filed explanation (when the pair cannot be recomputed) was
    computed on the whole golden records, not on what the viewer sees: its levels and weights
    are not shown."""
    hidden = _("non communiqué")
    rows = []
    for entry in explanation:
        name = entry.get("field")
        if name not in FIELDS:
            continue
        label, category, value = FIELDS[name]
        shown = [(value(v.fields) or "—") if v is not None else hidden for v in (view_a, view_b)]
        weight = float(entry.get("weight") or 0.0)
        level = entry.get("level", "")
        if not recomputed:
            weight, level = 0.0, "missing"
        if level == "missing" or weight == 0:
            agreement, agreement_label = "neutral", _("non comparable")
        elif weight > 0:
            agreement, agreement_label = "agree", _("concorde")
        else:
            agreement, agreement_label = "disagree", _("diffère")
        rows.append(
            {
                "field": name,
                "label": label,
                "a": shown[0],
                "b": shown[1],
                "level": level,
                "level_label": LEVEL_LABELS.get(level, level),
                "weight": weight,
                "in_words": review_words.explain(name, level, weight),
                "agreement": agreement,
                "agreement_label": agreement_label,
            }
        )
    return rows


def side_records(request, person, view) -> dict:
    """Partner records behind a person (its merge cluster): the user's own in full; the others
    counted only when the viewer's grants cover the support history."""
    actor = actor_of(request)
    records = (
        PartnerRecord.objects.filter(beneficiary_id__in=cluster_ids(person.pk))
        .select_related("organization")
        .order_by("organization__name", "external_id")
    )
    if not actor.is_superuser:
        records = records.filter(organization_id__in=actor.organization_ids)
    shown = []
    for record in records:
        data = record.payload or {}
        address = data.get("address") or {}
        names = (data.get("birth_name"), data.get("usage_name"), data.get("first_names"))
        shown.append(
            {
                "organization": record.organization.name,
                "external_id": record.external_id,
                "names": " ".join(p for p in names if p),
                "birth_date": format_partial_date(data.get("birth_date", "")),
                "city": " ".join(p for p in (address.get("postcode"), address.get("city")) if p),
                "updated_at": record.updated_at,
            }
        )
    others = 0
    if not actor.is_superuser and view is not None and view.sees_others(Category.SUPPORT_HISTORY):
        others = (
            PartnerRecord.objects.filter(beneficiary_id__in=cluster_ids(person.pk))
            .exclude(organization_id__in=actor.organization_ids)
            .count()
        )
    return {"records": shown, "others": others}


def is_active_root(person) -> bool:
    return person.status == BeneficiaryStatus.ACTIVE and not person.merged_into_id
