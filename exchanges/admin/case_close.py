"""Closing a case from its page (or the person's page): the outcome and the end date, then
``exchanges.cases.update_case`` (version, access-log row, event ``case.closed``; its open
overlap alerts are resolved)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consent.admin.people import row_label
from exchanges import cases
from exchanges.admin.errors import add_service_error
from exchanges.models import Case, CaseOutcome, CaseStatus
from hub.registry.admin.scoping import actor_for_request


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("sortie"), choices=[("", "—"), *CaseOutcome.choices], required=False
    )
    end_date = forms.DateField(
        label=_("fin"), required=False, help_text=_("JJ/MM/AAAA ; aujourd'hui si vide.")
    )


def close_view(model_admin, request, pk):
    case = model_admin.get_object(request, str(pk))
    if case is None:
        raise Http404
    if not model_admin.has_change_permission(request, case):
        raise PermissionDenied
    back = reverse("admin:exchanges_case_change", args=[case.pk])
    if case.status == CaseStatus.CLOSED:
        messages.info(request, _("Cet accompagnement est déjà clos."))
        return HttpResponseRedirect(back)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes = {"status": CaseStatus.CLOSED}
        if form.cleaned_data.get("end_date"):
            changes["end_date"] = form.cleaned_data["end_date"]
        if form.cleaned_data.get("outcome"):
            changes["outcome"] = form.cleaned_data["outcome"]
        try:
            cases.update_case(
                actor=actor_for_request(request),
                case_id=case.pk,
                changes=changes,
                request_id=getattr(request, "request_id", ""),
            )
        except cases.CaseError as exc:
            add_service_error(form, exc)
        except Case.DoesNotExist as exc:
            raise PermissionDenied from exc
        else:
            messages.success(request, _("L'accompagnement est clos."))
            return HttpResponseRedirect(back)
    return TemplateResponse(
        request,
        "admin/exchanges/case/close.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("Clore l'accompagnement"),
            "subtitle": row_label(case),
            "case": case,
            "form": form,
            "back": back,
        },
    )
