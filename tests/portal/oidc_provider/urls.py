import json

from django.contrib.auth.views import LoginView
from django.http import JsonResponse
from django.urls import include, path
from oauth2_provider.views import ConnectDiscoveryInfoView

from tests.portal.oidc_provider.validator import ec_key, rsa_key


def discovery(request):
    """DOT's document, with ES256 announced beside RS256 (FranceConnect offers both)."""
    document = json.loads(ConnectDiscoveryInfoView.as_view()(request).content)
    document["id_token_signing_alg_values_supported"] = ["ES256", "RS256"]
    document["userinfo_signing_alg_values_supported"] = ["ES256", "RS256"]
    return JsonResponse(document)


def jwks(request):
    """DOT's RS256 key and the ES256 one (DOT publishes RSA keys only)."""
    keys = []
    for key, alg in ((rsa_key(), "RS256"), (ec_key(), "ES256")):
        keys.append(
            {"alg": alg, "use": "sig", "kid": key.thumbprint(), **json.loads(key.export_public())}
        )
    return JsonResponse({"keys": keys})


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("o/.well-known/openid-configuration", discovery),
    path("o/.well-known/jwks.json", jwks),
    path("o/", include("oauth2_provider.urls")),
]
