"""What was sent to whom, through which channel (or why not: opt-out, throttling)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    SENT = "sent", _("Envoyé")
    OPTED_OUT = "opted_out", _("Non envoyé : la personne a refusé les alertes")
    THROTTLED = "throttled", _("Non envoyé : alerte déjà envoyée récemment")
    NO_ADDRESS = "no_address", _("Non envoyé : pas de coordonnée")
    FAILED = "failed", _("Échec de l'envoi")


class Notification(models.Model):
    activation = models.ForeignKey(
        "crisis.Activation",
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("plan"),
    )
    registration = models.ForeignKey(
        "crisis.Registration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("inscription"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appelant·e"),
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("message"), max_length=40)
    status = models.CharField(_("statut"), max_length=20, choices=NotificationStatus.choices)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("alerte envoyée")
        verbose_name_plural = _("alertes envoyées")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "registration", "channel", "kind"],
                condition=models.Q(registration__isnull=False),
                name="crisis_notification_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["activation", "user", "channel", "kind"],
                condition=models.Q(user__isnull=False),
                name="crisis_notification_once_per_caller",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} ({self.get_status_display()})"
