"""Query parameters: enumerated values checked (400 naming the parameter), and no repetition.

A repeated parameter (``?limit=1&limit=2``) is refused for the whole API by
``RepeatedQueryMiddleware``: no endpoint of v1 takes a list in its query string, and silently
picking one of the values is how a client's bug goes unnoticed.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from hub.api.problems import ValidationProblem, problem_response


def choice(request, name: str, values) -> str:
    """The value of query parameter ``name`` ("" when absent), which must be one of ``values``."""
    if name not in request.query_params:
        return ""
    value = request.query_params[name]
    if value not in values:
        raise ValidationProblem([{"field": name, "message": f"one of: {', '.join(values)}"}])
    return value


def choice_parameter(name: str, values, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.STR, required=False, enum=list(values), description=description
    )


class RepeatedQueryMiddleware:
    """400 problem for a repeated query parameter on ``/api/``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            repeated = sorted(key for key, values in request.GET.lists() if len(values) > 1)
            if repeated:
                errors = [{"field": key, "message": "given more than once"} for key in repeated]
                return problem_response(
                    400,
                    f"{repeated[0]}: given more than once.",
                    errors=errors,
                    instance=request.path,
                )
        return self.get_response(request)
