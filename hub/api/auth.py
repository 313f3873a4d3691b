"""Partner authentication (OAuth2 client credentials) and per-method scope checks.

A client-credentials token has no user: the caller is the organization behind the OAuth2
application, found through its PartnerClient. Views declare ``scope_map`` (HTTP method →
scope); a view that declares nothing is closed.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from hub.registry.actors import Actor
from hub.registry.models import PartnerClient


class PartnerAuthentication(OAuth2Authentication):
    www_authenticate_realm = "passerelle"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        try:
            client = (
                PartnerClient.objects.select_related("organization")
                .only(
                    "id",
                    "is_active",
                    "organization__id",
                    "organization__name",
                    "organization__kind",
                    "organization__is_active",
                )
                .get(application_id=token.application_id)
            )
        except PartnerClient.DoesNotExist:
            raise AuthenticationFailed("This token does not belong to a partner client.") from None
        if not client.is_active or not client.organization.is_active:
            raise AuthenticationFailed("This partner client is disabled.")
        request.actor = Actor.for_client(client)
        return (None, token)

    def authenticate_header(self, request):
        return f'Bearer realm="{self.www_authenticate_realm}"'


class HasScope(BasePermission):
    """Require a valid token carrying the scope that ``view.scope_map`` names for the method."""

    message = "This token does not carry the scope this operation needs."

    def has_permission(self, request, view):
        token = request.auth
        if token is None or getattr(request, "actor", None) is None:
            return False
        handler = getattr(view, request.method.lower(), None)
        if request.method.lower() not in view.http_method_names or handler is None:
            return True  # the view answers 405 Method Not Allowed
        scope = required_scope(view, request.method)
        if scope is None:
            return False
        if not token.is_valid([scope]):
            self.message = (
                f"This token does not carry the scope {scope!r} that this operation needs."
            )
            return False
        return True


def required_scope(view, method: str) -> str | None:
    scope_map = getattr(view, "scope_map", None) or {}
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    action = getattr(view, "action", None)
    if action and action in scope_map:
        return scope_map[action]
    return scope_map.get(method)


class PartnerAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: OAuth2 client credentials, with the scope each operation requires."""

    target_class = "hub.api.auth.PartnerAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": (
                "OAuth2 client credentials. The token endpoint accepts HTTP Basic client "
                "authentication only (client_secret_basic): Authorization: Basic "
                "base64(client_id:client_secret). Tokens live at most 15 minutes."
            ),
            "flows": {
                "clientCredentials": {"tokenUrl": "/o/token/", "scopes": settings.API_SCOPES}
            },
        }

    def get_security_requirement(self, auto_schema):
        scope = required_scope(auto_schema.view, auto_schema.method)
        return {self.name: [scope] if scope else []}
