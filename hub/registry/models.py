"""Organizations, their people and clients, partner records and golden records (beneficiaries),
households, blocking keys and link decisions; the review queue, merges and dedupe runs are in
``hub.registry.review_models``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.registry.refs import short_ref
from hub.registry.validators import validate_siret


class OrganizationKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    CCAS = "ccas", _("CCAS")
    CIAS = "cias", _("CIAS")
    DEPARTEMENT = "departement", _("Département")
    ASSOCIATION = "association", _("Association")
    SIAO = "siao", _("SIAO")
    PREFECTURE = "prefecture", _("Préfecture")
    OTHER = "other", _("Autre")


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, default="", validators=[validate_siret]
    )
    insee_codes = models.JSONField(_("communes desservies (codes INSEE)"), default=list, blank=True)
    trust_level = models.PositiveSmallIntegerField(
        _("niveau de confiance"),
        default=50,
        help_text=_("Sert à choisir la valeur retenue dans la fiche consolidée (0 à 100)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="organization_siret_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(trust_level__lte=100), name="organization_trust_level_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", _("Travailleur social")
    COORDINATOR = "coordinator", _("Coordinateur")
    ADMIN = "admin", _("Administrateur")
    DPO = "dpo", _("Délégué à la protection des données")
    CRISIS_AGENT = (
        "crisis_agent",
        _("Agent du registre des personnes vulnérables (désigné par le maire)"),
    )
    CALLER = "caller", _("Appelant·e bénévole (réserve communale)")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField(_("actif"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class PartnerClient(models.Model):
    """One OAuth2 application acting for one organization, limited to its allowed scopes."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("organisation"),
    )
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_client",
        verbose_name=_("application OAuth2"),
    )
    allowed_scopes = models.CharField(
        _("portées autorisées"), max_length=500, help_text=_("Séparées par des espaces.")
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("client partenaire")
        verbose_name_plural = _("clients partenaires")

    def __str__(self) -> str:
        return f"{self.organization} — {self.application.name}"

    @property
    def scope_list(self) -> list[str]:
        return sorted(set(self.allowed_scopes.split()))


class BeneficiaryStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Fusionnée")
    ANONYMISED = "anonymised", _("Anonymisée")


class Sex(models.TextChoices):
    F = "F", _("Femme")
    M = "M", _("Homme")
    X = "X", _("Non précisé")


class Beneficiary(models.Model):
    """The hub's golden record of a person, derived from its partner records."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_names = models.CharField(_("prénoms"), max_length=200, blank=True, default="")
    birth_name = models.CharField(_("nom de naissance"), max_length=200, blank=True, default="")
    usage_name = models.CharField(_("nom d'usage"), max_length=200, blank=True, default="")
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date = models.CharField(
        _("date de naissance"), max_length=10, blank=True, default="", help_text="AAAA-MM-JJ"
    )
    birth_place = models.CharField(_("lieu de naissance"), max_length=200, blank=True, default="")
    nir_hash = models.CharField(
        _("empreinte du NIR"), max_length=64, blank=True, default="", db_index=True
    )
    phone = models.CharField(_("téléphone"), max_length=40, blank=True, default="")
    email = models.CharField(_("courriel"), max_length=254, blank=True, default="")
    address_line = models.CharField(_("adresse"), max_length=300, blank=True, default="")
    postcode = models.CharField(_("code postal"), max_length=10, blank=True, default="")
    city = models.CharField(_("commune"), max_length=200, blank=True, default="")
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True, default="")
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=BeneficiaryStatus.choices,
        default=BeneficiaryStatus.ACTIVE,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("fusionnée dans"),
    )
    last_contact_at = models.DateTimeField(_("dernier contact"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("personne (fiche consolidée)")
        verbose_name_plural = _("personnes (fiches consolidées)")
        ordering = ["birth_name", "first_names"]
        indexes = [models.Index(fields=["birth_name", "first_names"], name="beneficiary_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="beneficiary_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        # Never a name: who may read the name is the disclosure gate's answer (consent.gate).
        return _("Personne n° %(ref)s") % {"ref": short_ref(self.id)}


class PartnerRecord(models.Model):
    """What one partner asserts about one person, keyed by (organization, external_id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("organisation"),
    )
    external_id = models.CharField(_("identifiant chez le partenaire"), max_length=128)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="records", verbose_name=_("personne")
    )
    payload = models.JSONField(_("données transmises (sans NIR)"))
    nir_hash = models.CharField(_("empreinte du NIR"), max_length=64, blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=1)
    # What intake compares, prepared once when the record is written (``intake.features``):
    # {"v": record version, "e": engine's ``stored.VERSION``, "f": ``stored.dump(...)``}.
    # Ignored unless written for the current version; cleared with the payload on erasure.
    match_features = models.JSONField(_("caractéristiques d'appariement"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("fiche partenaire")
        verbose_name_plural = _("fiches partenaires")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="record_org_external_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="record_org_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization} / {self.external_id}"


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(_("libellé"), max_length=200, blank=True, default="")
    address_line = models.CharField(_("adresse"), max_length=300, blank=True, default="")
    postcode = models.CharField(_("code postal"), max_length=10, blank=True, default="")
    city = models.CharField(_("commune"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")

    def __str__(self) -> str:
        # The label is free text (often a family name): not in ``__str__``.
        return _("Foyer n° %(ref)s") % {"ref": short_ref(self.id)}


class Relationship(models.TextChoices):
    HEAD = "head", _("Personne de référence")
    SPOUSE = "spouse", _("Conjoint")
    CHILD = "child", _("Enfant")
    RELATIVE = "relative", _("Autre parent")
    OTHER = "other", _("Autre")


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("foyer")
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="household_memberships",
        verbose_name=_("personne"),
    )
    relationship = models.CharField(_("lien"), max_length=20, choices=Relationship.choices)
    since = models.DateField(_("depuis"), null=True, blank=True)
    until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("membre du foyer")
        verbose_name_plural = _("membres du foyer")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "beneficiary"], name="household_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} ({self.get_relationship_display()})"  # no name: see Beneficiary


# --- Identity matching: index, decisions, review queue, merges --------------------------------


class MatchingModel(models.Model):
    """Parameters of the Fellegi–Sunter model (m/u, term frequencies); the newest one is used."""

    params = models.JSONField(_("paramètres"))
    trained_on = models.PositiveIntegerField(_("entraîné sur (fiches)"), default=0)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("modèle d'appariement")
        verbose_name_plural = _("modèles d'appariement")
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{_('Modèle')} {self.created_at:%Y-%m-%d %H:%M} ({self.trained_on})"


class RecordKey(models.Model):
    """Blocking-key index: the keys of each partner record, to find candidates quickly."""

    # No index of its own: the unique (record, key) index serves look-ups by record.
    record = models.ForeignKey(
        PartnerRecord, on_delete=models.CASCADE, related_name="keys", db_index=False
    )
    key = models.CharField(max_length=96)

    class Meta:
        # (key, record): the key -> candidate look-up reads the index alone (index-only scan).
        indexes = [models.Index(fields=["key", "record"], name="record_key_record_idx")]
        constraints = [models.UniqueConstraint(fields=["record", "key"], name="record_key_unique")]

    def __str__(self) -> str:
        return self.key


class BlockSize(models.Model):
    """How many records hold each blocking key, so that intake tells a large block (skipped)
    without counting it. Kept by database triggers on ``RecordKey`` (migration 0008), in the
    transaction of every write: inserts, deletes, cascades and ``COPY`` alike. A key no record
    holds has no row."""

    key = models.CharField(_("clé de blocage"), primary_key=True, max_length=96)
    records = models.PositiveIntegerField(_("fiches"))

    class Meta:
        verbose_name = _("taille de bloc")
        verbose_name_plural = _("tailles de bloc")

    def __str__(self) -> str:
        return self.key


class LinkDecision(models.Model):
    """Why a record was linked to its beneficiary (automatic at intake, or by a person)."""

    record = models.ForeignKey(
        PartnerRecord, on_delete=models.PROTECT, related_name="link_decisions"
    )
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("résultat"), max_length=20)
    score = models.FloatField(_("score"), null=True, blank=True)
    grade = models.CharField(_("niveau"), max_length=20, blank=True, default="")
    explanation = models.JSONField(_("explication"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("décision de rattachement")
        verbose_name_plural = _("décisions de rattachement")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.record} → {self.outcome}"


from hub.registry.review_models import (  # noqa: E402, F401  (models Django finds here)
    DedupeChunk,
    DedupeRun,
    Merge,
    ReviewItem,
    ReviewStatus,
)
