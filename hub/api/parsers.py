"""JSON parser of the API: body-size limit (413), then the rules of ``schemas.jsontext``.

Every refusal is a 400 problem naming the field (a dotted path, ``""`` for the body).
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from hub.api.problems import Problem, ValidationProblem
from schemas.jsontext import MAX_DEPTH, InputRefused, loads


def read_limited(stream, limit: int, meta) -> bytes:
    """Read at most ``limit`` bytes; a larger body raises a 413 problem."""
    length = meta.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        raise Problem(413, f"The body is larger than the {limit}-byte limit of this endpoint.")
    if stream is None:
        return b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, f"The body is larger than the {limit}-byte limit of this endpoint.")
    return data


class LimitedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        limit = (
            getattr(parser_context.get("view"), "max_body_bytes", None)
            or settings.API_MAX_BODY_BYTES
        )
        raw = read_limited(stream, limit, request.META)
        if not raw.strip():
            raise ParseError("The body is empty; a JSON document is expected.")
        try:
            return loads(raw)
        except InputRefused as exc:
            raise ValidationProblem([{"field": exc.field, "message": exc.message}]) from None
        except UnicodeDecodeError:
            raise ParseError("The body is not valid UTF-8.") from None
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
            ) from None
        except RecursionError:  # defence in depth: check_depth should have refused it
            raise ParseError(f"The document is nested deeper than {MAX_DEPTH} levels.") from None
