"""Partner API v1: the caller's own records and the golden records it may see."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

import schemas
from consent import gate
from consent.vocab import Category, Purpose
from exchanges.records import outcome_for_caller, submit_record
from hub.api.etags import check_preconditions
from hub.api.problems import ValidationProblem, problem_response
from hub.api.throttling import ClientRateThrottle, MatchRateThrottle
from hub.registry import intake
from hub.registry.api.serializers import (
    BeneficiarySerializer,
    MatchResultSerializer,
    RecordSerializer,
    RecordWriteResultSerializer,
)
from hub.registry.models import PartnerRecord
from hub.registry.services import record_etag, split_nir

IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
)


RECORD_CATEGORIES = (Category.IDENTITY, Category.CONTACT)


def own_records(actor):
    return PartnerRecord.objects.filter(organization_id=actor.organization_id)


class RecordList(generics.ListAPIView):
    scope_map = {"GET": "records:read"}
    serializer_class = RecordSerializer

    def get_queryset(self):
        return own_records(self.request.actor).order_by("created_at", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        gate.log_own(
            self.request.actor,
            page,
            resource="record",
            request_id=self.request.request_id,
            categories=RECORD_CATEGORIES,
        )
        return page


class RecordDetail(APIView):
    scope_map = {"GET": "records:read", "PUT": "records:write"}

    def _get(self, external_id):
        record = own_records(self.request.actor).filter(external_id=external_id).first()
        if record is None:
            raise Http404
        return record

    @extend_schema(responses=RecordSerializer, operation_id="records_retrieve")
    def get(self, request, external_id):
        record = self._get(external_id)
        gate.log_own(
            request.actor,
            [record],
            resource="record",
            request_id=request.request_id,
            categories=RECORD_CATEGORIES,
        )
        response = Response(RecordSerializer(record).data)
        response["ETag"] = record_etag(record)
        return response

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: RecordWriteResultSerializer, 201: RecordWriteResultSerializer},
        parameters=[IF_MATCH, IF_NONE_MATCH],
        operation_id="records_put",
        extensions={"x-passerelle-body": "beneficiary-record.v1"},
    )
    def put(self, request, external_id):
        errors = schemas.validate("beneficiary-record", 1, request.data)
        if errors:
            raise ValidationProblem(errors)
        result = submit_record(
            actor=request.actor,
            external_id=external_id,
            payload=request.data,
            precondition=lambda current: check_preconditions(request, current),
            request_id=request.request_id,
        )
        data = RecordSerializer(result.record).data
        data["match"] = outcome_for_caller(request.actor, result)
        response = Response(data, status=201 if result.created else 200)
        response["ETag"] = record_etag(result.record)
        return response


class BeneficiaryDetail(APIView):
    """The golden record reduced to the categories the policy allows.

    ``?purpose=`` narrows the decision to grants given for that purpose. A denied read is
    logged as ``deny`` and answered with a 404 problem *returned*, not raised, so that the
    request's transaction commits the audit row.
    """

    scope_map = {"GET": "records:read"}

    @extend_schema(
        responses=BeneficiarySerializer,
        operation_id="beneficiaries_retrieve",
        parameters=[OpenApiParameter("purpose", OpenApiTypes.STR, required=False)],
    )
    def get(self, request, beneficiary_id):
        purpose = request.query_params.get("purpose", "")
        if purpose and purpose not in Purpose.values:
            raise ValidationProblem(
                [{"field": "purpose", "message": f"one of: {', '.join(Purpose.values)}"}]
            )
        view = gate.disclose(
            actor=request.actor,
            beneficiary_id=beneficiary_id,
            purpose=purpose,
            request_id=request.request_id,
        )
        if view is None:
            return problem_response(404, "No resource at this address.", instance=request.path)
        return Response(BeneficiarySerializer(view).data)


GRADE_ORDER = {"certain": 0, "probable": 1, "possible": 2}
MATCH_PURPOSE = "identification"


class Match(APIView):
    """$match: candidates for a person description, only among persons the caller may see.

    A person known only to other partners is never a candidate, so a probe about them answers
    exactly as for a stranger.
    """

    scope_map = {"POST": "records:read"}
    throttle_classes = [ClientRateThrottle, MatchRateThrottle]

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses=MatchResultSerializer,
        operation_id="match",
        extensions={"x-passerelle-body": "match-request.v1"},
    )
    def post(self, request):
        errors = schemas.validate("match-request", 1, request.data)
        if errors:
            raise ValidationProblem(errors)
        actor = request.actor
        clean, nir_digest = split_nir(request.data["person"])
        prepared = intake.prepared_for("probe", clean, nir_digest)
        # Each candidate is compared only on what the caller may see of it (its own records
        # whole, others' in the categories its grants cover): a value only another partner
        # holds changes nothing in the answer.
        candidates = intake.score_candidates(
            prepared,
            intake.matching.blocking_keys(prepared),
            restrict_to=gate.identifiable(actor),
            reveal=lambda roots: gate.reveal_for(actor, roots, purpose=MATCH_PURPOSE),
        )
        wanted = {"certain"} if request.data.get("only_certain") else set(GRADE_ORDER)
        found = [c for c in candidates if c.grade in wanted][: request.data.get("count", 5)]
        shown = gate.views(actor, [c.beneficiary_id for c in found], purpose=MATCH_PURPOSE)
        gate.log(
            actor,
            [shown[c.beneficiary_id] for c in found if c.beneficiary_id in shown],
            action="search",
            resource="match",
            purpose=MATCH_PURPOSE,
            request_id=request.request_id,
        )
        return Response(MatchResultSerializer({"candidates": found}).data)
