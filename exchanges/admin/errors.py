"""The services' errors (``CaseError``: a field and an English message, as the API answers) said
in French to a social worker, on the field they name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from exchanges.cases import CaseError
from exchanges.referrals import NO_BASIS

# (field, start of the service's message) → French message; the first match wins.
MESSAGES = (
    (
        "beneficiary",
        "unknown beneficiary",
        _("Personne inconnue ou non visible par votre organisation."),
    ),
    ("receiver", "unknown organization", _("Organisation destinataire inconnue ou inactive.")),
    (
        "receiver",
        "an organization cannot refer",
        _("Une organisation ne peut pas s'adresser une orientation à elle-même."),
    ),
    (
        "receiver",
        NO_BASIS[:40],
        _(
            "Aucune base légale ni aucun consentement ne permet à l'organisation destinataire de "
            "voir cette personne : enregistrez d'abord le consentement de la personne à cette "
            "orientation (ou la base légale applicable)."
        ),
    ),
    ("sender", "", _("Vous n'agissez pas pour cette organisation.")),
    ("organization", "", _("Vous n'agissez pas pour cette organisation.")),
    ("case_type", "", _("Type d'accompagnement inconnu.")),
    ("type", "", _("Type d'accompagnement inconnu.")),
    ("end_date", "", _("La date de fin ne peut pas précéder la date de début.")),
    ("start_date", "", _("La date de début ne peut pas suivre la date de fin.")),
    ("reason", "", _("Choisissez le motif du refus.")),
    ("comment", "", _("Précisez le motif lorsqu'il s'agit de « Autre ».")),
    ("status", "", _("Statut inconnu.")),
    ("outcome", "describe what was done", _("Décrivez la suite donnée à l'alerte.")),
    ("outcome", "at most", _("Texte trop long (2 000 caractères au plus).")),
    ("outcome", "only a closed case", _("Seul un accompagnement clos a une sortie.")),
    ("outcome", "", _("Sortie inconnue.")),
)
GENERIC = _("Valeur refusée.")


def french_message(exc: CaseError) -> str:
    for field, start, message in MESSAGES:
        if exc.field == field and exc.message.startswith(start):
            return str(message)
    return str(GENERIC)


def add_service_error(form, exc: CaseError, *, fields: dict | None = None) -> None:
    """Put the French message on the form field the service names (``fields`` maps a service
    field to a form field); on the form itself when the form has no such field."""
    name = (fields or {}).get(exc.field, exc.field)
    form.add_error(name if name in form.fields else None, french_message(exc))
