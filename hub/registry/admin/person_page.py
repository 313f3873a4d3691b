"""The person-centred page: after the identity and the records, one section per concern
(consents and legal bases, cases, referrals, overlap alerts, duplicates, crisis register,
access history), each with its actions right there.

Each app contributes its sections from its own admin package (``register_section``), reading
through its own read path and the disclosure gate; the registry knows none of them. A section
costs a fixed number of queries whatever its number of rows (the page's queries are counted in
``tests/admin/test_person_page.py``): rows are fetched with their related organizations in
one query, and the person's view (``PersonView``) is the one disclosed for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hub.registry.admin.formats import score_percent
from hub.registry.admin.review_access import both_visible, may_view
from hub.registry.models import ReviewItem, ReviewStatus


@dataclass
class Action:
    label: str
    url: str
    name: str  # stable identifier for scripts and browser tests (``data-action``)


@dataclass
class Section:
    key: str
    title: str
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    empty: str = ""
    note: str = ""
    more: Action | None = None


# order → provider(request, person_id, view) -> Section | None
_PROVIDERS: list[tuple[int, Callable]] = []
ROW_LIMIT = 20


def register_section(order: int):
    def decorator(provider):
        if provider not in [p for _o, p in _PROVIDERS]:
            _PROVIDERS.append((order, provider))
            _PROVIDERS.sort(key=lambda pair: pair[0])
        return provider

    return decorator


def sections(request, person_id, view) -> list[Section]:
    found = []
    for _order, provider in _PROVIDERS:
        section = provider(request, person_id, view)
        if section is not None:
            found.append(section)
    return found


def link(url: str, text, *, name: str = ""):
    if name:
        return format_html('<a href="{}" data-action="{}">{}</a>', url, name, text)
    return format_html('<a href="{}">{}</a>', url, text)


# --- The registry's own section: possible duplicates of the person ----------------------------


@register_section(50)
def duplicates_section(request, person_id, view):
    if not may_view(request):
        return None
    queryset = both_visible(
        request,
        ReviewItem.objects.filter(status__in=(ReviewStatus.PENDING, ReviewStatus.LATER)),
        "beneficiary_a",
        "beneficiary_b",
    )
    items = list(
        queryset.filter(Q(beneficiary_a_id=person_id) | Q(beneficiary_b_id=person_id))[:ROW_LIMIT]
    )
    rows = []
    for item in items:
        url = reverse("admin:registry_reviewitem_change", args=[item.pk])
        rows.append(
            [
                str(item),
                score_percent(item.score),
                item.get_status_display(),
                link(url, _("Examiner le doublon"), name="review-duplicate"),
            ]
        )
    return Section(
        key="doublons",
        title=_("Doublons possibles"),
        columns=[_("paire"), _("ressemblance"), _("statut"), _("action")],
        rows=rows,
        empty=_("Aucun doublon possible en attente pour cette personne."),
    )
