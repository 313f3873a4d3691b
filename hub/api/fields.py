"""Serializer building blocks whose OpenAPI description says exactly what they accept.

* ``StrictSerializer`` refuses unknown fields, naming them; its request schema says
  ``additionalProperties: false`` and gives every free-text field the text rule of the parser.
* ``BoundedDateField`` / ``BoundedDateTimeField`` accept only ``YYYY-MM-DD`` / RFC 3339 values
  from 1900 to 2099 (a case starting in 9999 is a typing error), with that pattern published.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from schemas import patterns
from schemas.jsontext import MAX_STRING_LENGTH, TEXT_PATTERN


class StrictSerializer(serializers.Serializer):
    # Refuses unknown fields, naming them, instead of ignoring them silently. (A comment, not a
    # docstring: drf-spectacular would print it as the description of every subclass.)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["a JSON object is expected"]}
            )
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        not_text = {
            name: ["must be a string"]
            for name, field in self.fields.items()
            if name in data and not _is_text(field, data[name])
        }
        if not_text:  # DRF's CharField would turn 0 into "0"
            raise serializers.ValidationError(not_text)
        return super().to_internal_value(data)


def _is_text(field, value) -> bool:
    if value is None and field.allow_null:
        return True
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return all(_is_text(field.child, item) for item in value)
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return isinstance(value, str)
    return True


def declare_text(schema: dict) -> dict:
    """Give a free-text string schema the parser's rules (no control character, a length)."""
    if schema.get("type") == "string" and not {"enum", "format", "pattern"} & schema.keys():
        schema["pattern"] = TEXT_PATTERN
        schema.setdefault("maxLength", MAX_STRING_LENGTH)
    elif schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        declare_text(schema["items"])
    return schema


class StrictSerializerExtension(OpenApiSerializerExtension):
    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
            for name, prop in schema.get("properties", {}).items():
                declare_text(prop)
                field = force_instance(self.target).fields.get(name)
                if isinstance(field, serializers.ListField) and not field.allow_empty:
                    prop["minItems"] = 1
        return schema


@extend_schema_field(
    {
        "type": "string",
        "pattern": patterns.DATE,
        "description": "A day, YYYY-MM-DD, from 1900-01-01 to 2099-12-31.",
        "example": "2026-01-15",
    }
)
class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value):
        if not isinstance(value, str) or not patterns.DATE_RE.match(value):
            raise serializers.ValidationError("a day YYYY-MM-DD from 1900-01-01 to 2099-12-31")
        return super().to_internal_value(value)


@extend_schema_field(
    {
        "type": "string",
        "pattern": patterns.DATE_TIME,
        "description": "An RFC 3339 date-time with its offset, from 1900 to 2099.",
        "example": "2026-01-15T09:30:00+01:00",
    }
)
class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        if not isinstance(value, str) or not patterns.DATE_TIME_RE.match(value):
            raise serializers.ValidationError(
                "an RFC 3339 date-time with its offset (2026-01-15T09:30:00+01:00), 1900 to 2099"
            )
        return super().to_internal_value(value)
