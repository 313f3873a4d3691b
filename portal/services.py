"""The portal's only door to the services: every call the public pages make, in one place.

The pages never touch a model of personal data: they hand what the citizen typed to the
services of ``exchanges.submissions`` (a request for help) and ``crisis.portal_intake`` (a
registration in a commune's crisis register), which validate, write the pending submission and
its consents per purpose in one transaction, and send the message with the reference and the
withdrawal links. The home and the forms' choices read organizations only (no person).
"""

from __future__ import annotations

from crisis import portal_intake
from crisis.register import REGISTER_HOLDERS
from exchanges import submissions
from hub.registry.models import Organization, OrganizationKind

SubmissionError = submissions.SubmissionError

# Who answers a request for help from the portal: the social services and their partners.
HELP_KINDS = (
    OrganizationKind.CCAS,
    OrganizationKind.CIAS,
    OrganizationKind.DEPARTEMENT,
    OrganizationKind.ASSOCIATION,
    OrganizationKind.SIAO,
)


def active_organizations():
    """The territory's active organizations (a public directory: names and kinds only)."""
    return Organization.objects.filter(is_active=True).order_by("name").only("id", "name", "kind")


def help_organizations() -> list[tuple[str, str]]:
    """(id, label) of the organizations a citizen may ask for help or an appointment."""
    return [
        (str(org.pk), f"{org.name} ({org.get_kind_display()})")
        for org in active_organizations().filter(kind__in=HELP_KINDS)
    ]


def register_communes() -> list[tuple[str, str]]:
    """(INSEE code, label) of the communes whose register may be joined from the portal: those
    served by an active commune, CCAS or CIAS, whose name labels the choice."""
    communes: dict[str, str] = {}
    holders = active_organizations().filter(kind__in=REGISTER_HOLDERS).only("name", "insee_codes")
    for org in holders:
        for code in org.insee_codes or []:
            communes.setdefault(str(code), f"{org.name} (code commune {code})")
    return sorted(communes.items(), key=lambda item: item[1])


def purposes(kind: str) -> list[tuple[str, str, str]]:
    """(code, label, plain-language notice) of what the citizen may consent to for ``kind``
    (``"help"``: a request for help; ``"crisis"``: a registration in the crisis register)."""
    return list(submissions.portal_purposes(kind))


def submit_help_request(
    *,
    organization_id,
    person,
    need,
    situation,
    contact,
    availability,
    purposes,
    client_ip,
):
    return submissions.submit_help_request(
        organization_id=organization_id,
        person=person,
        need=need,
        situation=situation,
        contact=contact,
        availability=availability,
        purposes=purposes,
        client_ip=client_ip,
    )


def submit_registration(
    *,
    commune_insee,
    person,
    category,
    requested_by,
    requester,
    lives_alone,
    emergency_contact,
    purposes,
    client_ip,
):
    return portal_intake.submit_registration(
        commune_insee=commune_insee,
        person=person,
        category=category,
        requested_by=requested_by,
        requester=requester,
        lives_alone=lives_alone,
        emergency_contact=emergency_contact,
        purposes=purposes,
        client_ip=client_ip,
    )


def withdraw(token: str):
    """The outcome of a withdrawal (``.ok``, ``.purpose_label``): the same neutral outcome for
    an invalid, used or expired token."""
    return submissions.withdraw(token)
