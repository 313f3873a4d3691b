"""Referrals (orientations) sent or received by the organization, and those of the territory
for its coordinators.

The person is named through the gate for the viewing organization, at read time: the sender
sees its own data; the receiver sees what an active grant allows it now (the basis recorded at
sending is history — a withdrawal masks the person on the next request).

Sending (the add form) goes through ``exchanges.referrals.send_referral``; accepting, refusing,
completing (receiver) and cancelling (sender) through ``exchanges.referrals.transition``, from
the buttons of the referral's page (``<id>/action/<action>/``). A coordinator sees the
referrals between the organizations of their territory (by the INSEE codes served) with their
age and an overdue flag (``REFERRAL_OVERDUE_DAYS``), and acts on none of them.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.admin.common import basis_label, french_datetime
from consent.admin.people import gated_changelist, person_autocomplete, row_label
from exchanges import cases, referrals
from exchanges.admin.common import page_views
from exchanges.admin.errors import add_service_error
from exchanges.admin.forms import ACTION_LABELS, ReferralAnswerForm, ReferralSendForm
from exchanges.models import Referral, ReferralStatus, ReferralStep
from hub.registry.admin.scoping import (
    OrganizationScopedAdmin,
    actor_for_request,
    territory_organization_ids,
)


class ReferralStepInline(admin.TabularInline):
    model = ReferralStep
    extra = 0
    fields = ("at_display", "status", "organization", "comment")
    readonly_fields = fields
    can_delete = False
    verbose_name = _("étape")
    verbose_name_plural = _("historique de l'orientation")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("le"))
    def at_display(self, step):
        return french_datetime(step.at)


def age_days(referral, now=None) -> int:
    now = now or timezone.now()
    end = referral.answered_at or referral.closed_at or now
    return max((end - referral.sent_at).days, 0)


def is_overdue(referral, now=None) -> bool:
    return referral.status == ReferralStatus.SENT and (
        age_days(referral, now) >= settings.REFERRAL_OVERDUE_DAYS
    )


class OverdueFilter(admin.SimpleListFilter):
    title = _("délai de réponse")
    parameter_name = "en_retard"

    def lookups(self, request, model_admin):
        return [("oui", _("En retard (sans réponse)"))]

    def queryset(self, request, queryset):
        if self.value() != "oui":
            return queryset
        limit = timezone.now() - timezone.timedelta(days=settings.REFERRAL_OVERDUE_DAYS)
        return queryset.filter(status=ReferralStatus.SENT, sent_at__lte=limit)


@admin.register(Referral)
class ReferralAdmin(OrganizationScopedAdmin):
    # Sent through exchanges.referrals.send_referral (the add form), answered through transition.
    service_backed = True
    form = ReferralSendForm
    change_form_template = "admin/exchanges/referral/change_form.html"
    list_display = (
        "person_column",
        "sender",
        "receiver",
        "case_type",
        "status",
        "sent_display",
        "age_display",
        "overdue_display",
    )
    list_filter = (OverdueFilter, "status", "case_type")
    list_select_related = ("sender", "receiver")
    readonly_fields = (
        "person_column",
        "sender",
        "receiver",
        "case_type",
        "status",
        "message",
        "decline_reason",
        "decline_comment",
        "basis_display",
        "sent_display",
        "age_display",
        "overdue_display",
        "answered_display",
        "closed_display",
        "reminder_count",
    )
    inlines = [ReferralStepInline]

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        orgs = [*actor.organization_ids, *territory_organization_ids(request)]
        return queryset.filter(Q(sender__in=orgs) | Q(receiver__in=orgs))

    def get_changelist(self, request, **kwargs):
        return gated_changelist(super().get_changelist(request, **kwargs), resource="referral")

    def get_object(self, request, object_id, from_field=None):
        referral = super().get_object(request, object_id, from_field)
        if referral is not None:
            referral._person_view = page_views(
                request, [referral.beneficiary_id], resource="referral"
            ).get(referral.beneficiary_id)
        return referral

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(ReferralSendForm.Meta.fields)
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inline_instances(self, request, obj=None):
        return [] if obj is None else super().get_inline_instances(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:  # the page shows the referral read-only
            return super().get_form(request, obj, change=change, form=forms.ModelForm, **kwargs)
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        chosen = initial.pop("beneficiary", None)
        if chosen:
            initial["beneficiary_id"] = chosen
        return initial

    def save_model(self, request, obj, form, change):
        """Saved by ``send_referral`` in the form's validation (access row, event)."""

    def save_related(self, request, form, formsets, change):
        pass

    def save_formset(self, request, form, formset, change):
        raise PermissionDenied  # the history is written by exchanges.referrals, never here

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied

    def has_change_permission(self, request, obj=None):
        return False  # answered through the buttons of the page (``transition``)

    def has_delete_permission(self, request, obj=None):
        return False

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("L'orientation a été envoyée."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:exchanges_referral_change", args=[obj.pk]))

    # --- columns
    @admin.display(description=_("personne"))
    def person_column(self, referral):
        return row_label(referral)

    @admin.display(description=_("base de la transmission (à l'envoi)"))
    def basis_display(self, referral):
        return basis_label(referral.basis)

    @admin.display(description=_("envoyée le"), ordering="sent_at")
    def sent_display(self, referral):
        return french_datetime(referral.sent_at)

    @admin.display(description=_("réponse le"))
    def answered_display(self, referral):
        return french_datetime(referral.answered_at)

    @admin.display(description=_("clôturée le"))
    def closed_display(self, referral):
        return french_datetime(referral.closed_at)

    @admin.display(description=_("ancienneté"))
    def age_display(self, referral):
        days = age_days(referral)
        return _("%(n)d jour(s)") % {"n": days}

    @admin.display(description=_("en retard"), boolean=True)
    def overdue_display(self, referral):
        return is_overdue(referral)

    # --- the page's buttons
    def actions_for(self, request, referral) -> list:
        """``[(action, label)]`` the user may do now on ``referral``."""
        actor = actor_for_request(request)
        if not self.has_add_permission(request):
            return []
        found = []
        for action, (side, sources, _target) in referrals.TRANSITIONS.items():
            org = referral.receiver_id if side == "receiver" else referral.sender_id
            if referral.status in sources and (actor.is_superuser or org in actor.organization_ids):
                found.append((action, ACTION_LABELS[action]))
        return found

    def change_view(self, request, object_id, form_url="", extra_context=None):
        referral = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if referral is not None:
            extra["referral_actions"] = [
                (
                    action,
                    label,
                    reverse("admin:exchanges_referral_transition", args=[referral.pk, action]),
                )
                for action, label in self.actions_for(request, referral)
            ]
            extra["subtitle"] = row_label(referral)
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("personnes/", view(self.persons_view), name="exchanges_referral_persons"),
            path(
                "<uuid:pk>/action/<str:action>/",
                view(self.transition_view),
                name="exchanges_referral_transition",
            ),
            *super().get_urls(),
        ]

    def persons_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return person_autocomplete(request)

    def transition_view(self, request, pk, action):
        if action not in referrals.TRANSITIONS:
            raise Http404
        referral = self.get_object(request, str(pk))
        if referral is None:
            raise Http404
        if action not in dict(self.actions_for(request, referral)):
            raise PermissionDenied
        form = ReferralAnswerForm(request.POST or None, action=action)
        if request.method == "POST" and form.is_valid():
            try:
                referrals.transition(
                    actor=actor_for_request(request),
                    referral_id=referral.pk,
                    action=action,
                    comment=form.cleaned_data.get("comment", ""),
                    reason=form.cleaned_data.get("reason", ""),
                    referent=form.cleaned_data.get("referent", ""),
                    request_id=getattr(request, "request_id", ""),
                )
            except cases.CaseError as exc:
                add_service_error(form, exc)
            except referrals.ReferralConflict:
                form.add_error(None, _("L'orientation a changé de statut entre-temps."))
            except (PermissionError, Referral.DoesNotExist) as exc:
                raise PermissionDenied from exc
            else:
                done = {
                    "accept": _("Orientation acceptée : un accompagnement est ouvert."),
                    "decline": _("Orientation refusée."),
                    "complete": _("Orientation déclarée réalisée."),
                    "cancel": _("Orientation annulée."),
                }[action]
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:exchanges_referral_change", args=[referral.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": ACTION_LABELS[action],
            "subtitle": row_label(referral),
            "referral": referral,
            "form": form,
            "action": action,
            "back": reverse("admin:exchanges_referral_change", args=[referral.pk]),
        }
        return TemplateResponse(request, "admin/exchanges/referral/transition.html", context)
