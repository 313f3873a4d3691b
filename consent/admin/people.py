"""Persons on the consent faces, through the disclosure gate only.

- ``page_views`` computes, once per request, what the viewer may see of the persons a page
  displays (``gate.views``) and writes one access-log row per displayed person (``gate.log``).
- ``person_label`` names a person as the viewer may see them (masked label otherwise).
- ``PersonSelect`` and ``person_autocomplete`` replace "paste the person's UUID": a select2
  autocomplete whose answers come from ``gate.identifiable`` and are searched only in what the
  viewer may see of each person (its own records' names, or the golden record under an
  identity grant), so a search never tells a value supplied by another partner apart from its
  absence.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import get_select2_language
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse

from consent import gate
from consent.admin.common import actor, request_id
from consent.policy import as_uuid
from consent.vocab import Category
from hub.registry.models import Beneficiary, PartnerRecord

AUTOCOMPLETE_LIMIT = 20


def page_views(request, ids, *, resource: str, purpose: str = "", log: bool = True) -> dict:
    """``{id: PersonView}`` for the persons a page displays (invisible ones absent); each newly
    displayed person gets its access-log row, once per request and resource."""
    cache = request.__dict__.setdefault("_consent_views", {})
    logged = request.__dict__.setdefault("_consent_logged", set())
    wanted = [pk for pk in dict.fromkeys(ids) if pk and (pk, purpose) not in cache]
    if wanted:
        found = gate.views(actor(request), wanted, purpose=purpose)
        for pk in wanted:
            cache[(pk, purpose)] = found.get(as_uuid(pk))
    answer = {pk: cache[(pk, purpose)] for pk in ids if pk and cache.get((pk, purpose))}
    if log:
        fresh = [view for view in answer.values() if (view.id, resource) not in logged]
        if fresh:
            gate.log(
                actor(request),
                fresh,
                action="read",
                resource=resource,
                purpose=purpose,
                request_id=request_id(request),
            )
            logged.update((view.id, resource) for view in fresh)
    return answer


def person_label(view_or_none, beneficiary_id) -> str:
    if view_or_none is None:
        return gate.masked_label(beneficiary_id)
    return view_or_none.label


def label_for(request, beneficiary_id, *, resource: str) -> str:
    view = page_views(request, [beneficiary_id], resource=resource).get(beneficiary_id)
    return person_label(view, beneficiary_id)


def gated_changelist(base, *, resource: str, attr: str = "beneficiary_id", purpose: str = ""):
    """A ChangeList class that, once the page is known, fetches the viewer's view of every
    displayed person in three queries, logs each, and sets ``row._person_view``."""

    class GatedChangeList(base):
        def get_results(self, request):
            super().get_results(request)
            rows = list(self.result_list)
            found = page_views(
                request, [getattr(row, attr) for row in rows], resource=resource, purpose=purpose
            )
            for row in rows:
                row._person_view = found.get(getattr(row, attr))
            self.result_list = rows

    return GatedChangeList


def row_label(row, attr: str = "beneficiary_id") -> str:
    return person_label(getattr(row, "_person_view", None), getattr(row, attr))


# --- Autocomplete ------------------------------------------------------------------------------


def _matching_ids(who, term: str, *, own_only: bool):
    """Persons (ids) whose name, as the viewer may see it, contains ``term``."""
    persons = gate.identifiable(who)
    if who.is_superuser:
        condition = Q()
        for name in ("birth_name", "usage_name", "first_names"):
            condition |= Q(**{f"{name}__icontains": term})
        return persons.filter(condition).values("pk")
    in_own = Q()
    for name in ("birth_name", "usage_name", "first_names"):
        in_own |= Q(**{f"payload__{name}__icontains": term})
    own = PartnerRecord.objects.filter(organization_id__in=who.organization_ids).filter(in_own)
    condition = Q(pk__in=own.values("beneficiary_id"))
    if not own_only:
        in_golden = Q()
        for name in ("birth_name", "usage_name", "first_names"):
            in_golden |= Q(**{f"{name}__icontains": term})
        condition |= Q(pk__in=gate.granted_ids(who, Category.IDENTITY)) & in_golden
    return persons.filter(condition).values("pk")


def person_autocomplete(request, *, own_only: bool = False, who=None):
    """select2 answers: ``{"results": [{"id", "text"}], "pagination": {"more": false}}``."""
    who = who or actor(request)
    term = request.GET.get("term", "").strip()
    if len(term) < 2:
        return JsonResponse({"results": [], "pagination": {"more": False}})
    ids = list(
        Beneficiary.objects.filter(pk__in=_matching_ids(who, term, own_only=own_only))
        .order_by("pk")
        .values_list("pk", flat=True)[: AUTOCOMPLETE_LIMIT + 1]
    )
    shown = ids[:AUTOCOMPLETE_LIMIT]
    found = page_views(request, shown, resource="beneficiary_search")
    results = [
        {"id": str(pk), "text": found[pk].label}
        for pk in shown
        if pk in found and found[pk].knows_identity
    ]
    results.sort(key=lambda row: row["text"])
    return JsonResponse({"results": results, "pagination": {"more": len(ids) > len(shown)}})


class PersonSelect(forms.Select):
    """A select2 autocomplete of persons fed by ``url_name``; the selected person (bound or
    preselected) is its only option, labelled through the gate by the form."""

    def __init__(self, url_name: str, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.i18n_name = get_select2_language()
        self.selected_label = ""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs.update(
            {
                "class": "admin-autocomplete",
                "data-ajax--cache": "true",
                "data-ajax--delay": 250,
                "data-ajax--type": "GET",
                "data-ajax--url": reverse(self.url_name),
                "data-theme": "admin-autocomplete",
                "data-allow-clear": json.dumps(not self.is_required),
                "data-placeholder": "",
                "lang": self.i18n_name,
            }
        )
        return attrs

    def optgroups(self, name, value, attrs=None):
        options = [self.create_option(name, "", "", False, 0)]
        chosen = [v for v in value if v]
        if chosen:
            options.append(
                self.create_option(name, chosen[0], self.selected_label or chosen[0], True, 1)
            )
        return [(None, options, 0)]

    @property
    def media(self):
        extra = "" if settings.DEBUG else ".min"
        i18n = (f"admin/js/vendor/select2/i18n/{self.i18n_name}.js",) if self.i18n_name else ()
        return forms.Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                f"admin/js/vendor/select2/select2.full{extra}.js",
                *i18n,
                "admin/js/jquery.init.js",
                "admin/js/autocomplete.js",
            ),
            css={
                "screen": (
                    f"admin/css/vendor/select2/select2{extra}.css",
                    "admin/css/autocomplete.css",
                )
            },
        )
