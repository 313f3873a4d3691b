"""Consent given on the citizen portal: the purposes offered, their notices, the evidence, the
one-time withdrawal tokens, and the grant each consent becomes once a worker confirms.

The notices are plain French and say who receives what, for how long, and how to withdraw. Each
consent keeps the notice's version, its text and the text's SHA-256, the time and the channel
(``portail citoyen``). The token is 256 random bits sent to the person; only its SHA-256 is
stored. A token works once (a conditional ``UPDATE`` claims it) and until it expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.grants import record_grant, withdraw_grant
from consent.models import Grant
from consent.portal_models import CHANNEL_PORTAL, PortalConsent
from consent.vocab import Category, EvidenceMethod, GranteeType, Purpose
from hub.registry.actors import Actor
from hub.registry.models import OrganizationKind

NOTICE_VERSION = "portail-2026-12-v1"
HELP = "help"
CRISIS = "crisis"
# The grantee of a consent: the organization the citizen chose, or the partners of one kind.
CHOSEN = "chosen"
WITHDRAWAL_REASON = "Retrait exprimé par la personne sur le portail citoyen (lien de retrait)"


@dataclass(frozen=True)
class PortalPurpose:
    code: str
    categories: tuple
    grantee: str  # CHOSEN, or an OrganizationKind value
    text: str  # the notice, with {duree} and {lien} filled in by ``notice``

    @property
    def label(self) -> str:
        return str(Purpose(self.code).label)


def _duration(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return "un an" if years == 1 else f"{years} ans"
    return f"{days} jours"


_WITHDRAW = (
    "Vous pouvez retirer ce consentement à tout moment, sans justification : avec le lien de "
    "retrait que vous recevez (valable {lien}), ou en vous adressant à l'organisme choisi. "
    "Le retrait vaut pour l'avenir."
)

PURPOSES: dict[str, tuple[PortalPurpose, ...]] = {
    HELP: (
        PortalPurpose(
            Purpose.COORDINATION,
            (Category.IDENTITY, Category.CONTACT, Category.SITUATION, Category.SUPPORT_HISTORY),
            CHOSEN,
            "Qui reçoit quoi : l'organisme que vous avez choisi pourra consulter ce que les "
            "autres partenaires de Passerelle (CCAS, associations, SIAO, Département) savent déjà "
            "de vous : identité, coordonnées, situation et accompagnements en cours. Cela évite "
            "de vous redemander les mêmes informations et de vous aider deux fois. "
            "Pour combien de temps : {duree} à partir de la confirmation de votre demande. "
            + _WITHDRAW,
        ),
        PortalPurpose(
            Purpose.FOOD_AID,
            (Category.IDENTITY, Category.CONTACT),
            OrganizationKind.ASSOCIATION,
            "Qui reçoit quoi : les associations d'aide alimentaire partenaires de Passerelle "
            "pourront connaître votre nom, votre date de naissance et vos coordonnées, pour vous "
            "proposer une aide alimentaire. "
            "Pour combien de temps : {duree} à partir de la confirmation de votre demande. "
            + _WITHDRAW,
        ),
        PortalPurpose(
            Purpose.HOUSING,
            (Category.IDENTITY, Category.CONTACT, Category.SITUATION),
            OrganizationKind.SIAO,
            "Qui reçoit quoi : le SIAO (service intégré d'accueil et d'orientation) pourra "
            "connaître votre identité, vos coordonnées et votre situation (famille, logement, "
            "ressources), pour étudier une solution d'hébergement ou de logement. "
            "Pour combien de temps : {duree} à partir de la confirmation de votre demande. "
            + _WITHDRAW,
        ),
    ),
    CRISIS: (
        PortalPurpose(
            Purpose.CRISIS_PLAN,
            (Category.IDENTITY, Category.CONTACT, Category.SITUATION),
            CHOSEN,
            "Qui reçoit quoi : la mairie (ou son CCAS) inscrit la personne au registre des "
            "personnes vulnérables (article L121-6-1 du code de l'action sociale et des "
            "familles) : identité, adresse, téléphone, personne à prévenir, vie seule ou non. "
            "Ces informations ne servent qu'au plan d'alerte et d'urgence (canicule, grand "
            "froid) : elles ne sont transmises au préfet et aux services qui interviennent à "
            "domicile que lorsque ce plan est déclenché. "
            "Pour combien de temps : tant que la personne reste inscrite. Elle peut demander à "
            "tout moment sa radiation du registre, sans justification : avec le lien de retrait "
            "reçu (valable {lien}), ou auprès de la mairie.",
        ),
    ),
}


def catalogue(kind: str) -> tuple[PortalPurpose, ...]:
    if kind not in PURPOSES:
        raise ValueError(f"unknown portal kind {kind!r}")
    return PURPOSES[kind]


def notice(purpose: PortalPurpose) -> str:
    """The notice as shown to the person (the settings' durations filled in)."""
    return purpose.text.format(
        duree=_duration(settings.CONSENT_DEFAULT_DAYS),
        lien=_duration(settings.PORTAL_WITHDRAWAL_DAYS),
    )


def portal_purposes(kind: str) -> list[tuple[str, str, str]]:
    return [(str(p.code), p.label, notice(p)) for p in catalogue(kind)]


def purpose_label(code: str) -> str:
    return str(Purpose(code).label) if code in Purpose.values else ""


def validate_purposes(kind: str, purposes) -> list[dict]:
    """French errors for the purposes a citizen ticked (an empty list is allowed)."""
    if not isinstance(purposes, list | tuple) or not all(isinstance(p, str) for p in purposes):
        return [{"field": "purposes", "message": "La liste des consentements est invalide."}]
    offered = {str(p.code) for p in catalogue(kind)}
    return [
        {
            "field": f"purposes[{i}]",
            "message": "Ce consentement n'est pas proposé sur ce formulaire.",
        }
        for i, code in enumerate(purposes)
        if code not in offered
    ]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def record_portal_consents(
    *, submission_id, organization_id, kind: str, purposes, given_at: dt.datetime
) -> list[tuple[PortalConsent, str]]:
    """One consent per purpose ticked, with its evidence and a fresh token (returned once)."""
    wanted = dict.fromkeys(purposes)
    made = []
    for purpose in catalogue(kind):
        if purpose.code not in wanted:
            continue
        token = secrets.token_urlsafe(32)
        text = notice(purpose)
        consent = PortalConsent(
            submission_id=submission_id,
            organization_id=organization_id,
            purpose=purpose.code,
            categories=sorted(purpose.categories),
            notice_version=NOTICE_VERSION,
            notice_text=text,
            notice_hash=hashlib.sha256(text.encode()).hexdigest(),
            channel=CHANNEL_PORTAL,
            given_at=given_at,
            token_hash=hash_token(token),
            token_expires_at=given_at + dt.timedelta(days=settings.PORTAL_WITHDRAWAL_DAYS),
        )
        consent.save(force_insert=True)
        made.append((consent, token))
    return made


def consume_token(token: str, *, now: dt.datetime | None = None) -> PortalConsent | None:
    """Claim a withdrawal token: the consent, or ``None`` for an unknown, used or expired token,
    or one of a void consent (one answer for all). Runs in the caller's transaction."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = now or timezone.now()
    digest = hash_token(token)
    claimed = PortalConsent.objects.filter(
        token_hash=digest,
        token_used_at__isnull=True,
        token_expires_at__gt=now,
        withdrawn_at__isnull=True,  # voided with a rejected or withdrawn submission
    ).update(token_used_at=now)
    if claimed != 1:
        return None
    return PortalConsent.objects.select_for_update().get(token_hash=digest)


def consents_of(submission_id):
    return PortalConsent.objects.filter(submission_id=submission_id).order_by("purpose")


def grant_consents(
    *, actor: Actor, submission_id, beneficiary_id, collected_by_name: str, request_id: str = ""
) -> list[Grant]:
    """Turn the submission's consents still standing into grants on the person (confirmation).

    The grant's period starts when the worker confirms (the notice says so); its evidence names
    the portal and the submission's reference. A withdrawn consent becomes no grant.
    """
    kind_of = {p.code: p for purposes in PURPOSES.values() for p in purposes}
    made = []
    for consent in consents_of(submission_id).select_for_update():
        consent.beneficiary_id = beneficiary_id
        purpose = kind_of[consent.purpose]
        if consent.withdrawn_at is None and purpose.code != Purpose.CRISIS_PLAN:
            grantee = (
                {
                    "grantee_type": GranteeType.ORGANIZATION,
                    "grantee_organization_id": consent.organization_id,
                }
                if purpose.grantee == CHOSEN
                else {"grantee_type": GranteeType.KIND, "grantee_kind": purpose.grantee}
            )
            consent.grant = record_grant(
                actor=actor,
                beneficiary_id=beneficiary_id,
                basis="consent",
                purposes=[purpose.code],
                categories=list(consent.categories),
                evidence_method=EvidenceMethod.ELECTRONIC,
                collected_by_name=collected_by_name,
                collected_by_user_id=actor.user_id,
                request_id=request_id,
                **grantee,
            )
            made.append(consent.grant)
        consent.save(update_fields=["beneficiary_id", "grant"])
    return made


def attach_grant(*, submission_id, purpose: str, beneficiary_id, grant_id) -> None:
    """Name the grant a consent rests on once another service recorded it (the crisis register's
    legal-obligation grant)."""
    consents_of(submission_id).filter(purpose=purpose).update(
        beneficiary_id=beneficiary_id, grant_id=grant_id
    )


@transaction.atomic
def withdraw_consent(*, actor: Actor, consent: PortalConsent, request_id: str = "") -> None:
    """The person withdraws this consent: marked withdrawn; its grant, if any, withdrawn through
    ``consent.grants.withdraw_grant`` (ledger event, both parties told)."""
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    if consent.grant_id:
        withdraw_grant(
            actor=actor, grant_id=consent.grant_id, reason=WITHDRAWAL_REASON, request_id=request_id
        )


def void_consents(*, submission_id) -> None:
    """A rejected or withdrawn submission: its consents stand for nothing any more."""
    now = timezone.now()
    consents_of(submission_id).filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
