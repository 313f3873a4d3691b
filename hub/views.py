"""Public, unauthenticated views: the published JSON Schemas and a health check."""

from __future__ import annotations

from django.db import connection
from django.http import FileResponse, JsonResponse
from django.views.decorators.http import require_safe

import schemas
from hub.api.problems import problem_response


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
