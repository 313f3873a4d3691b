"""Consent given by a person on the citizen portal, one row per purpose, with its evidence.

A row is written when the citizen submits the form (before any person exists in the hub): the
purpose, the data categories, the notice shown (version, text and its SHA-256), the time and the
channel. The one-time withdrawal token sent to the person is stored only as its SHA-256
(``token_hash``); it expires (``PORTAL_WITHDRAWAL_DAYS``) and is usable once. When a social
worker confirms the submission, the consent becomes a ``Grant`` (``grant``); withdrawing it
before that means the grant is never created. ``submission_id`` names the portal submission
(``exchanges.PortalSubmission``) by id only: consent never depends on exchanges. Imported by
``consent.models`` (Django finds models there).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from consent.vocab import Purpose

CHANNEL_PORTAL = "portail citoyen"


class PortalConsent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission_id = models.UUIDField(_("demande du portail"), db_index=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisme choisi"),
    )
    purpose = models.CharField(_("finalité"), max_length=40, choices=Purpose.choices)
    categories = models.JSONField(_("catégories de données"), default=list)
    notice_version = models.CharField(_("version de l'information"), max_length=40)
    notice_text = models.TextField(_("information donnée à la personne"))
    notice_hash = models.CharField(_("empreinte de l'information (SHA-256)"), max_length=64)
    channel = models.CharField(_("canal"), max_length=40, default=CHANNEL_PORTAL)
    given_at = models.DateTimeField(_("donné le"))
    token_hash = models.CharField(_("empreinte du lien de retrait"), max_length=64, unique=True)
    token_expires_at = models.DateTimeField(_("lien de retrait valable jusqu'au"))
    token_used_at = models.DateTimeField(_("lien de retrait utilisé le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    beneficiary_id = models.UUIDField(_("personne"), null=True, blank=True)
    grant = models.ForeignKey(
        "consent.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("autorisation enregistrée"),
    )

    class Meta:
        verbose_name = _("consentement donné sur le portail")
        verbose_name_plural = _("consentements donnés sur le portail")
        ordering = ["given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_id", "purpose"], name="portalconsent_one_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_at:%d/%m/%Y})"
