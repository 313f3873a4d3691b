"""Picking a person (household members): identifiable persons only, labelled by the gate.

Answers Select2's format (``{"results": [{"id", "text"}], "pagination": {"more"}}``) like
Django's autocomplete, but searches with ``search_persons`` (values the viewer sees), labels
each person with what the viewer may see and writes one access-log row per person returned.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views import View

from consent import gate
from hub.registry.admin import gate as page_gate
from hub.registry.admin.scoping import actor_for_request
from hub.registry.admin.search import search_persons
from hub.registry.models import BeneficiaryStatus

PAGE_SIZE = 20


class PersonAutocompleteView(View):
    model_admin = None

    def get(self, request):
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        actor = actor_for_request(request)
        queryset = (
            gate.identifiable(actor)
            .filter(status=BeneficiaryStatus.ACTIVE)
            .order_by("-created_at", "id")
        )
        queryset = search_persons(actor, queryset, request.GET.get("term", ""))
        try:
            page = max(int(request.GET.get("page", 1)), 1)
        except ValueError:
            page = 1
        start = (page - 1) * PAGE_SIZE
        ids = list(queryset.values_list("pk", flat=True)[start : start + PAGE_SIZE + 1])
        more = len(ids) > PAGE_SIZE
        ids = ids[:PAGE_SIZE]
        views = page_gate.page_views(request, ids, resource="beneficiary_autocomplete")
        results = [{"id": str(pk), "text": views[pk].label} for pk in ids if pk in views]
        return JsonResponse({"results": results, "pagination": {"more": more}})


class PersonAutocompleteSelect(AutocompleteSelect):
    """Select2 on ``PersonAutocompleteView``."""

    url_name = "%s:registry_beneficiary_autocomplete"


class GatedPersonChoiceField(forms.ModelChoiceField):
    """A person field whose choices are labelled through the gate (one access-log row per
    person shown, with ``resource``)."""

    def __init__(self, *args, request, resource, **kwargs):
        self.request, self.resource = request, resource
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        views = page_gate.page_views(self.request, [obj.pk], resource=self.resource)
        return page_gate.label(views, obj.pk)
