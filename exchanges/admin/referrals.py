"""Referrals (orientations) sent or received by the organization.

The person is named through the gate for the viewing organization, at read time: the sender
sees its own data; the receiver sees what an active grant allows it now (the basis recorded at
sending is history — a withdrawal masks the person on the next request).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consent.admin.common import basis_label
from consent.admin.people import gated_changelist, row_label
from exchanges import cases, referrals
from exchanges.admin.common import page_views
from exchanges.models import DeclineReason, Referral, ReferralStep
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request


class ReferralStepInline(admin.TabularInline):
    model = ReferralStep
    extra = 0
    fields = ("at", "status", "organization", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReferralActionForm(admin.helpers.ActionForm):
    reason = forms.ChoiceField(
        label=_("Motif (refus)"), choices=[("", "—"), *DeclineReason.choices], required=False
    )
    comment = forms.CharField(label=_("Commentaire"), required=False)


@admin.register(Referral)
class ReferralAdmin(OrganizationScopedAdmin):
    # Read-only rows; accepted and declined through exchanges.referrals.transition.
    service_backed = True
    list_display = ("person_column", "sender", "receiver", "case_type", "status", "sent_at")
    list_filter = ("status", "case_type")
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
        "sent_at",
        "answered_at",
        "closed_at",
        "reminder_count",
    )
    fields = readonly_fields
    inlines = [ReferralStepInline]
    action_form = ReferralActionForm
    actions = ["accept", "decline"]

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        orgs = list(actor.organization_ids)
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("personne"))
    def person_column(self, referral):
        return row_label(referral)

    @admin.display(description=_("base de la transmission (à l'envoi)"))
    def basis_display(self, referral):
        return basis_label(referral.basis)

    def _apply(self, request, queryset, action):
        actor = actor_for_request(request)
        done = 0
        for referral in queryset:
            try:
                referrals.transition(
                    actor=actor,
                    referral_id=referral.pk,
                    action=action,
                    reason=request.POST.get("reason", ""),
                    comment=request.POST.get("comment", ""),
                    request_id=getattr(request, "request_id", ""),
                )
                done += 1
            except (
                referrals.ReferralConflict,
                PermissionError,
                cases.CaseError,
                Referral.DoesNotExist,
            ) as exc:
                self.message_user(request, f"{referral} : {exc}", messages.WARNING)
        if done:
            self.message_user(request, _("%(n)d orientation(s) traitée(s).") % {"n": done})

    @admin.action(description=_("Accepter les orientations sélectionnées"))
    def accept(self, request, queryset):
        self._apply(request, queryset, "accept")

    @admin.action(description=_("Refuser les orientations sélectionnées (motif requis)"))
    def decline(self, request, queryset):
        self._apply(request, queryset, "decline")

    accept.service_backed = decline.service_backed = True

    def save_formset(self, request, form, formset, change):
        raise PermissionDenied  # the history is written by exchanges.referrals, never here
