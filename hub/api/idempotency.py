"""``Idempotency-Key`` for POST endpoints (IETF draft-ietf-httpapi-idempotency-key-header).

Usage on any DRF view method::

    from hub.api.idempotency import idempotent

    class CaseList(APIView):
        @idempotent
        def post(self, request): ...

Semantics, per partner client and key:

* first request: runs; a 2xx response is stored with the key, in the request's own transaction
  (``ATOMIC_REQUESTS``), so the key and the resource it created commit together or not at all;
  an error response stores nothing, so the client may retry with the same key;
* same key and same body (SHA-256 of method, path and raw body) again: the stored response is
  replayed with ``Idempotent-Replayed: true``;
* same key while the first request is still running: 409;
* same key with another body or path: 422.

Concurrency: on PostgreSQL a transaction-scoped advisory lock on (client, key) is tried first;
a request that does not get it answers 409 at once. The lock is released at commit, after the
stored row became visible, so the next request either sees the row (replay) or runs alone. On
SQLite, write transactions are serialised (``BEGIN IMMEDIATE``), which gives the same result.
Keys are kept ``IDEMPOTENCY_KEY_TTL_HOURS`` hours (``hub.api.models.purge_expired_keys``,
Celery beat).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from hub.api.models import IdempotencyKey
from hub.api.problems import Problem

#: The header, for the OpenAPI parameters of an idempotent POST.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
)

HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("Location", "ETag", "Content-Location")


def start_fingerprint(request):
    """The fingerprint's hash before the body: a view that streams its body feeds it the
    body's bytes and names ``hexdigest()`` in ``body_fingerprint(request)``."""
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    return digest


def _fingerprint(request, body: bytes) -> str:
    digest = start_fingerprint(request)
    digest.update(body)
    return digest.hexdigest()


def _raw_body(request, view) -> bytes:
    limit = getattr(view, "max_body_bytes", None) or settings.API_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        raise Problem(413, f"The body is larger than the {limit}-byte limit of this endpoint.")
    try:
        return request._request.body
    except RequestDataTooBig:
        raise Problem(
            413, f"The body is larger than the {limit}-byte limit of this endpoint."
        ) from None
    except RawPostDataException:
        # Something (form parsing during authentication) consumed the stream: fingerprint the
        # parsed body instead, canonically (raw parsers give bytes).
        data = request.data
        if isinstance(data, bytes):
            return data
        return json.dumps(data, sort_keys=True, cls=JSONEncoder).encode()


def lock_id(client_id: int, key: str) -> int:
    """The PostgreSQL advisory lock key of (client, Idempotency-Key)."""
    digest = hashlib.sha256(f"idempotency:{client_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock(client_id: int, key: str) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id(client_id, key)])
        return bool(cursor.fetchone()[0])


def _replay(stored: IdempotencyKey) -> Response:
    response = Response(stored.body, status=stored.status_code)
    for name, value in stored.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(method):
    """Decorate a DRF view handler (``post``) to honour ``Idempotency-Key``."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        actor = getattr(request, "actor", None)
        if key is None or actor is None or not actor.client_id:
            return method(view, request, *args, **kwargs)
        if not _KEY_RE.match(key):
            raise Problem(
                400,
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                errors=[{"field": "Idempotency-Key", "message": "malformed"}],
            )
        if hasattr(view, "body_fingerprint"):  # a view that streams its body hashes it itself
            fingerprint = view.body_fingerprint(request)
        else:
            fingerprint = _fingerprint(request, _raw_body(request, view))
        if not _lock(actor.client_id, key):
            raise Problem(
                409,
                "A request with this Idempotency-Key is still being processed; retry later.",
                headers={"Retry-After": "1"},
            )
        stored = IdempotencyKey.objects.filter(client_id=actor.client_id, key=key).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise Problem(
                    422,
                    "This Idempotency-Key was already used with another request body or path.",
                    errors=[{"field": "Idempotency-Key", "message": "reused with another body"}],
                )
            return _replay(stored)
        response = method(view, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            IdempotencyKey.objects.create(
                client_id=actor.client_id,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
                status_code=response.status_code,
                body=body,
                headers={h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)},
            )
        return response

    return wrapper
