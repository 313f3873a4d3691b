"""Webhook endpoints and deliveries of the organization."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from exchanges import sending
from exchanges.admin.common import ReadOnlyMixin
from exchanges.models import WebhookDelivery, WebhookEndpoint
from hub.registry.admin.scoping import OrganizationScopedAdmin


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
        count = sending.replay(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d livraison(s) remise(s) en file.") % {"n": count})

    def has_change_permission(self, request, obj=None):
        return False
