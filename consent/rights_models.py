"""Cross-partner rights requests (GDPR art. 15 and 17).

A person asks one organization for access to, or erasure of, their data; what other partners
hold is theirs to answer. The request names the person and the requesting organization, and
carries one task per other organization concerned (holding a record of the person, or named by
a grant about them); each task is answered, carried out (erasure of that organization's own
records) or refused with a reason by that organization's DPO or administrator. The hub
operator sees every request. Imported by ``consent.models`` (Django finds models there).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RightsKind(models.TextChoices):
    ACCESS = "access", _("Droit d'accès (RGPD art. 15)")
    ERASURE = "erasure", _("Droit à l'effacement (RGPD art. 17)")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    DONE = "done", _("Traitée")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("À traiter")
    ANSWERED = "answered", _("Réponse transmise à la personne")
    ANONYMISED = "anonymised", _("Données effacées (anonymisées)")
    REFUSED = "refused", _("Refusée (motif indiqué)")


class RightsRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("droit exercé"), max_length=10, choices=RightsKind.choices)
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="rights_requests",
        verbose_name=_("personne"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="rights_requests",
        verbose_name=_("organisation saisie"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    reason = models.TextField(_("demande de la personne (références)"))
    status = models.CharField(
        _("statut"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'exercice de droits")
        verbose_name_plural = _("demandes d'exercice de droits")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({timezone.localtime(self.created_at):%d/%m/%Y})"


class RightsTask(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        RightsRequest, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("demande")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="rights_tasks",
        verbose_name=_("organisation concernée"),
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    note = models.TextField(_("réponse ou motif"), blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    answered_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche d'une demande de droits")
        verbose_name_plural = _("tâches des demandes de droits")
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "organization"], name="rights_task_unique")
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.get_status_display()}"
