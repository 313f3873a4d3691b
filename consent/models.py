"""Legal bases, consents, the grant ledger, legal holds and retention runs.

The access log and the chains' checkpoints are in ``consent.audit_models``; the portal's
consents in ``consent.portal_models``; rights requests in ``consent.rights_models``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.audit_models import AccessLog, AppendOnly, ChainCheckpoint, Decision  # noqa: F401
from consent.vocab import (
    Basis,
    EvidenceMethod,
    FamilyInformation,
    GranteeType,
    GrantEventKind,
    GrantStatus,
)
from hub.registry.models import OrganizationKind


class CoordinationGroup(models.Model):
    """Professionals who share information under CASF L121-6-2, around a named coordinator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    coordinator_name = models.CharField(_("coordinateur ou coordinatrice"), max_length=200)
    coordinator_organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation du coordinateur"),
    )
    coordinator_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte du coordinateur"),
    )
    members = models.ManyToManyField(
        "registry.Organization", related_name="coordination_groups", verbose_name=_("membres")
    )
    designation = models.CharField(
        _("acte de désignation"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Référence de l'acte désignant le coordinateur (arrêté du maire...)."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("groupe de coordination (secret partagé)")
        verbose_name_plural = _("groupes de coordination (secret partagé)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GrantQuerySet(models.QuerySet):
    """Status is computed from timestamps at query time, never by a job."""

    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(withdrawn_at__isnull=True, valid_from__lte=now).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=now)
        )

    def withdrawn(self):
        return self.filter(withdrawn_at__isnull=False)

    def expired(self, now=None):
        now = now or timezone.now()
        return self.filter(withdrawn_at__isnull=True, valid_until__lte=now)


class Grant(models.Model):
    """Why an organization may see data about a person: a legal basis or the person's consent.

    A grant is never deleted; its only changes are withdrawal and review, each recorded in the
    append-only, hash-chained ledger (``GrantEvent``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("personne"),
    )
    basis = models.CharField(_("base légale"), max_length=30, choices=Basis.choices)
    legal_reference = models.CharField(
        _("référence"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Texte, délibération ou mission invoquée."),
    )
    grantee_type = models.CharField(_("destinataire"), max_length=20, choices=GranteeType.choices)
    grantee_organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants_received",
        verbose_name=_("organisation destinataire"),
    )
    grantee_group = models.ForeignKey(
        CoordinationGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("groupe de coordination destinataire"),
    )
    grantee_kind = models.CharField(
        _("type de partenaires destinataires"),
        max_length=20,
        choices=OrganizationKind.choices,
        blank=True,
        default="",
    )
    granted_by = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="grants_recorded",
        verbose_name=_("enregistrée par"),
    )
    purposes = models.JSONField(_("finalités"), default=list)
    categories = models.JSONField(_("catégories de données"), default=list)
    valid_from = models.DateTimeField(_("à partir du"))
    valid_until = models.DateTimeField(_("jusqu'au"), null=True, blank=True)
    evidence_method = models.CharField(
        _("mode de recueil"), max_length=20, choices=EvidenceMethod.choices
    )
    collected_by_name = models.CharField(_("recueilli par"), max_length=200, blank=True, default="")
    collected_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte ayant recueilli"),
    )
    evidence_document = models.FileField(
        _("justificatif"), upload_to="consent/evidence/%Y/%m/", blank=True, default=""
    )
    family_information = models.CharField(
        _("information de la famille"),
        max_length=40,
        choices=FamilyInformation.choices,
        blank=True,
        default="",
    )
    family_information_note = models.TextField(
        _("motif / modalités d'information de la famille"), blank=True, default=""
    )
    review_due_at = models.DateTimeField(_("revue attendue le"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("revue le"), null=True, blank=True)
    review_note = models.TextField(_("conclusion de la revue"), blank=True, default="")
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True, default="")
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("autorisation (base légale ou consentement)")
        verbose_name_plural = _("autorisations (bases légales et consentements)")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["grantee_organization", "beneficiary"],
                name="grant_grantee_org_idx",
                condition=models.Q(withdrawn_at__isnull=True),
            ),
            models.Index(
                fields=["grantee_kind", "beneficiary"],
                name="grant_grantee_kind_idx",
                condition=models.Q(withdrawn_at__isnull=True, grantee_type="kind"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        grantee_type="organization",
                        grantee_organization__isnull=False,
                        grantee_group__isnull=True,
                        grantee_kind="",
                    )
                    | models.Q(
                        grantee_type="group",
                        grantee_organization__isnull=True,
                        grantee_group__isnull=False,
                        grantee_kind="",
                    )
                    | models.Q(
                        grantee_type="kind",
                        grantee_organization__isnull=True,
                        grantee_group__isnull=True,
                    )
                    & ~models.Q(grantee_kind="")
                ),
                name="grant_one_grantee",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gt=models.F("valid_from")),
                name="grant_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} → {self.grantee_label}"

    def delete(self, *args, **kwargs):
        raise PermissionError("grants are never deleted: withdraw them")

    @property
    def grantee_label(self) -> str:
        if self.grantee_type == GranteeType.ORGANIZATION:
            return str(self.grantee_organization)
        if self.grantee_type == GranteeType.GROUP:
            return str(self.grantee_group)
        return str(
            _("partenaires de type « %(kind)s »") % {"kind": self.get_grantee_kind_display()}
        )

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return GrantStatus.WITHDRAWN
        if self.valid_until is not None and self.valid_until <= now:
            return GrantStatus.EXPIRED
        if self.valid_from > now:
            return GrantStatus.PENDING
        return GrantStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()


class GrantEvent(AppendOnly):
    """The grant ledger: every recording, withdrawal and review of a grant, hash-chained."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("date"), db_index=True)
    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="events", verbose_name=_("autorisation")
    )
    beneficiary_id = models.UUIDField(_("personne"), db_index=True)
    kind = models.CharField(_("événement"), max_length=20, choices=GrantEventKind.choices)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    client = models.ForeignKey(
        "registry.PartnerClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client partenaire"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    data = models.JSONField(_("contenu"), default=dict)
    request_id = models.CharField(_("requête"), max_length=64, blank=True, default="")
    prev_hash = models.CharField(_("empreinte précédente"), max_length=64)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("registre des autorisations")
        verbose_name_plural = _("registre des autorisations")
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.id} {self.get_kind_display()} {self.grant_id}"


class LegalHold(models.Model):
    """A person whose data must not be erased (litigation, judicial request, ongoing inquiry)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    beneficiary = models.ForeignKey(
        "registry.Beneficiary",
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("personne"),
    )
    reason = models.TextField(_("motif"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posé par"),
    )
    placed_at = models.DateTimeField(_("posé le"), auto_now_add=True)
    released_at = models.DateTimeField(_("levé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("gel juridique")
        verbose_name_plural = _("gels juridiques")
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} ({self.placed_at:%Y-%m-%d})"


class RetentionKind(models.TextChoices):
    DRY_RUN = "dry_run", _("Simulation")
    PURGE = "purge", _("Purge")
    ERASURE = "erasure", _("Effacement sur demande")


class RetentionRun(AppendOnly):
    """One retention run or erasure: what was (or would be) purged, with the chain anchor."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("type"), max_length=10, choices=RetentionKind.choices)
    at = models.DateTimeField(_("date"))
    report = models.JSONField(_("rapport"), default=dict)
    # After an access-log purge, the first remaining row chains onto this anchor
    # (``anchor_last_id`` is the last purged position, ``AccessLog.seq``).
    anchor_last_id = models.BigIntegerField(_("dernière ligne purgée"), null=True, blank=True)
    anchor_hash = models.CharField(_("empreinte d'ancrage"), max_length=64, blank=True, default="")
    signature = models.CharField(_("signature"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("exécution de la durée de conservation")
        verbose_name_plural = _("exécutions de la durée de conservation")
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


# Cross-partner rights requests and portal consents live in their own modules (one concern
# per file).
from consent.portal_models import PortalConsent  # noqa: E402, F401
from consent.rights_models import RightsRequest, RightsTask  # noqa: E402, F401
