"""The GDPR art. 30 register of processing, generated from the configuration and the grants.

One entry per purpose of the controlled list, plus the access log itself. Durations come from
the settings, legal bases and recipients from the grants actually recorded.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from consent.models import Grant
from consent.vocab import GRANT_BASES, Basis, Category, Purpose
from hub.registry.models import OrganizationKind

SECURITY_MEASURES = [
    "Authentification OAuth2 (client credentials) des logiciels partenaires, portées limitées",
    "Cloisonnement par organisation ; décision d'accès unique (consentement ou base légale)",
    "Réduction des données aux catégories autorisées",
    "Journal des accès chaîné par empreintes, points de contrôle signés (HMAC)",
    "Tables de journal en ajout seul (déclencheurs PostgreSQL)",
    "NIR jamais conservé en clair (empreinte HMAC)",
    "Chiffrement des échanges (HTTPS, HSTS)",
]

SUBJECTS = "Personnes accompagnées par l'action sociale et membres de leur foyer"


def _usage() -> dict:
    """{purpose: {"bases": {basis: count}, "recipients": {kind label: count}}} for grants."""
    usage: dict = defaultdict(lambda: {"bases": defaultdict(int), "recipients": defaultdict(int)})
    rows = Grant.objects.values_list(
        "purposes", "basis", "grantee_type", "grantee_kind", "grantee_organization__kind"
    )
    for purposes, basis, grantee_type, grantee_kind, org_kind in rows.iterator():
        kind = org_kind or grantee_kind
        recipient = (
            "Groupe de coordination (secret partagé)"
            if grantee_type == "group"
            else str(OrganizationKind(kind).label)
            if kind in OrganizationKind.values
            else kind
        )
        for purpose in purposes or ():
            usage[purpose]["bases"][basis] += 1
            usage[purpose]["recipients"][recipient] += 1
    return usage


def processing_register() -> dict:
    usage = _usage()
    retention = (
        f"Données actives : {settings.RETENTION_ACTIVE_DAYS} jours après le dernier contact, "
        "puis anonymisation (sauf gel juridique)"
    )
    entries = []
    for purpose in Purpose:
        used = usage.get(purpose.value, {"bases": {}, "recipients": {}})
        entries.append(
            {
                "id": purpose.value,
                "finalite": str(purpose.label),
                "bases_legales": [
                    {
                        "base": basis,
                        "libelle": str(Basis(basis).label),
                        "autorisations": used["bases"].get(basis, 0),
                    }
                    for basis in GRANT_BASES
                    if used["bases"].get(basis, 0)
                ]
                or [{"base": "", "libelle": "Aucune autorisation enregistrée", "autorisations": 0}],
                "personnes_concernees": SUBJECTS,
                "categories_de_donnees": [
                    {
                        "categorie": category,
                        "libelle": str(Category.LABELS[category]),
                        "sensible": category in Category.SENSITIVE,
                    }
                    for category in Category.ALL
                ],
                "destinataires": sorted(used["recipients"])
                or ["Organisations ayant transmis leur propre fiche"],
                "transferts_hors_ue": "Aucun",
                "durees_de_conservation": retention,
                "mesures_de_securite": SECURITY_MEASURES,
            }
        )
    entries.append(
        {
            "id": "access_log",
            "finalite": "Traçabilité des accès aux données (sécurité, RGPD art. 32)",
            "bases_legales": [
                {
                    "base": Basis.LEGAL_OBLIGATION,
                    "libelle": str(Basis.LEGAL_OBLIGATION.label),
                    "autorisations": 0,
                }
            ],
            "personnes_concernees": "Professionnels utilisateurs ; personnes dont les données sont consultées",
            "categories_de_donnees": [
                {
                    "categorie": "log",
                    "libelle": "Qui, quand, quoi, sur quelle base",
                    "sensible": False,
                }
            ],
            "destinataires": ["Délégué à la protection des données", "Administrateurs"],
            "transferts_hors_ue": "Aucun",
            "durees_de_conservation": (
                f"Journal des accès : {settings.ACCESS_LOG_RETENTION_DAYS} jours ; "
                "registre des autorisations : conservé comme preuve"
            ),
            "mesures_de_securite": SECURITY_MEASURES,
        }
    )
    return {"generated_at": timezone.now().isoformat(), "entries": entries}


def register_rows(register: dict):
    """Flat rows for the CSV export."""
    yield [
        "id",
        "finalite",
        "bases_legales",
        "personnes_concernees",
        "categories_de_donnees",
        "destinataires",
        "transferts_hors_ue",
        "durees_de_conservation",
        "mesures_de_securite",
    ]
    for entry in register["entries"]:
        yield [
            entry["id"],
            entry["finalite"],
            " | ".join(base["libelle"] for base in entry["bases_legales"]),
            entry["personnes_concernees"],
            " | ".join(c["libelle"] for c in entry["categories_de_donnees"]),
            " | ".join(entry["destinataires"]),
            entry["transferts_hors_ue"],
            entry["durees_de_conservation"],
            " | ".join(entry["mesures_de_securite"]),
        ]
