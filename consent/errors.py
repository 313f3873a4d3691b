"""Errors the consent services raise; faces turn them into problem details or form errors."""

from __future__ import annotations


class InvalidGrant(ValueError):
    """The grant cannot be recorded as given; ``errors`` is ``[{"field", "message"}]``."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class NotVisible(LookupError):
    """The person or grant does not exist for this actor (a face answers 404)."""


class NotAllowed(PermissionError):
    """The actor sees the person but may not do this (a face answers 403)."""
