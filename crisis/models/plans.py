"""Plan activations (déclenchement du plan d'alerte et d'urgence), their callers and exports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crisis.vocab import Level, Plan


class Activation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="crisis_activations",
        verbose_name=_("commune"),
    )
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices)
    level = models.CharField(_("niveau"), max_length=20, choices=Level.choices)
    reason = models.CharField(_("motif du déclenchement"), max_length=500)
    opened_at = models.DateTimeField(_("déclenché le"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déclenché par"),
    )
    opened_by_client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déclenché par le client"),
    )
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clôturé par"),
    )
    closed_by_client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clôturé par le client"),
    )
    close_reason = models.CharField(
        _("motif de la clôture"), max_length=500, blank=True, default=""
    )
    calls_built_at = models.DateTimeField(_("liste d'appels établie le"), null=True, blank=True)

    class Meta:
        verbose_name = _("déclenchement du plan")
        verbose_name_plural = _("déclenchements du plan")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plan"],
                condition=models.Q(closed_at__isnull=True),
                name="crisis_one_open_activation_per_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_plan_display()} — {self.get_level_display()} ({self.opened_at:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CampaignCaller(models.Model):
    """A caller (agent or volunteer) assigned to the call campaign of one activation."""

    activation = models.ForeignKey(
        Activation, on_delete=models.CASCADE, related_name="callers", verbose_name=_("plan")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="crisis_campaigns",
        verbose_name=_("appelant·e"),
    )
    added_at = models.DateTimeField(_("ajouté·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("appelant·e de la campagne")
        verbose_name_plural = _("appelant·es de la campagne")
        constraints = [
            models.UniqueConstraint(fields=["activation", "user"], name="crisis_caller_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.activation}"


class PrefectExport(models.Model):
    """One export of the register to the préfet, with its reason (each person is also logged
    in the access log)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    activation = models.ForeignKey(
        Activation, on_delete=models.PROTECT, related_name="exports", verbose_name=_("plan")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("préfecture"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "registry.PartnerClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("motif de la demande"), max_length=500)
    rows = models.PositiveIntegerField(_("personnes transmises"), default=0)
    at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("transmission au préfet")
        verbose_name_plural = _("transmissions au préfet")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Transmission {str(self.id)[:8]} ({self.rows})"
