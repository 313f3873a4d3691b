"""OAuth2 for partner clients: HTTP Basic client authentication only, active clients only, and
at most the scopes each client is allowed."""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

#: The one client authentication method of the token endpoint (README: HTTP Basic).
TOKEN_ENDPOINT_AUTH_METHOD = "client_secret_basic"


def active_partner_client(application):
    """The application's PartnerClient when it and its organization are active, else None."""
    client = getattr(application, "partner_client", None) if application is not None else None
    if client is None or not client.is_active or not client.organization.is_active:
        return None
    return client


class PartnerOAuth2Validator(OAuth2Validator):
    """Client credentials in the request body (``client_secret_post``) are not accepted, and a
    disabled client, or the client of a disabled organization, gets no token."""

    def authenticate_client(self, request, *args, **kwargs):
        if not self._authenticate_basic_auth(request):
            return False
        return active_partner_client(request.client) is not None


class PartnerScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        all_scopes = set(super().get_available_scopes(application, request, *args, **kwargs))
        client = active_partner_client(application)
        if client is None:
            return []
        return sorted(all_scopes & set(client.scope_list))

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A token requested without a scope gets everything the client is allowed.
        return self.get_available_scopes(application, request, *args, **kwargs)
