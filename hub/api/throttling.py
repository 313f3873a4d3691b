"""Per-client throttling: one bucket per OAuth2 application (not per IP)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def get_rate(self):
        # Read at call time (not class definition) so that a settings change takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        actor = getattr(request, "actor", None)
        ident = (
            f"client:{actor.client_id}"
            if actor and actor.client_id
            else f"ip:{self.get_ident(request)}"
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}


class MatchRateThrottle(ClientRateThrottle):
    """A stricter bucket for identity probes, so the match endpoint cannot be used to enumerate."""

    scope = "match"
