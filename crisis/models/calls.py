"""The call campaign of an activation: one call per registered person, its steps and attempts.

A call is claimed by one caller at a time (``claim_holder`` with an expiry, set by a conditional
UPDATE); every attempt is kept with who and when (``CallAttempt``, never changed afterwards).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crisis.models.plans import Activation
from crisis.models.register import Registration
from crisis.vocab import CallStatus, NeedAction, Outcome, Step


class Call(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A row is written when its entry of the list (``CallList``) is first claimed; its id is
    # derived from the list's key and the rank (``crisis.call_list.call_id``), so an entry not
    # written yet already has the id it will have. The queue index leads with the activation.
    activation = models.ForeignKey(
        Activation,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("plan"),
        db_index=False,
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("inscription"),
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(_("priorité"), default=0)
    rank = models.PositiveIntegerField(_("rang"), default=0)
    step = models.CharField(_("étape"), max_length=20, choices=Step.choices, default=Step.CALL)
    status = models.CharField(
        _("statut"), max_length=20, choices=CallStatus.choices, default=CallStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives (étape)"), default=0)
    total_attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    first_attempt_at = models.DateTimeField(_("première tentative"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("à rappeler à partir de"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confié à"),
        db_index=False,
    )
    claim_holder = models.CharField(_("pris par"), max_length=40, blank=True, default="")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pris par (compte)"),
        db_index=False,
    )
    claim_expires_at = models.DateTimeField(_("prise jusqu'à"), null=True, blank=True)
    last_outcome = models.CharField(
        _("dernier résultat"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    need_action = models.CharField(
        _("action"), max_length=20, choices=NeedAction.choices, blank=True, default=""
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    closed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["activation", "-priority", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "activation"], name="crisis_call_one_per_person"
            ),
            models.UniqueConstraint(fields=["activation", "rank"], name="crisis_call_one_per_rank"),
        ]
        indexes = [
            models.Index(
                fields=["activation", "status", "-priority", "rank"], name="crisis_call_queue_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Appel {str(self.id)[:8]} ({self.get_status_display()})"


class CallAttempt(models.Model):
    """One step taken on a call: who, when, what came of it. Written once."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="attempt_log", verbose_name=_("appel")
    )
    step = models.CharField(_("étape"), max_length=20, choices=Step.choices)
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices)
    need_action = models.CharField(
        _("action"), max_length=20, choices=NeedAction.choices, blank=True, default=""
    )
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    by_label = models.CharField(_("par (compte ou client)"), max_length=40)
    at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("tentative d'appel")
        verbose_name_plural = _("tentatives d'appel")
        ordering = ["call", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} : {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("call attempts are written once")
        super().save(*args, **kwargs)
