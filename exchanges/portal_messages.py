"""The message a citizen receives after a submission, in plain French.

It carries the reference, what happens next, the consent receipt (each purpose, what the person
was told, when, through which channel, under which notice version) and the withdrawal links.
It leaves after the commit of the submission: by e-mail (Django's mail, ``EMAIL_BACKEND``) when
the person gave an address; when they gave only a phone, a short SMS through the SMS backend
(``hub.sms``, ``CRISIS_SMS_BACKEND``), for a help request as for the register. With neither, the
page of the portal is the only receipt. Logs name the reference, never the person.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from consent import portal
from consent.models import PortalConsent
from hub import sms

logger = logging.getLogger(__name__)

NEXT_STEPS = {
    "help": (
        "Un travailleur social de {organization} va étudier votre demande et vous recontacter "
        "selon les disponibilités que vous avez indiquées. Votre demande n'est transmise à "
        "aucun autre organisme sans votre consentement. Gardez votre référence : elle vous "
        "sera demandée si vous appelez."
    ),
    "crisis_registration": (
        "Un agent de {organization} va vérifier la demande avant l'inscription au registre. "
        "Si la demande a été faite par un proche, la personne sera informée et pourra s'y "
        "opposer. En cas de canicule ou de grand froid, la mairie prendra des nouvelles de la "
        "personne inscrite."
    ),
}


def absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def receipt_text(*, submission, links) -> tuple[str, str]:
    """Subject and body of the message (plain French)."""
    organization = submission.organization.name
    consents = {
        c.purpose: c
        for c in PortalConsent.objects.filter(submission_id=submission.pk).order_by("purpose")
    }
    url_of = dict(links)
    lines = [
        "Bonjour,",
        "",
        f"Votre demande a bien été reçue par {organization} le {_when(submission.created_at)}.",
        f"Votre référence : {submission.reference}",
        "",
        "Ce qui va se passer :",
        NEXT_STEPS[submission.kind].format(organization=organization),
        "",
    ]
    if consents:
        lines += ["Votre reçu de consentement :", ""]
        for consent in consents.values():
            label = portal.purpose_label(consent.purpose)
            lines += [
                f"* {label}",
                f"  Donné le {_when(consent.given_at)} sur le {consent.channel} "
                f"(information version {consent.notice_version}).",
                f"  {consent.notice_text}",
                f"  Pour le retirer : {absolute(url_of.get(label, ''))}",
                "",
            ]
    else:
        lines += ["Vous n'avez donné aucun consentement au partage de vos informations.", ""]
    lines += [
        "Chaque lien de retrait ne sert qu'une fois. Vous pouvez aussi vous adresser "
        f"directement à {organization}.",
        "",
        "Ce message est envoyé automatiquement : merci de ne pas y répondre.",
    ]
    return f"Votre demande {submission.reference} a bien été reçue", "\n".join(lines)


def sms_text(*, submission, links) -> str:
    organization = submission.organization.name
    text = f"{organization} a bien reçu votre demande {submission.reference}."
    for label, path in links:
        text += f" Pour la retirer ({label}) : {absolute(path)}"
    return text


def addresses(submission) -> tuple[str, str]:
    """(e-mail, phone) of whoever asked: the third party who filled the form, or the person."""
    details = submission.details or {}
    for source in (details.get("requester"), details.get("contact"), submission.person):
        source = source or {}
        email, phone = source.get("email", ""), source.get("phone", "")
        if email or phone:
            return email, phone
    return "", ""


def send_receipt(*, submission, links) -> str:
    """Send the receipt once the submission is committed (the portal's request is one
    transaction: a rollback sends nothing). Answers the channel, ``"email"``, ``"sms"`` or
    ``""`` when the person left neither an address nor a phone."""
    return _send_after_commit(
        submission,
        what="receipt",
        mail=lambda: receipt_text(submission=submission, links=links),
        short=lambda: sms_text(submission=submission, links=links),
    )


def rejection_text(submission, *, stale: bool = False) -> tuple[str, str]:
    """What the person is told when a worker does not take the request up (or nobody handled it
    in time, ``stale``): neutral (the worker's reason is for the file, not for a message that
    anyone near the phone may read)."""
    organization = submission.organization.name
    what = "inscription" if submission.kind == "crisis_registration" else "demande"
    outcome = (
        f"n'a pas été traitée par {organization} dans le délai de conservation"
        if stale
        else f"n'a pas pu être retenue par {organization}"
    )
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"Votre {what} {submission.reference} du {_when(submission.created_at)} {outcome}.",
            "Les informations que vous aviez envoyées ont été effacées et vos accords n'ont plus "
            "d'effet.",
            f"Pour en savoir plus ou faire une nouvelle demande, adressez-vous à {organization}.",
            "",
            "Ce message est envoyé automatiquement : merci de ne pas y répondre.",
        ]
    )
    subject = "est close" if stale else "n'a pas été retenue"
    return f"Votre {what} {submission.reference} {subject}", body


def send_rejection(submission, *, stale: bool = False) -> str:
    """Tell the person (before what they typed is erased: call it first) that the request was
    not taken up; sent after the commit. Answers the channel, as ``send_receipt``."""
    subject, body = rejection_text(submission, stale=stale)
    short = (
        f"{submission.organization.name} n'a pas pu retenir votre demande "
        f"{submission.reference}. Adressez-vous à cet organisme pour en savoir plus."
    )
    return _send_after_commit(
        submission, what="rejection", mail=lambda: (subject, body), short=lambda: short
    )


def _send_after_commit(submission, *, what: str, mail, short) -> str:
    """E-mail when there is an address, else SMS when there is a phone, after the commit (a
    failure is logged with the reference only: the submission stands)."""
    email, phone = addresses(submission)
    reference = submission.reference
    if email:
        subject, body = mail()

        def deliver():
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])

        channel = "email"
    elif phone:
        text = short()

        def deliver():
            sms.get_backend().send_messages([(phone, text)])

        channel = "sms"
    else:
        return ""

    def send():
        try:
            deliver()
        except Exception:  # noqa: BLE001 (the submission stands; the page shows the reference)
            logger.warning("portal %s of %s could not be sent", what, reference)

    transaction.on_commit(send)
    return channel
