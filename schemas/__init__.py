"""The published JSON Schemas (2020-12) and their validator.

``validate("beneficiary-record", 1, body)`` returns a list of ``{"field", "message"}`` (empty when
the body is valid), with dotted field paths (``address.postcode``) that the API returns as RFC
9457 problem details. The same files are served at ``/schemas/`` and embedded in the OpenAPI
document, so there is one source of truth.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource

from schemas.formats import CUSTOM_FORMATS, format_checker, nir_is_valid

__all__ = [
    "SCHEMA_DIR",
    "available",
    "load",
    "nir_is_valid",
    "normalized",
    "only_custom_formats",
    "public_errors",
    "validate",
]

SCHEMA_DIR = Path(__file__).resolve().parent
_NAME_RE = re.compile(r"^(?P<name>[a-z][a-z0-9-]*)\.v(?P<version>[1-9][0-9]*)\.json$")


def available() -> list[tuple[str, int]]:
    """(name, version) of every published schema, sorted."""
    found = []
    for path in SCHEMA_DIR.glob("*.v*.json"):
        match = _NAME_RE.match(path.name)
        if match:
            found.append((match["name"], int(match["version"])))
    return sorted(found)


@cache
def load(name: str, version: int) -> dict:
    if (name, version) not in available():
        raise KeyError(f"no schema {name}.v{version}")
    return json.loads((SCHEMA_DIR / f"{name}.v{version}.json").read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    resources = []
    for name, version in available():
        schema = load(name, version)
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def _compiled(pattern: str) -> re.Pattern:
    # ECMA-262 (JSON Schema's dialect): a final "$" is the end of the string, whereas Python's
    # "$" also matches before a trailing newline.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@cache
def _validator(name: str, version: int):
    schema = load(name, version)
    Draft202012Validator.check_schema(schema)
    return _Validator(schema, format_checker=format_checker, registry=_registry())


def _field(error) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = re.match(r"'([^']+)'", error.message)
        if missing:
            path.append(missing.group(1))
    elif error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        if extra:
            path.append(extra[0])
    return ".".join(path)


def _message(error) -> str:
    if error.validator == "required":
        return "this field is required"
    if error.validator == "additionalProperties":
        return "unknown field"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    if error.validator == "enum":
        return "must be one of: " + ", ".join(map(str, error.validator_value))
    if error.validator == "pattern":
        return "has an invalid format"
    if error.validator == "format" and error.cause is not None:
        return str(error.cause)
    if error.validator in ("maxLength", "minLength"):
        return f"length must be {'at most' if error.validator == 'maxLength' else 'at least'} {error.validator_value}"
    return error.message


def validate(name: str, version: int, instance: object) -> list[dict]:
    """Validate ``instance``; return field-level errors, sorted by field, one per field and rule."""
    errors = []
    for error in _validator(name, version).iter_errors(instance):
        if error.validator == "additionalProperties":
            extras = re.findall(r"'([^']+)'", error.message.split("(")[-1])
            base = ".".join(str(p) for p in error.absolute_path)
            for extra in extras or [""]:
                errors.append(
                    {"field": f"{base}.{extra}" if base else extra, "message": "unknown field"}
                )
            continue
        errors.append({"field": _field(error), "message": _message(error)})
        if error.validator == "format" and error.validator_value in CUSTOM_FORMATS:
            errors[-1]["format"] = error.validator_value
    unique = {(e["field"], e["message"]): e for e in errors}
    return [unique[key] for key in sorted(unique)]


def only_custom_formats(errors: list[dict]) -> bool:
    """True when every error is one of the hub's own formats (the NIR key, a partial date in
    the future...): rules the document names but generic JSON Schema tools cannot check."""
    return bool(errors) and all("format" in e for e in errors)


def public_errors(errors: list[dict]) -> list[dict]:
    return [{"field": e["field"], "message": e["message"]} for e in errors]


def normalized(instance):
    """The instance with every string in Unicode NFC, surrounding white space removed.

    Applied to a body after ``validate`` accepted it: what the hub stores and matches on is
    the normalised text (``"e\\u0301"`` and ``"\\u00e9"`` are the same name).
    """
    if isinstance(instance, str):
        return unicodedata.normalize("NFC", instance).strip()
    if isinstance(instance, dict):
        return {key: normalized(value) for key, value in instance.items()}
    if isinstance(instance, list):
        return [normalized(value) for value in instance]
    return instance
