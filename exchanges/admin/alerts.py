"""Overlap alerts of the organization, and of the organizations of their territory for a
coordinator (by the INSEE codes served, ``exchanges.alerts.alerts_for``).

Handling an alert (who, when, the outcome in words) goes through
``exchanges.alerts.handle_alert`` from the alert's page (``<id>/traiter/``).

What an alert reveals (which partner supports the person for the same need, and since when) is
decided when the page is read, through the gate: the alerted organization must hold an active
grant covering the person's support history for coordination (a CASF L121-6-2 shared-secret
grant, the person's consent). A withdrawal hides the partner on the next request; the
``disclosed`` flag stored at detection is history, never read here.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from consent import gate
from consent.admin.common import french_date, french_datetime, is_worker
from consent.admin.people import row_label
from consent.vocab import Category
from exchanges import alerts as alert_service
from exchanges.admin.common import MASKED_PARTNER, ReadOnlyMixin, page_views
from exchanges.admin.errors import add_service_error
from exchanges.cases import COORDINATION, CaseError, actor_for_organization
from exchanges.models import OverlapAlert
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request


def partner_disclosed(request, alerts) -> None:
    """Set ``alert._disclosed`` (may its organization learn the partner, now?) and
    ``alert._person_view`` (the viewer's view of the person, logged) on each alert."""
    alerts = list(alerts)
    operator = request.user.is_superuser
    by_org = defaultdict(list)
    for alert in alerts:
        by_org[alert.organization_id].append(alert.beneficiary_id)
    decisions = {}
    if not operator:
        for organization_id, ids in by_org.items():
            found = gate.views(actor_for_organization(organization_id), ids, purpose=COORDINATION)
            for pk, view in found.items():
                decisions[(organization_id, pk)] = view.sees_others(Category.SUPPORT_HISTORY)
    shown = page_views(
        request, [alert.beneficiary_id for alert in alerts], resource="overlap_alert"
    )
    for alert in alerts:
        alert._disclosed = operator or decisions.get(
            (alert.organization_id, alert.beneficiary_id), False
        )
        alert._person_view = shown.get(alert.beneficiary_id)


def alert_status(alert) -> str:
    if alert.handled_at:
        return str(_("Traitée le %(d)s") % {"d": french_datetime(alert.handled_at)})
    if alert.resolved_at:
        return str(_("Résolue (accompagnement clos)"))
    return str(_("À traiter"))


class HandledFilter(admin.SimpleListFilter):
    title = _("traitement")
    parameter_name = "traitement"

    def lookups(self, request, model_admin):
        return [("a_traiter", _("À traiter")), ("traitees", _("Traitées"))]

    def queryset(self, request, queryset):
        if self.value() == "a_traiter":
            return queryset.filter(handled_at__isnull=True, resolved_at__isnull=True)
        if self.value() == "traitees":
            return queryset.filter(handled_at__isnull=False)
        return queryset


class HandleForm(forms.Form):
    outcome = forms.CharField(
        label=_("suite donnée"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=alert_service.OUTCOME_MAX,
        error_messages={"required": _("Décrivez la suite donnée à l'alerte.")},
        help_text=_(
            "Par exemple : « Appel au partenaire, l'aide alimentaire reste à l'épicerie »."
        ),
    )


@admin.register(OverlapAlert)
class OverlapAlertAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    change_form_template = "admin/exchanges/overlapalert/change_form.html"
    list_display = (
        "type",
        "person_column",
        "organization",
        "partner",
        "since",
        "created_display",
        "status_display",
    )
    list_filter = (HandledFilter, "type")
    list_select_related = ("organization", "other_case__organization", "handled_by")
    fields = (
        "organization",
        "person_column",
        "type",
        "case",
        "partner",
        "since",
        "created_display",
        "status_display",
        "handled_by_display",
        "handling_outcome",
    )
    readonly_fields = fields

    def scope_queryset(self, request, queryset):
        allowed = alert_service.alerts_for(actor_for_request(request)).values("pk")
        return queryset.filter(pk__in=allowed)

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)

        class AlertChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                self.result_list = list(self.result_list)
                partner_disclosed(request, self.result_list)

        return AlertChangeList

    def get_object(self, request, object_id, from_field=None):
        alert = super().get_object(request, object_id, from_field)
        if alert is not None:
            partner_disclosed(request, [alert])
        return alert

    def may_handle(self, request, alert) -> bool:
        return alert.handled_at is None and (
            is_worker(request) and self.has_view_permission(request, alert)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        alert = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if alert is not None and self.may_handle(request, alert):
            extra["handle_url"] = reverse("admin:exchanges_overlapalert_handle", args=[alert.pk])
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view(self.handle_view)
        return [
            path("<uuid:pk>/traiter/", view, name="exchanges_overlapalert_handle"),
            *super().get_urls(),
        ]

    def handle_view(self, request, pk):
        alert = self.get_object(request, str(pk))
        if alert is None:
            raise Http404
        if not self.may_handle(request, alert):
            raise PermissionDenied
        form = HandleForm(request.POST or None)
        back = reverse("admin:exchanges_overlapalert_change", args=[alert.pk])
        if request.method == "POST" and form.is_valid():
            try:
                alert_service.handle_alert(
                    actor=actor_for_request(request),
                    alert_id=alert.pk,
                    outcome=form.cleaned_data["outcome"],
                    request_id=getattr(request, "request_id", ""),
                )
            except CaseError as exc:
                add_service_error(form, exc)
            except alert_service.AlertAlreadyHandled:
                form.add_error(None, _("Cette alerte a déjà été traitée."))
            except OverlapAlert.DoesNotExist as exc:
                raise Http404 from exc
            else:
                self.message_user(request, _("L'alerte est marquée traitée."), messages.SUCCESS)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Traiter l'alerte de chevauchement"),
            "subtitle": row_label(alert),
            "alert": alert,
            "form": form,
            "back": back,
        }
        return TemplateResponse(request, "admin/exchanges/overlapalert/handle.html", context)

    @admin.display(description=_("personne"))
    def person_column(self, alert):
        return row_label(alert)

    @admin.display(description=_("partenaire"))
    def partner(self, alert):
        if not getattr(alert, "_disclosed", False):
            return MASKED_PARTNER
        return alert.other_case.organization.name

    @admin.display(description=_("accompagné(e) chez le partenaire depuis"))
    def since(self, alert):
        if not getattr(alert, "_disclosed", False):
            return "—"
        return french_date(alert.other_case.start_date)

    @admin.display(description=_("détectée le"), ordering="created_at")
    def created_display(self, alert):
        return french_datetime(alert.created_at)

    @admin.display(description=_("statut"))
    def status_display(self, alert):
        return alert_status(alert)

    @admin.display(description=_("traitée par"))
    def handled_by_display(self, alert):
        user = alert.handled_by
        if user is None:
            return "—"
        return user.get_full_name() or user.get_username()
