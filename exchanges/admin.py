"""Admin of exchanges, in French, scoped to the organizations of the staff member."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exchanges import cases, referrals, webhooks
from exchanges.models import (
    Case,
    DeclineReason,
    ImportJob,
    OverlapAlert,
    Referral,
    ReferralStep,
    WebhookDelivery,
    WebhookEndpoint,
)
from hub.outbox.models import Event
from hub.registry.admin_scoping import OrganizationScopedAdmin, actor_for_request


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(OrganizationScopedAdmin):
    list_display = ("type", "organization", "status", "start_date", "end_date", "referent")
    list_filter = ("type", "status")
    readonly_fields = ("organization", "beneficiary", "referral", "version", "created_at")
    fields = (
        "organization",
        "beneficiary",
        "type",
        "status",
        "start_date",
        "end_date",
        "referent",
        "referral",
        "version",
        "created_at",
    )
    date_hierarchy = "start_date"

    def has_add_permission(self, request):
        return False  # a case is opened through the API or by accepting a referral


@admin.register(OverlapAlert)
class OverlapAlertAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = ("type", "organization", "partner", "since", "created_at", "resolved_at")
    list_filter = ("type", "disclosed", ("resolved_at", admin.EmptyFieldListFilter))
    fields = ("organization", "type", "case", "partner", "since", "created_at", "resolved_at")
    readonly_fields = fields

    @admin.display(description=_("partenaire"))
    def partner(self, obj):
        if not obj.disclosed:
            return _("Non communiqué : demander le consentement de la personne à la coordination")
        return obj.other_case.organization

    @admin.display(description=_("accompagné(e) chez le partenaire depuis"))
    def since(self, obj):
        return obj.other_case.start_date if obj.disclosed else "—"


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
    list_display = ("beneficiary", "sender", "receiver", "case_type", "status", "sent_at")
    list_filter = ("status", "case_type")
    readonly_fields = (
        "beneficiary",
        "sender",
        "receiver",
        "case_type",
        "status",
        "message",
        "decline_reason",
        "decline_comment",
        "basis",
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganizationScopedAdmin):
    list_display = ("url", "organization", "is_active", "disabled_reason", "created_at")
    list_filter = ("is_active",)
    fields = ("organization", "client", "url", "event_types", "is_active", "disabled_reason")
    readonly_fields = ("organization", "client", "url", "disabled_reason")

    def has_add_permission(self, request):
        return False  # registered by the partner through the API (target checks apply)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    organization_lookup = "endpoint__organization"
    list_display = (
        "msg_id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status",)
    search_fields = ("msg_id",)
    actions = ["replay"]
    list_select_related = ("endpoint", "event")

    @admin.display(description=_("type d'événement"))
    def event_type(self, obj):
        return obj.event.type

    @admin.action(description=_("Renvoyer maintenant (même identifiant de message)"))
    def replay(self, request, queryset):
        count = webhooks.replay(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d livraison(s) remise(s) en file.") % {"n": count})

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = (
        "created_at",
        "organization",
        "status",
        "processed",
        "total",
        "created",
        "linked",
        "review",
        "rejected",
    )
    list_filter = ("status",)
    exclude = ("content",)


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = ("id", "type", "organization", "recipient", "occurred_at")
    list_filter = ("type",)
    exclude = ("xid",)

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        orgs = list(actor.organization_ids)
        return queryset.filter(Q(organization__in=orgs) | Q(recipient__in=orgs))
