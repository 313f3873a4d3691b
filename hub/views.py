"""Public, unauthenticated views: the published JSON Schemas and a health check."""

from __future__ import annotations

from django.db import connection
from django.http import FileResponse, JsonResponse
from django.views.decorators.http import require_safe
from oauth2_provider import views as oauth2_views

import schemas
from hub.api.problems import problem_response
from hub.registry.oauth import TOKEN_ENDPOINT_AUTH_METHOD


@require_safe
def schema_index(request):
    items = [
        {
            "name": name,
            "version": version,
            "url": request.build_absolute_uri(f"/schemas/{name}.v{version}.json"),
        }
        for name, version in schemas.available()
    ]
    return JsonResponse({"schemas": items})


@require_safe
def schema_file(request, name: str, version: int):
    if (name, version) not in schemas.available():
        return problem_response(
            404, f"No published schema {name}.v{version}.", instance=request.path
        )
    path = schemas.SCHEMA_DIR / f"{name}.v{version}.json"
    response = FileResponse(path.open("rb"), content_type="application/schema+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class TokenView(oauth2_views.TokenView):
    """``POST /o/token/``: OAuth2 client credentials with HTTP Basic client authentication.

    A refused client (unknown, wrong secret, credentials sent in the body instead of the
    Authorization header, disabled) gets RFC 6749's ``invalid_client`` with an
    ``error_description`` and ``WWW-Authenticate: Basic`` naming the accepted method.
    """

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code != 401:
            return response
        in_body = "client_secret" in request.POST
        description = (
            "Client credentials in the request body (client_secret_post) are not accepted. "
            if in_body
            else ""
        ) + (
            f"Authenticate the client with HTTP Basic ({TOKEN_ENDPOINT_AUTH_METHOD}): "
            "Authorization: Basic base64(client_id:client_secret), for an active client."
        )
        refused = JsonResponse(
            {"error": "invalid_client", "error_description": description}, status=401
        )
        refused["WWW-Authenticate"] = 'Basic realm="passerelle", charset="UTF-8"'
        refused["Cache-Control"] = "no-store"
        return refused
