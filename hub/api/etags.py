"""Strong ETags and If-Match / If-None-Match preconditions (RFC 9110 §13)."""

from __future__ import annotations

import re

from hub.api.problems import Problem, ValidationProblem

# A quoted entity tag, or (leniently) a bare token: an unquoted tag never equals an ETag.
_TAG = '((W/)?"[!#-~]*"|[!#-+\\--~]+)'
#: ``*`` or a list of entity tags (RFC 9110 §8.8.3), as published in the OpenAPI document.
ETAG_LIST_PATTERN = f"^(\\*|{_TAG}( *, *{_TAG})*)$"
MAX_HEADER_LENGTH = 1000
_ETAG_LIST_RE = re.compile(ETAG_LIST_PATTERN.removesuffix("$") + r"\Z")


def make_etag(identifier, version: int) -> str:
    return f'"{identifier}-{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_preconditions(request, current_etag: str | None) -> None:
    """Raise 412 when If-Match / If-None-Match do not hold for the current representation.

    ``current_etag`` is None when the resource does not exist yet. A header that is not an
    entity-tag list is a 400 naming it.
    """
    for name in ("If-Match", "If-None-Match"):
        value = request.headers.get(name)
        if value is not None and (
            len(value) > MAX_HEADER_LENGTH or not _ETAG_LIST_RE.match(value.strip())
        ):
            raise ValidationProblem(
                [{"field": name, "message": "'*' or a list of entity tags (\"...\")"}]
            )
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        tags = _tags(if_match)
        if current_etag is None or ("*" not in tags and current_etag not in tags):
            raise Problem(412, "If-Match does not match the current version of this resource.")
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and current_etag is not None:
        tags = _tags(if_none_match)
        if "*" in tags or current_etag in tags:
            raise Problem(412, "If-None-Match: the resource already exists in this version.")
