"""Exchanges between partners: feed positions, cases, referrals, webhooks, imports, idempotency.

Events are thin (type, ids, time; no personal data). Cases and referrals point at the golden
record (``registry.Beneficiary``); what a partner may learn about them is decided by
``consent.policy`` at read time, never stored here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Outbox positions (the Event table itself lives in hub.outbox) ----------------------------


class OutboxMark(models.Model):
    """A named position (xid, id) in the outbox.

    ``horizon``: events up to here were pruned (retention); a feed cursor before it answers 410.
    ``relay``: events up to here were fanned out to webhook endpoints.
    """

    name = models.CharField(max_length=40, primary_key=True)
    xid = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("repère du flux")
        verbose_name_plural = _("repères du flux")

    def __str__(self) -> str:
        return f"{self.name} ({self.xid}, {self.event_id})"


# --- Cases ------------------------------------------------------------------------------------


class CaseType(models.TextChoices):
    FOOD_AID = "food_aid", _("Aide alimentaire")
    EMERGENCY_SHELTER = "emergency_shelter", _("Hébergement d'urgence")
    HOUSING = "housing", _("Accès au logement")
    SOCIAL_SUPPORT = "social_support", _("Accompagnement social")
    PROFESSIONAL_INSERTION = "professional_insertion", _("Insertion professionnelle")
    DOMICILIATION = "domiciliation", _("Domiciliation")
    FINANCIAL_AID = "financial_aid", _("Aide financière")
    BUDGET_SUPPORT = "budget_support", _("Accompagnement budgétaire")
    HEALTH_ACCESS = "health_access", _("Accès aux soins")
    RIGHTS_ACCESS = "rights_access", _("Accès aux droits")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    SUSPENDED = "suspended", _("Suspendu")
    CLOSED = "closed", _("Clos")


class CaseOutcome(models.TextChoices):
    """How a closed case ended (controlled list: the territory's exit indicators count them)."""

    EMPLOYMENT_CDI = "employment_cdi", _("Emploi durable — CDI")
    EMPLOYMENT_FIXED_TERM_6M = (
        "employment_fixed_term_6m",
        _("Emploi durable — CDD ou intérim de plus de 6 mois"),
    )
    BUSINESS_CREATION = "business_creation", _("Emploi durable — création d'entreprise")
    EMPLOYMENT_TRANSITION = (
        "employment_transition",
        _("Emploi de transition — CDD ou intérim de moins de 6 mois, contrat aidé"),
    )
    QUALIFYING_TRAINING = "qualifying_training", _("Sortie positive — formation qualifiante")
    OTHER_SIAE = "other_siae", _("Sortie positive — autre structure d'insertion (SIAE)")
    HOUSING_ORDINARY = "housing_ordinary", _("Relogement — logement ordinaire")
    HOUSING_SUPPORTED = "housing_supported", _("Relogement — logement accompagné")
    SHELTER = "shelter", _("Hébergement")
    RIGHTS_OPENED = "rights_opened", _("Droits ouverts")
    CARE_ACCESS = "care_access", _("Accès aux soins effectif")
    GOAL_REACHED = "goal_reached", _("Objectif atteint (autre)")
    NO_SOLUTION = "no_solution", _("Sans solution")
    MOVED_AWAY = "moved_away", _("Départ du territoire")
    ENDED_BY_PERSON = "ended_by_person", _("Fin à l'initiative de la personne")
    DECEASED = "deceased", _("Décès")
    LOST_CONTACT = "lost_contact", _("Perdu de vue")


class Case(models.Model):
    """Support given by one organization to one person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("organisation"),
    )
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("personne"),
    )
    type = models.CharField(_("type d'accompagnement"), max_length=40, choices=CaseType.choices)
    status = models.CharField(
        _("statut"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    referent = models.CharField(_("référent"), max_length=200, blank=True, default="")
    outcome = models.CharField(
        _("motif de sortie"), max_length=40, choices=CaseOutcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField(_("sortie enregistrée le"), null=True, blank=True)
    referral = models.OneToOneField(
        "Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opened_case",
        verbose_name=_("orientation à l'origine"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["beneficiary", "type", "status"], name="case_overlap_idx"),
            models.Index(fields=["organization", "created_at", "id"], name="case_org_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="case_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.organization}"


class OverlapAlert(models.Model):
    """Two open cases of the same type for the same person in two organizations.

    One row per organization concerned, so that each coordinator sees their own alert, and
    ``disclosed`` records whether the policy allowed that organization to learn the partner.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="overlap_alerts",
        verbose_name=_("organisation alertée"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="overlap_alerts",
        verbose_name=_("accompagnement"),
    )
    other_case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accompagnement chez le partenaire"),
    )
    beneficiary_id = models.UUIDField(_("personne"), db_index=True)
    type = models.CharField(_("type d'accompagnement"), max_length=40, choices=CaseType.choices)
    disclosed = models.BooleanField(
        _("partenaire communiqué"),
        default=False,
        help_text=_(
            "Vrai si une base légale de coordination ou un consentement permet de nommer le "
            "partenaire ; sinon seule l'existence du chevauchement est signalée."
        ),
    )
    basis = models.CharField(_("base"), max_length=60, blank=True, default="")
    created_at = models.DateTimeField(_("détecté le"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("résolue le (accompagnement clos)"), null=True, blank=True)
    # Handling by a social worker or a coordinator (``exchanges.alerts.handle_alert``).
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    handling_outcome = models.TextField(_("suite donnée"), blank=True, default="")

    class Meta:
        verbose_name = _("alerte de chevauchement")
        verbose_name_plural = _("alertes de chevauchement")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "case", "other_case"], name="overlap_alert_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.organization}"


# --- Referrals --------------------------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Envoyée")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Refusée")
    COMPLETED = "completed", _("Réalisée")
    CANCELLED = "cancelled", _("Annulée")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("Plus de place / capacité atteinte")
    NOT_ELIGIBLE = "not_eligible", _("Critères non remplis")
    OUT_OF_AREA = "out_of_area", _("Hors territoire")
    ALREADY_SUPPORTED = "already_supported", _("Déjà accompagné(e)")
    PERSON_REFUSED = "person_refused", _("Refus de la personne")
    UNREACHABLE = "unreachable", _("Personne injoignable")
    OTHER = "other", _("Autre")


class Referral(models.Model):
    """An orientation of a person from one partner to another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("personne"),
    )
    sender = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("organisation qui oriente"),
    )
    receiver = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("organisation destinataire"),
    )
    case_type = models.CharField(
        _("accompagnement demandé"), max_length=40, choices=CaseType.choices
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    message = models.TextField(_("message"), blank=True, default="")
    decline_reason = models.CharField(
        _("motif de refus"), max_length=30, choices=DeclineReason.choices, blank=True, default=""
    )
    decline_comment = models.TextField(_("précisions sur le refus"), blank=True, default="")
    basis = models.CharField(_("base de la transmission"), max_length=60, blank=True, default="")
    grant_id = models.UUIDField(_("autorisation"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("relances"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["status", "sent_at"], name="referral_status_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")), name="referral_not_to_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.receiver} ({self.get_status_display()})"


class ReferralStep(models.Model):
    """The history of a referral, visible to both sides: each transition and its comment."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="steps", verbose_name=_("orientation")
    )
    status = models.CharField(_("statut"), max_length=20, choices=ReferralStatus.choices)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("par"),
    )
    comment = models.TextField(_("commentaire"), blank=True, default="")
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("étape d'orientation")
        verbose_name_plural = _("étapes d'orientation")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.at:%Y-%m-%d %H:%M})"


# --- Webhooks ---------------------------------------------------------------------------------


# Imports, webhooks and citizen portal submissions live in their own modules (one concern per
# file).
from exchanges.import_models import (  # noqa: E402, F401
    ImportJob,
    ImportPart,
    ImportRow,
    ImportStatus,
)
from exchanges.portal_models import (  # noqa: E402, F401
    PortalSubmission,
    SubmissionKind,
    SubmissionStatus,
)
from exchanges.webhook_models import (  # noqa: E402, F401
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
