"""Strong ETags and If-Match / If-None-Match preconditions (RFC 9110 §13)."""

from __future__ import annotations

from hub.api.problems import Problem


def make_etag(identifier, version: int) -> str:
    return f'"{identifier}-{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_preconditions(request, current_etag: str | None) -> None:
    """Raise 412 when If-Match / If-None-Match do not hold for the current representation.

    ``current_etag`` is None when the resource does not exist yet.
    """
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
