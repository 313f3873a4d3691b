"""OAuth2 scopes backend: each partner client gets at most the scopes it is allowed."""

from oauth2_provider.scopes import SettingsScopes


class PartnerScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        all_scopes = set(super().get_available_scopes(application, request, *args, **kwargs))
        client = getattr(application, "partner_client", None) if application is not None else None
        if client is None or not client.is_active:
            return []
        return sorted(all_scopes & set(client.scope_list))

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A token requested without a scope gets everything the client is allowed.
        return self.get_available_scopes(application, request, *args, **kwargs)
