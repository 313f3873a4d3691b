"""Withdrawing one grant from its page (or the person's page): a confirmation page with the
reason, then ``consent.grants.withdraw_grant`` (ledger event, access-log row, feed events)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consent.admin.common import actor, basis_label, labels, page_context, purpose_label, request_id
from consent.admin.people import page_views, person_label
from consent.errors import InvalidGrant, NotVisible
from consent.grants import withdraw_grant


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("motif du retrait"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": _("Indiquez le motif du retrait (ce que la personne a dit).")},
        help_text=_("Par exemple : « La personne retire son accord par téléphone le 12/11 »."),
    )


def withdraw_view(model_admin, request, grant_id):
    grant = model_admin.get_queryset(request).filter(pk=grant_id).first()
    if grant is None or not model_admin.has_view_permission(request, grant):
        raise Http404
    if not model_admin.has_withdraw_permission(request):
        raise PermissionDenied
    back = reverse("admin:consent_grant_change", args=[grant.pk])
    if grant.withdrawn_at is not None:
        messages.info(request, _("Cette autorisation est déjà retirée."))
        return HttpResponseRedirect(back)
    view = page_views(request, [grant.beneficiary_id], resource="grant")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_grant(
                actor=actor(request),
                grant_id=grant.pk,
                reason=form.cleaned_data["reason"],
                request_id=request_id(request),
            )
        except NotVisible:
            form.add_error(
                None,
                _(
                    "Seule l'organisation qui a enregistré l'autorisation, ou qui détient la fiche "
                    "de la personne, peut la retirer."
                ),
            )
        except InvalidGrant:
            form.add_error("reason", _("Indiquez le motif du retrait (ce que la personne a dit)."))
        else:
            messages.success(request, _("L'autorisation est retirée."))
            return HttpResponseRedirect(back)
    return TemplateResponse(
        request,
        "admin/consent/grant/withdraw.html",
        page_context(
            model_admin,
            request,
            _("Retrait d'une autorisation"),
            subtitle=person_label(view.get(grant.beneficiary_id), grant.beneficiary_id),
            grant=grant,
            basis=basis_label(grant.basis),
            purposes=labels(grant.purposes, purpose_label),
            form=form,
            back=back,
        ),
    )
