"""Alerts of an activation to registered persons (SMS, e-mail) and to the campaign's callers
(e-mail), throttled, with per-person opt-out and a record of what was sent (``Notification``).

Partners and the hypervisor learn of an activation through the feed and webhooks
(``crisis.plans``); this module is for people. A person is alerted once per activation and per
channel, and not again within ``CRISIS_ALERT_THROTTLE_HOURS`` of a previous alert (several plans
triggered the same day). Addresses are read through the disclosure gate (purpose ``crisis_plan``,
one access-log row per person). Messages carry no personal data beyond the address.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from crisis import disclosure
from crisis.models import Activation, CampaignCaller, Notification, Registration
from crisis.models.alerts import Channel, NotificationStatus
from crisis.vocab import RegistrationStatus
from hub import sms
from hub.registry.actors import Actor

logger = logging.getLogger(__name__)
KIND_ACTIVATED = "activated"
BATCH = 500


def message(activation: Activation) -> str:
    return (
        f"{activation.organization.name} : plan {activation.get_plan_display().lower()} "
        f"déclenché ({activation.get_level_display().lower()}). Un agent ou un bénévole va vous "
        "appeler. En cas d'urgence, composez le 15."
    )


def _throttled(registration_id, channel: str, activation: Activation) -> bool:
    since = timezone.now() - dt.timedelta(hours=settings.CRISIS_ALERT_THROTTLE_HOURS)
    return (
        Notification.objects.filter(
            registration_id=registration_id,
            channel=channel,
            status=NotificationStatus.SENT,
            at__gte=since,
        )
        .exclude(activation=activation)
        .exists()
    )


def _record(activation, channel, status, *, registration=None, user=None) -> bool:
    """Keep what was (or was not) sent; False when it was already recorded (a second run)."""
    try:
        with transaction.atomic():
            Notification.objects.create(
                activation=activation,
                registration=registration,
                user=user,
                channel=channel,
                kind=KIND_ACTIVATED,
                status=status,
            )
    except IntegrityError:
        return False
    return True


def _already(activation, channel, *, registration=None, user=None) -> bool:
    return Notification.objects.filter(
        activation=activation, registration=registration, user=user, channel=channel
    ).exists()


def _send(channel: str, to: str, subject: str, text: str) -> bool:
    try:
        if channel == Channel.SMS:
            sms.get_backend().send_messages([(to, text)])
        else:
            send_mail(subject, text, None, [to])
    except Exception:  # a provider failure is recorded, never stops the others
        logger.exception("crisis alert by %s failed", channel)
        return False
    return True


def send_activation_alerts(*, activation_id) -> int:
    """Alert the registered persons and the callers of an open activation (safe to run twice:
    what was recorded is not sent again). Returns the number of messages sent."""
    activation = Activation.objects.select_related("organization").filter(pk=activation_id).first()
    if activation is None or not activation.is_open:
        return 0
    system = Actor(
        organization_id=activation.organization_id,
        organization_ids=(activation.organization_id,),
    )
    text = message(activation)
    subject = f"Plan d'alerte et d'urgence — {activation.organization.name}"
    sent = 0
    entries = Registration.objects.filter(
        organization_id=activation.organization_id, status=RegistrationStatus.ACTIVE
    ).order_by("pk")
    last = None
    while True:
        page = entries.filter(pk__gt=last) if last else entries
        page = list(page[:BATCH])
        if not page:
            break
        last = page[-1].pk
        with transaction.atomic():
            shown = disclosure.disclose(
                actor=system,
                registrations=page,
                purpose="crisis_plan",
                action="notify",
                request_id=f"alert:{activation.pk}",
            )
        for entry in shown:
            for channel, to in (
                (Channel.SMS, entry.phone),
                (Channel.EMAIL, entry.person.get("email", "")),
            ):
                if _already(activation, channel, registration=entry):
                    continue
                if entry.alerts_opt_out:
                    status = NotificationStatus.OPTED_OUT
                elif not to:
                    status = NotificationStatus.NO_ADDRESS
                elif _throttled(entry.pk, channel, activation):
                    status = NotificationStatus.THROTTLED
                else:
                    status = None
                if status is not None:
                    _record(activation, channel, status, registration=entry)
                    continue
                if not _record(activation, channel, NotificationStatus.SENT, registration=entry):
                    continue
                if _send(channel, to, subject, text):
                    sent += 1
                else:
                    Notification.objects.filter(
                        activation=activation, registration=entry, channel=channel
                    ).update(status=NotificationStatus.FAILED)
    for caller in CampaignCaller.objects.filter(activation=activation).select_related("user"):
        email = caller.user.email
        if _already(activation, Channel.EMAIL, user=caller.user):
            continue
        if not email:
            _record(activation, Channel.EMAIL, NotificationStatus.NO_ADDRESS, user=caller.user)
            continue
        if _record(activation, Channel.EMAIL, NotificationStatus.SENT, user=caller.user):
            body = (
                f"Le plan {activation.get_plan_display().lower()} est déclenché "
                f"({activation.get_level_display().lower()}). Votre liste d'appels vous attend "
                "dans Passerelle : « Prochain appel »."
            )
            if _send(Channel.EMAIL, email, subject, body):
                sent += 1
    return sent
