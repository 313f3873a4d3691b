"""Webhook endpoints (a partner's subscription, its secret, its state) and their deliveries (one
per event and endpoint, with attempts, lease and outcome). Imported by ``exchanges.models``
(Django finds models there)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.outbox.models import Event


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        verbose_name=_("organisation"),
    )
    client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("client partenaire"),
    )
    url = models.URLField(_("adresse"), max_length=500)
    event_types = models.JSONField(
        _("types d'événements"), default=list, blank=True, help_text=_("Vide : tous.")
    )
    secret = models.CharField(_("secret"), max_length=100)
    previous_secret = models.CharField(_("secret précédent"), max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("fin de validité du secret précédent"), null=True, blank=True
    )
    is_active = models.BooleanField(_("actif"), default=True)
    disabled_reason = models.CharField(_("motif de désactivation"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("point de réception webhook")
        verbose_name_plural = _("points de réception webhook")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    SUCCEEDED = "succeeded", _("Livré")
    FAILED = "failed", _("Abandonné")
    SKIPPED = "skipped", _("Non envoyé (non autorisé)")


class WebhookDelivery(models.Model):
    """One event for one endpoint, retried until delivered; ``msg_id`` is the webhook-id."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("point de réception"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("événement")
    )
    msg_id = models.CharField(_("identifiant du message"), max_length=64)
    status = models.CharField(
        _("statut"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    queued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("dernier code HTTP"), null=True)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True, default="")
    committed_at = models.DateTimeField(_("événement validé le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("livraison webhook")
        verbose_name_plural = _("livraisons webhook")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_unique")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} → {self.endpoint}"


# --- Idempotency ------------------------------------------------------------------------------


# --- Bulk import ------------------------------------------------------------------------------
