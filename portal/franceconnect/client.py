"""The FranceConnect client: OpenID Connect authorization code flow, through Authlib.

- ``state`` and ``nonce`` (43 random characters each, FranceConnect asks for at least 32) and
  PKCE S256 when the provider announces it; the flow's data waits in the session under
  Authlib's ``_state_franceconnect_<state>`` key and is consumed by the callback (single use).
- The discovery document (``<issuer>/.well-known/openid-configuration``) and the JWKS are read
  from the provider and cached (Django cache, one hour); an unknown ``kid`` fetches the JWKS
  again (key rotation).
- The ID token's signature is checked against the JWKS, ES256 or RS256 only (never ``none`` or
  HS256); ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``, ``azp`` and ``at_hash`` by Authlib,
  ``acr`` here. The userinfo answer, signed JWT (FranceConnect v2) or JSON, is checked the
  same way and must name the same ``sub``.

Every failure raises :class:`FranceConnectError` with a short reason code: it is what the log
says (never a name, a token or a query string) and what picks the French page.
"""

from __future__ import annotations

import hashlib
import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ("ES256", "RS256")
ACR_LEVELS = ("eidas1", "eidas2", "eidas3")
CLAIMS = ("given_name", "family_name", "birthdate", "gender", "birthplace", "email")
CACHE_SECONDS = 3600
NAME = "franceconnect"


class FranceConnectError(Exception):
    """The flow cannot go on. ``reason`` is a code for the log and the page, never data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _issuer() -> str:
    return settings.FRANCECONNECT_ISSUER.rstrip("/")


def _cache_key(kind: str) -> str:
    digest = hashlib.sha256(f"{_issuer()}|{settings.FRANCECONNECT_CLIENT_ID}".encode()).hexdigest()
    return f"franceconnect:{kind}:{digest[:32]}"


def _get(url: str, **kwargs) -> requests.Response:
    try:
        response = requests.get(url, timeout=settings.FRANCECONNECT_TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException:
        raise FranceConnectError("provider_unreachable") from None
    return response


def _json(response: requests.Response, reason: str) -> dict:
    try:
        document = response.json() if response.status_code == 200 else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise FranceConnectError(reason)
    return document


def discovery() -> dict:
    """The provider's metadata, cached. Its ``issuer`` must be the configured one."""
    key = _cache_key("discovery")
    document = cache.get(key)
    if document is None:
        url = f"{_issuer()}/.well-known/openid-configuration"
        document = _json(_get(url), "discovery_unavailable")
        if str(document.get("issuer", "")).rstrip("/") != _issuer():
            raise FranceConnectError("issuer_mismatch")
        # An https issuer's endpoints are https too: no token or key over plain HTTP.
        schemes = ("https://",) if _issuer().startswith("https://") else ("https://", "http://")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not str(document.get(endpoint, "")).startswith(schemes):
                raise FranceConnectError("discovery_incomplete")
        for endpoint in ("userinfo_endpoint", "end_session_endpoint"):
            if document.get(endpoint) and not str(document[endpoint]).startswith(schemes):
                raise FranceConnectError("discovery_incomplete")
        cache.set(key, document, CACHE_SECONDS)
    return document


def _app(metadata: dict) -> DjangoOAuth2App:
    """An Authlib client for this request, from the cached metadata and JWKS."""
    offered = metadata.get("id_token_signing_alg_values_supported") or list(ALGORITHMS)
    algorithms = [alg for alg in ALGORITHMS if alg in offered]
    if not algorithms:
        raise FranceConnectError("no_supported_algorithm")
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    client_kwargs = {
        "scope": settings.FRANCECONNECT_SCOPES,
        "token_endpoint_auth_method": (
            "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        ),
        "default_timeout": settings.FRANCECONNECT_TIMEOUT_SECONDS,
    }
    if "S256" in (metadata.get("code_challenge_methods_supported") or []):
        client_kwargs["code_challenge_method"] = "S256"
    server_metadata = {**metadata, "id_token_signing_alg_values_supported": algorithms}
    jwks = cache.get(_cache_key("jwks"))
    if jwks:
        server_metadata["jwks"] = jwks
    return DjangoOAuth2App(
        DjangoIntegration(NAME),
        name=NAME,
        client_id=settings.FRANCECONNECT_CLIENT_ID,
        client_secret=settings.FRANCECONNECT_CLIENT_SECRET,
        client_kwargs=client_kwargs,
        **server_metadata,
    )


def _keep_jwks(app: DjangoOAuth2App) -> None:
    jwks = app.server_metadata.get("jwks")
    if jwks:
        cache.set(_cache_key("jwks"), jwks, CACHE_SECONDS)


def authorization_url(request, *, redirect_uri: str, next_url: str) -> str:
    """Where to send the browser; the flow's secrets wait in the session."""
    app = _app(discovery())
    extra = {"prompt": "login consent"}
    if settings.FRANCECONNECT_ACR:
        extra["acr_values"] = settings.FRANCECONNECT_ACR
    flow = app.create_authorization_url(
        redirect_uri,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        **extra,
    )
    app.framework.set_state_data(
        request.session,
        flow["state"],
        {
            "redirect_uri": redirect_uri,
            "nonce": flow["nonce"],
            "code_verifier": flow.get("code_verifier"),
            "next": next_url,
        },
    )
    return flow["url"]


def pending_next(request) -> str | None:
    """The page to go back to, as asked when this flow started (None for an unknown state)."""
    data = DjangoIntegration(NAME).get_state_data(request.session, request.GET.get("state", ""))
    return data.get("next") if data else None


def _acr_allowed(claims, value) -> bool:
    wanted = settings.FRANCECONNECT_ACR
    if wanted not in ACR_LEVELS:
        return value == wanted
    return value in ACR_LEVELS[ACR_LEVELS.index(wanted) :]


def complete(request) -> tuple[dict, str]:
    """Finish the flow at the callback: ``(claims, id_token)`` or FranceConnectError."""
    error = request.GET.get("error")
    if error:  # the pending flow ends here too (its secrets leave the session)
        DjangoIntegration(NAME).clear_state_data(request.session, request.GET.get("state", ""))
        raise FranceConnectError("cancelled" if error == "access_denied" else "provider_refused")
    if not request.GET.get("state") or not request.GET.get("code"):
        raise FranceConnectError("missing_parameters")
    metadata = discovery()
    issuer = request.GET.get("iss")
    if (issuer is not None or metadata.get("authorization_response_iss_parameter_supported")) and (
        (issuer or "").rstrip("/") != _issuer()
    ):
        raise FranceConnectError("issuer_mismatch")
    app = _app(metadata)
    claims_options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": settings.FRANCECONNECT_CLIENT_ID},
    }
    if settings.FRANCECONNECT_ACR:
        claims_options["acr"] = {"essential": True, "validate": _acr_allowed}
    try:
        token = app.authorize_access_token(request, claims_options=claims_options, leeway=60)
    except MismatchingStateError:
        raise FranceConnectError("state_mismatch") from None
    except InvalidKeyIdError:
        raise FranceConnectError("unknown_signing_key") from None
    except ClaimError:
        raise FranceConnectError("id_token_claims_invalid") from None
    except JoseError:
        raise FranceConnectError("id_token_signature_invalid") from None
    except AuthlibBaseError:
        raise FranceConnectError("token_refused") from None
    except requests.RequestException:
        raise FranceConnectError("provider_unreachable") from None
    except (ValueError, KeyError, TypeError):  # not JSON, not a JWT, a malformed key set
        raise FranceConnectError("provider_response_invalid") from None
    id_claims = token.get("userinfo")
    if not id_claims or not token.get("access_token"):
        raise FranceConnectError("id_token_missing")
    _keep_jwks(app)
    claims = _userinfo(app, metadata, token["access_token"])
    if claims.get("sub") != id_claims.get("sub"):
        raise FranceConnectError("userinfo_subject_mismatch")
    return claims, token["id_token"]


def _userinfo(app: DjangoOAuth2App, metadata: dict, access_token: str) -> dict:
    if not metadata.get("userinfo_endpoint"):
        raise FranceConnectError("discovery_incomplete")
    response = _get(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
    )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code != 200:
        raise FranceConnectError("userinfo_refused")
    if content_type != "application/jwt":
        return _json(response, "userinfo_invalid")
    algorithms = list(ALGORITHMS)  # whatever else the provider announces (HS256, none)
    try:
        try:
            signed = jwt.decode(
                response.text, KeySet.import_key_set(app.fetch_jwk_set()), algorithms
            )
        except InvalidKeyIdError:
            keys = KeySet.import_key_set(app.fetch_jwk_set(force=True))
            signed = jwt.decode(response.text, keys, algorithms)
            _keep_jwks(app)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": False, "value": metadata["issuer"]},
            aud={"essential": False, "value": settings.FRANCECONNECT_CLIENT_ID},
        ).validate(signed.claims)
    except JoseError:
        raise FranceConnectError("userinfo_signature_invalid") from None
    except requests.RequestException:
        raise FranceConnectError("provider_unreachable") from None
    except (ValueError, KeyError, TypeError):
        raise FranceConnectError("userinfo_invalid") from None
    return signed.claims


def logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address, or None when it has none (local logout only)."""
    metadata = discovery()
    if not metadata.get("end_session_endpoint"):
        return None
    return _app(metadata).create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        state=secrets.token_urlsafe(32),
    )["url"]
