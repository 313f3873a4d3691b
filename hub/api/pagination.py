"""Cursor pagination: ``{"results": [...], "next": url-or-null}``, stable under inserts.

``limit`` is an integer from 1 to ``max_page_size``; anything else is a 400 naming it (DRF would
silently use the default page size), and the OpenAPI parameters say so.
"""

import re

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from hub.api.problems import ValidationProblem

#: Cursors are base64 text; an empty cursor is the first page.
CURSOR_PATTERN = "^[A-Za-z0-9+/=_-]{0,500}$"
CURSOR_RE = re.compile(CURSOR_PATTERN.removesuffix("$") + r"\Z")
MAX_LIMIT = 1000
LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}


def limit_from(request, default: int, maximum: int) -> int:
    """The ``limit`` query parameter, an integer from 1 to ``maximum``; 400 otherwise."""
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= maximum):
        raise ValidationProblem([{"field": "limit", "message": f"an integer from 1 to {maximum}"}])
    return int(raw)


class Cursor(CursorPagination):
    page_size = 100
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    ordering = ("created_at", "id")

    def get_page_size(self, request):
        return limit_from(request, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
            elif parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
        return parameters

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }
