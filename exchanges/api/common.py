"""What the exchanges API views share: the If-Match parameter and service errors as problems."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from hub.api.problems import Problem, RuleProblem

IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)


def field_problem(exc) -> Problem:
    """A service refused a body the serializer (the document's shape) had accepted: 422."""
    errors = [{"field": exc.field, "message": exc.message}]
    if exc.status in (400, 422):
        return RuleProblem(errors)
    return Problem(exc.status, f"{exc.field}: {exc.message}", errors=errors)


def validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
