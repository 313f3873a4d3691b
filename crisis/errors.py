"""Errors of the crisis services; faces turn them into problem details or French messages."""

from __future__ import annotations


class CrisisError(ValueError):
    """Bad input or a rule of the plan not met: ``errors`` is ``[{"field", "message"}]``;
    ``status`` is the HTTP status a face answers (400, 409...)."""

    def __init__(self, errors: list[dict] | str, status: int = 400, field: str = ""):
        if isinstance(errors, str):
            errors = [{"field": field, "message": errors}]
        self.errors = errors
        self.status = status
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class NotFound(LookupError):
    """Absent, or not visible to this actor (a face answers 404 either way)."""


class PurposeRefused(PermissionError):
    """The register serves the plan d'alerte et d'urgence only (CASF L121-6-1)."""
