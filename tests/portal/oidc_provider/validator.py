"""FranceConnect's behaviour on top of django-oauth-toolkit: one scope per claim, an ID token
with no identity in it (sub, acr only), the identity in a signed userinfo JWT.

Each test client (``client_id``) names one behaviour, so that a test picks it through the
portal's own settings (``FRANCECONNECT_CLIENT_ID``), never by touching the portal's code.
"""

import json
import time

from django.conf import settings
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

IDENTITY = {
    "given_name": "Marie Louise",
    "family_name": "Martin",
    "birthdate": "1948-03-21",
    "gender": "female",
    "birthplace": "69266",
    "email": "marie.martin@example.org",
}
MODES = {
    "passerelle": "signed-userinfo",
    "passerelle-json": "json-userinfo",
    "passerelle-es256": "es256",
    "passerelle-wrong-nonce": "wrong-nonce",
    "passerelle-wrong-audience": "wrong-audience",
    "passerelle-expired": "expired",
    "passerelle-unpublished-key": "unpublished-key",
    "passerelle-alg-none": "alg-none",
    "passerelle-userinfo-unpublished-key": "userinfo-unpublished-key",
    "passerelle-userinfo-alg-none": "userinfo-alg-none",
}


def rsa_key() -> jwk.JWK:
    return jwk.JWK.from_pem(settings.RSA_KEY.encode())


def ec_key() -> jwk.JWK:
    return jwk.JWK.from_pem(settings.EC_KEY.encode())


def _b64(data: bytes) -> str:
    from base64 import urlsafe_b64encode

    return urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, mode: str) -> str:
    if mode == "alg-none":
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{_b64(json.dumps(claims).encode())}."
    key, alg = rsa_key(), "RS256"
    kid = key.thumbprint()
    if mode == "es256":
        key, alg = ec_key(), "ES256"
        kid = key.thumbprint()
    elif mode == "unpublished-key":
        key = jwk.JWK.from_pem(settings.UNPUBLISHED_KEY.encode())  # kid still the published one
    token = jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


class FranceConnectLikeValidator(OAuth2Validator):
    oidc_claim_scope = {"sub": "openid", **{claim: claim for claim in IDENTITY}}

    def get_additional_claims(self, request):
        return dict(IDENTITY)

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        for claim in IDENTITY:
            claims.pop(claim, None)
        claims["acr"] = "eidas1"
        return claims, expiration

    def finalize_id_token(self, id_token, token, token_handler, request):
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        mode = MODES.get(request.client.client_id, "signed-userinfo")
        if mode in ("signed-userinfo", "json-userinfo") or mode.startswith("userinfo-"):
            return serialized
        claims = json.loads(jwt.JWT(jwt=serialized, key=rsa_key()).claims)
        now = int(time.time())
        if mode == "wrong-nonce":
            claims["nonce"] = "une-autre-valeur-que-celle-envoyee-par-le-portail"
        elif mode == "wrong-audience":
            claims["aud"] = "un-autre-service"
        elif mode == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        return sign(claims, mode)

    def get_userinfo_claims(self, request):
        claims = super().get_userinfo_claims(request)
        mode = MODES.get(request.client.client_id, "signed-userinfo")
        if mode == "json-userinfo":
            return claims
        claims.update(iss=settings.ISSUER, aud=request.client.client_id, iat=int(time.time()))
        if mode.startswith("userinfo-"):
            return sign(claims, mode.removeprefix("userinfo-"))
        return sign(claims, "es256" if mode == "es256" else "signed-userinfo")
