"""Onboarding of partner organizations and their OAuth2 clients."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from hub.registry.models import Organization, OrganizationKind, PartnerClient


class OnboardingError(ValueError):
    pass


@dataclass
class Onboarded:
    organization: Organization
    client: PartnerClient
    client_id: str
    client_secret: str
    organization_created: bool


def parse_scopes(text: str) -> list[str]:
    scopes = sorted(set(text.replace(",", " ").split()))
    unknown = [scope for scope in scopes if scope not in settings.API_SCOPES]
    if unknown:
        raise OnboardingError(
            f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(sorted(settings.API_SCOPES))}"
        )
    if not scopes:
        raise OnboardingError("at least one scope is required")
    return scopes


def onboard_partner(
    *, name: str, kind: str, scopes: list[str], siret: str = "", client_name: str = ""
) -> Onboarded:
    """Create the organization if it does not exist and a new OAuth2 client limited to ``scopes``.

    The client secret is returned once; only its hash is stored.
    """
    name = name.strip()
    if not name:
        raise OnboardingError("the organization name is empty")
    if kind not in OrganizationKind.values:
        raise OnboardingError(
            f"unknown kind {kind!r}; one of: {', '.join(OrganizationKind.values)}"
        )
    Application = get_application_model()
    secret = generate_client_secret()
    with transaction.atomic():
        organization, created = Organization.objects.get_or_create(
            name=name, defaults={"kind": kind, "siret": siret}
        )
        if not created and organization.kind != kind:
            raise OnboardingError(
                f"organization {name!r} exists with kind {organization.kind!r}, not {kind!r}"
            )
        if created and siret:
            organization.full_clean()
        application = Application.objects.create(
            name=client_name or f"{name} API",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
            skip_authorization=True,
        )
        client = PartnerClient.objects.create(
            organization=organization, application=application, allowed_scopes=" ".join(scopes)
        )
    return Onboarded(organization, client, application.client_id, secret, created)
