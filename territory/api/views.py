"""Hypervision API: the indicators and their suppressed tables (aggregates only, never a person).

Scope ``indicators:read``. The cells come from ``territory.selectors.table``, after primary and
secondary suppression; bad parameters answer 400 problem+json naming the parameter.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.problems import ValidationProblem
from territory import query, selectors
from territory.catalogue import INDICATORS

DEFINITION = inline_serializer(
    "IndicatorDefinition",
    {
        "numerator": serializers.CharField(),
        "denominator": serializers.CharField(),
        "population": serializers.CharField(),
        "period": serializers.CharField(),
        "counts": serializers.CharField(),
    },
)
INDICATOR = inline_serializer(
    "Indicator",
    {
        "code": serializers.CharField(),
        "title": serializers.CharField(),
        "unit": serializers.CharField(),
        "definition": DEFINITION,
        "zone_levels": serializers.ListField(child=serializers.CharField()),
        "breakdowns": serializers.ListField(child=serializers.CharField()),
        "version": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=["count", "rate", "delay"]),
    },
)
CELL = inline_serializer(
    "IndicatorCell",
    {
        "zone": serializers.CharField(help_text="INSEE code of the zone, or 'total'."),
        "period": serializers.CharField(help_text="YYYY-MM"),
        "breakdown": serializers.CharField(help_text="A value of the breakdown, or 'total'."),
        "value": serializers.FloatField(allow_null=True),
        "suppressed": serializers.BooleanField(),
    },
)
TABLE = inline_serializer(
    "IndicatorTable",
    {
        "code": serializers.CharField(),
        "threshold": serializers.IntegerField(),
        "zone_level": serializers.CharField(),
        "breakdown": serializers.CharField(allow_null=True),
        "cells": CELL.__class__(many=True),
    },
)


class IndicatorList(APIView):
    scope_map = {"GET": "indicators:read"}

    @extend_schema(
        responses=inline_serializer(
            "IndicatorList",
            {
                "results": INDICATOR.__class__(many=True),
                "next": serializers.CharField(allow_null=True),
            },
        ),
        operation_id="indicators_list",
    )
    def get(self, request):
        return Response({"results": [i.as_dict() for i in INDICATORS], "next": None})


def _param(name, description, enum=None):
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=False,
        description=description,
        enum=enum,
    )


class IndicatorDetail(APIView):
    scope_map = {"GET": "indicators:read"}

    @extend_schema(
        parameters=[
            _param(
                "zone_level",
                "commune (default), epci, departement or iris",
                ["commune", "epci", "departement", "iris"],
            ),
            _param("from", "first month, YYYY-MM (default: 11 months ago)"),
            _param("to", "last month, YYYY-MM (default: this month)"),
            _param("breakdown", "one of the indicator's breakdowns"),
            _param("zone", "restrict to one zone of zone_level (its code)"),
        ],
        responses=TABLE,
        operation_id="indicators_retrieve",
    )
    def get(self, request, code):
        indicator = query.indicator_or_none(code)
        if indicator is None:
            raise Http404
        try:
            parsed = query.parse(indicator, request.query_params)
        except query.QueryError as exc:
            raise ValidationProblem([{"field": exc.field, "message": exc.message}]) from None
        table = selectors.table(
            indicator,
            level=parsed.level,
            periods=list(parsed.periods),
            breakdown=parsed.breakdown,
            zone_filter=parsed.zone_filter,
        )
        return Response(table.as_dict())
