"""RFC 9457 problem details: the one error format of the API.

Every error leaving ``/api/``, ``/o/`` or ``/schemas/`` is ``application/problem+json`` with
``type``, ``title``, ``status``, ``detail`` and, for validation, ``errors: [{field, message}]``.
"""

from __future__ import annotations

import json
import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://passerelle.example/problems/"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

#: Seconds a client should wait before retrying when the database is unavailable.
UNAVAILABLE_RETRY_AFTER = 5


class Problem(exceptions.APIException):
    """An error with a problem type, raised anywhere below a view."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        problem_type: str | None = None,
        errors: list[dict] | None = None,
        extra: dict | None = None,
        headers: dict | None = None,
    ):
        self.status_code = status_code
        self.problem_type = problem_type or _default_type(status_code)
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(detail=detail)


class ValidationProblem(Problem):
    def __init__(self, errors: list[dict], detail: str | None = None):
        detail = detail or "; ".join(
            f"{e['field'] or '(body)'}: {e['message']}" for e in errors[:5]
        )
        super().__init__(400, detail, problem_type=TYPE_BASE + "validation", errors=errors)


class RuleProblem(Problem):
    """422: the request matches the OpenAPI document, but a rule the document cannot state
    refused it (an unknown referenced resource, an end before a start, a date in the future,
    an unreachable webhook host...). A body the document itself refuses is a 400."""

    def __init__(self, errors: list[dict], detail: str | None = None):
        detail = detail or "; ".join(
            f"{e['field'] or '(body)'}: {e['message']}" for e in errors[:5]
        )
        super().__init__(422, detail, problem_type=TYPE_BASE + "rule", errors=errors)


def _default_type(status_code: int) -> str:
    return TYPE_BASE + _TITLES.get(status_code, "error").lower().replace(" ", "-")


def problem_response(
    status_code: int,
    detail: str,
    *,
    problem_type: str | None = None,
    errors: list[dict] | None = None,
    extra: dict | None = None,
    headers: dict | None = None,
    instance: str | None = None,
) -> HttpResponse:
    body = {
        "type": problem_type or _default_type(status_code),
        "title": _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _drf_errors(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested ValidationError detail into [{field, message}]."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = (
                prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            )
            out.extend(_drf_errors(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.extend({"field": prefix, "message": str(item)} for item in detail)
        else:
            for index, item in enumerate(detail):
                out.extend(_drf_errors(item, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix, "message": str(detail)})
    return out


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: the database is unreachable, locked or refused the transaction."""
    logger.warning("database unavailable on %s", request.path, exc_info=True)
    return problem_response(
        503,
        "The service is temporarily unavailable; retry after the delay in Retry-After.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
        instance=request.path,
    )


def exception_handler(exc, context):
    """DRF exception handler producing problem details for every error."""
    from rest_framework.views import set_rollback  # not at import: DRF's views load the parsers

    set_rollback()
    request = context.get("request")
    instance = request.path if request is not None else None
    if isinstance(exc, (OperationalError, InterfaceError)) and request is not None:
        return unavailable_response(request)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code,
            str(exc.detail),
            problem_type=exc.problem_type,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
            instance=instance,
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = _drf_errors(exc.detail)
        detail = "; ".join(f"{e['field'] or '(body)'}: {e['message']}" for e in errors[:5])
        return problem_response(
            400, detail, problem_type=TYPE_BASE + "validation", errors=errors, instance=instance
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait) + 1)
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        extra = {}
        if isinstance(exc, exceptions.ParseError):
            extra["errors"] = [{"field": "", "message": str(detail)}]
        return problem_response(
            exc.status_code, str(detail), headers=headers, instance=instance, extra=extra
        )
    return None


# --- Django-level handlers (paths outside DRF views) ----------------------------------------


def handler404(request, exception=None):
    return problem_response(
        status.HTTP_404_NOT_FOUND, "No resource at this address.", instance=request.path
    )


def handler400(request, exception=None):
    return problem_response(400, "The request could not be understood.", instance=request.path)


def handler403(request, exception=None):
    return problem_response(403, "You may not do this.", instance=request.path)


def handler500(request):
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return unavailable_response(request)  # raised in a middleware, outside any view
    logger.error("unhandled server error on %s", request.path)
    return problem_response(
        500, "An unexpected error occurred; it has been logged.", instance=request.path
    )
