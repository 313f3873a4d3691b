"""Controlled vocabularies of the crisis plans: eligibility, request origin, plans, levels,
call steps and outcomes. Codes are English (the API), labels French (the admin)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

LEGAL_REFERENCE = "Obligation légale — registre CASF L121-6-1 (R121-2 et suivants)"
INTERVENTION_REFERENCE = (
    "Obligation légale — CASF L121-6-1 et R121-8 : communication au préfet et aux services "
    "d'intervention pendant le déclenchement du plan d'alerte et d'urgence"
)


class Eligibility(models.TextChoices):
    """Who may be registered (CASF L121-6-1). Nothing about health beyond this category."""

    AGE_65 = "age_65", _("Personne de 65 ans et plus vivant à domicile")
    AGE_60_UNFIT = "age_60_unfit", _("Personne de plus de 60 ans reconnue inapte au travail")
    DISABILITY = "disability", _("Adulte handicapé (AAH, PCH, CMI, RQTH, pension d'invalidité)")


class RequestedBy(models.TextChoices):
    SELF = "self", _("La personne elle-même")
    THIRD_PARTY = "third_party", _("Un tiers (demande écrite)")
    TRANSMITTED = "transmitted", _("Transmission (département : APA, PCH ; CARSAT)")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Demande d'un tiers en attente d'accusé de réception")
    ACTIVE = "active", _("Inscrite")
    OBJECTED = "objected", _("Opposition de la personne")
    REMOVED = "removed", _("Radiée")


class EndReason(models.TextChoices):
    REQUEST = "request", _("À la demande de la personne")
    OBJECTION = "objection", _("Opposition de la personne")
    DEATH = "death", _("Décès")
    MOVED = "moved", _("Départ de la commune")


class Plan(models.TextChoices):
    HEATWAVE = "heatwave", _("Canicule")
    COLD = "cold", _("Grand froid")
    HEALTH = "health", _("Crise sanitaire")
    OTHER = "other", _("Autre")


class Level(models.TextChoices):
    WATCH = "watch", _("Veille saisonnière")
    ALERT = "alert", _("Alerte")
    EMERGENCY = "emergency", _("Alerte renforcée")
    MAXIMUM = "maximum", _("Mobilisation maximale")


class Step(models.TextChoices):
    """What the call stands at: the person, then the emergency contact, a visit, the 15."""

    CALL = "call", _("Appel de la personne")
    CONTACT = "contact", _("Appel de la personne à prévenir")
    VISIT = "visit", _("Visite à domicile")
    ESCALATION = "escalation", _("Signalement au 15 (SAMU)")


class CallStatus(models.TextChoices):
    PENDING = "pending", _("À traiter")
    REACHED = "reached", _("Personne jointe")
    NEED = "need", _("Besoin signalé (action en cours)")
    ESCALATED = "escalated", _("Signalée au 15")
    CLOSED = "closed", _("Clôturé (hospitalisée, radiée...)")


OPEN_STATUSES = (CallStatus.PENDING,)


class Outcome(models.TextChoices):
    REACHED = "reached", _("Joint·e, va bien")
    NEED = "need", _("Besoin signalé → action")
    NO_ANSWER = "no_answer", _("Pas de réponse")
    ABSENT = "absent", _("Absent·e (en vacances, chez un proche)")
    HOSPITALISED = "hospitalised", _("Hospitalisé·e")
    WRONG_NUMBER = "wrong_number", _("Numéro erroné")
    CONTACT_OK = "contact_ok", _("Personne à prévenir jointe : la personne va bien")
    CONTACT_NO_ANSWER = "contact_no_answer", _("Personne à prévenir : pas de réponse")
    VISIT_OK = "visit_ok", _("Visite : personne vue, va bien")
    VISIT_NOBODY = "visit_nobody", _("Visite : personne ne répond")
    ESCALATED = "escalated", _("Signalé au 15")


# Which outcomes a step accepts.
STEP_OUTCOMES = {
    Step.CALL: (
        Outcome.REACHED,
        Outcome.NEED,
        Outcome.NO_ANSWER,
        Outcome.ABSENT,
        Outcome.HOSPITALISED,
        Outcome.WRONG_NUMBER,
    ),
    Step.CONTACT: (
        Outcome.CONTACT_OK,
        Outcome.NEED,
        Outcome.CONTACT_NO_ANSWER,
        Outcome.HOSPITALISED,
    ),
    Step.VISIT: (Outcome.VISIT_OK, Outcome.NEED, Outcome.VISIT_NOBODY, Outcome.HOSPITALISED),
    Step.ESCALATION: (Outcome.ESCALATED,),
}


class NeedAction(models.TextChoices):
    """What a reported need leads to (no free text: the register holds nothing about health)."""

    WATER_FOOD = "water_food", _("Portage d'eau ou de repas")
    VISIT = "visit", _("Visite à domicile")
    COOLED_ROOM = "cooled_room", _("Accueil en salle rafraîchie")
    SHELTER = "shelter", _("Hébergement d'urgence")
    TRANSPORT = "transport", _("Transport")
    HOME_CARE = "home_care", _("Service d'aide à domicile à prévenir")
    OTHER = "other", _("Autre action")
