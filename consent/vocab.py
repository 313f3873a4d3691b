"""Controlled vocabularies of the consent service: data categories, purposes, legal bases.

Kept free of models so that the policy, the serializers and the register share one list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category:
    """Data categories a disclosure is reduced to (``HEALTH`` is GDPR art. 9 data)."""

    IDENTITY = "identity"
    CONTACT = "contact"
    SITUATION = "situation"
    SUPPORT_HISTORY = "support_history"
    HEALTH = "health"

    ALL = (IDENTITY, CONTACT, SITUATION, SUPPORT_HISTORY, HEALTH)
    SENSITIVE = frozenset({HEALTH})

    LABELS = {
        IDENTITY: _("Identité"),
        CONTACT: _("Coordonnées"),
        SITUATION: _("Situation (famille, logement, ressources)"),
        SUPPORT_HISTORY: _("Historique d'accompagnement"),
        HEALTH: _("Santé et handicap (données sensibles, art. 9 RGPD)"),
    }

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(value, cls.LABELS[value]) for value in cls.ALL]


class Purpose(models.TextChoices):
    COORDINATION = "coordination", _("Coordination de l'accompagnement")
    FOOD_AID = "food_aid", _("Aide alimentaire")
    SHELTER = "shelter", _("Hébergement")
    HOUSING = "housing", _("Accès au logement")
    INSERTION = "insertion", _("Insertion sociale et professionnelle")
    FINANCIAL_AID = "financial_aid", _("Aides financières")
    CRISIS_PLAN = "crisis_plan", _("Plan d'alerte et d'urgence (crise, canicule)")
    CHILD_PROTECTION = "child_protection", _("Protection de l'enfance")
    HEALTH_ACCESS = "health_access", _("Accès aux droits et aux soins")


class Basis(models.TextChoices):
    """Why a disclosure is lawful. The first six are recorded in grants; the last two are
    decided by the policy itself."""

    CONSENT = "consent", _("Consentement de la personne (RGPD art. 6.1.a / 9.2.a)")
    PUBLIC_INTEREST = "public_interest", _("Mission d'intérêt public (RGPD art. 6.1.e)")
    SHARED_SECRET = "shared_secret", _("Secret partagé entre professionnels (CASF L121-6-2)")
    CHILD_PROTECTION = "child_protection", _("Protection de l'enfance (CASF L226-2-2)")
    VITAL_INTEREST = "vital_interest", _("Intérêt vital, urgence (RGPD art. 6.1.d / 9.2.c)")
    LEGAL_OBLIGATION = "legal_obligation", _("Obligation légale (RGPD art. 6.1.c)")
    OWN_RECORD = "own_record", _("Données transmises par l'organisation elle-même")
    SUPERUSER = "superuser", _("Administrateur technique")


GRANT_BASES = (
    Basis.CONSENT,
    Basis.PUBLIC_INTEREST,
    Basis.SHARED_SECRET,
    Basis.CHILD_PROTECTION,
    Basis.VITAL_INTEREST,
    Basis.LEGAL_OBLIGATION,
)

# Bases under which GDPR art. 9 (health, disability) data may be disclosed: explicit consent,
# vital interest, and the social-action professional secrecy of the CASF (art. 9.2.b and h).
SENSITIVE_BASES = frozenset(
    {Basis.CONSENT, Basis.VITAL_INTEREST, Basis.SHARED_SECRET, Basis.CHILD_PROTECTION}
)

# When several grants apply, the decision names the most specific one.
BASIS_PRIORITY = {
    Basis.CONSENT: 0,
    Basis.SHARED_SECRET: 1,
    Basis.CHILD_PROTECTION: 2,
    Basis.PUBLIC_INTEREST: 3,
    Basis.LEGAL_OBLIGATION: 4,
    Basis.VITAL_INTEREST: 5,
}


class GranteeType(models.TextChoices):
    ORGANIZATION = "organization", _("Une organisation")
    GROUP = "group", _("Un groupe de coordination")
    KIND = "kind", _("Les partenaires d'un type")


class EvidenceMethod(models.TextChoices):
    WRITTEN = "written", _("Écrit signé")
    ORAL = "oral", _("Oral (recueilli par un professionnel)")
    ELECTRONIC = "electronic", _("Électronique")
    LEGAL_TEXT = "legal_text", _("Texte ou décision (base légale)")


class FamilyInformation(models.TextChoices):
    NOT_APPLICABLE = "", _("Sans objet")
    INFORMED = "informed", _("Famille informée au préalable")
    NOT_INFORMED_CHILD_INTEREST = (
        "not_informed_child_interest",
        _("Famille non informée : contraire à l'intérêt de l'enfant"),
    )


class GrantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Pas encore en vigueur")
    WITHDRAWN = "withdrawn", _("Retirée")
    EXPIRED = "expired", _("Expirée")


class GrantEventKind(models.TextChoices):
    CREATED = "created", _("Enregistrement")
    WITHDRAWN = "withdrawn", _("Retrait")
    REVIEWED = "reviewed", _("Revue a posteriori")
    EXPIRED = "expired", _("Fin de validité")
