"""What a citizen submits on the public portal, waiting for a social worker.

A ``PortalSubmission`` is a request for help (to the organization the citizen chose) or a
registration in a commune's register of vulnerable persons (to the CCAS or commune of that
INSEE code). It is *not* a partner record: nothing reaches the registry, the golden records or
the review queue until a worker of that organization confirms it (as a new person, or linked to
a person the worker may identify). The consent given per purpose lives in
``consent.PortalConsent``. Imported by ``exchanges.models`` (Django finds models there).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.registry.refs import short_ref


class SubmissionKind(models.TextChoices):
    HELP = "help", _("Demande d'aide ou de rendez-vous")
    CRISIS_REGISTRATION = (
        "crisis_registration",
        _("Inscription au registre des personnes vulnérables"),
    )


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("À traiter")
    CONFIRMED = "confirmed", _("Confirmée (nouvelle personne)")
    LINKED = "linked", _("Rattachée à une personne connue")
    REJECTED = "rejected", _("Rejetée")


class PortalSubmission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=SubmissionKind.choices)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="portal_submissions",
        verbose_name=_("organisme choisi"),
    )
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    person = models.JSONField(_("personne (telle que saisie)"), default=dict, blank=True)
    details = models.JSONField(_("détails de la demande"), default=dict, blank=True)
    purposes = models.JSONField(_("finalités consenties"), default=list, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
        db_index=True,
    )
    client_ip_hash = models.CharField(
        _("adresse IP (empreinte)"), max_length=64, blank=True, default=""
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    outcome = models.TextField(_("suite donnée"), blank=True, default="")
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne (après confirmation)"),
    )
    record = models.ForeignKey(
        "registry.PartnerRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier créé"),
    )
    # The crisis register's entry (crisis.Registration), by id: exchanges never imports crisis.
    registration_id = models.UUIDField(_("inscription au registre"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande reçue du portail citoyen")
        verbose_name_plural = _("demandes reçues du portail citoyen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="portalsub_org_status")]

    def __str__(self) -> str:  # never a name
        return f"{self.reference} ({short_ref(self.pk)})"
