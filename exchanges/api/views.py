"""Partner API v1 for exchanges: cases, referrals, change feed, webhooks, bulk imports.

Views validate input, call a service of ``exchanges`` with ``request.actor`` and render. They
never read personal data: persons are only referred to by id, and whether the caller may know
of them is decided by ``consent.policy`` inside the services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from consent import gate
from consent.vocab import Category
from exchanges import cases, feed, imports, referrals, webhooks
from exchanges.api.serializers import (
    CaseCreateSerializer,
    CasePatchSerializer,
    CaseSerializer,
    ImportRowSerializer,
    ReferralActionSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from exchanges.models import Case, ImportJob, ImportRow, Referral
from exchanges.tasks import run_import
from hub.api.etags import check_preconditions
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent
from hub.api.pagination import Cursor
from hub.api.parsers import read_limited
from hub.api.problems import TYPE_BASE, Problem, ValidationProblem

IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)


def _field_problem(exc) -> Problem:
    errors = [{"field": exc.field, "message": exc.message}]
    if exc.status == 400:
        return ValidationProblem(errors)
    return Problem(exc.status, f"{exc.field}: {exc.message}", errors=errors)


def _validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Cases ------------------------------------------------------------------------------------


class CaseList(generics.ListAPIView):
    scope_map = {"GET": "cases:read", "POST": "cases:write"}
    serializer_class = CaseSerializer

    def get_queryset(self):
        return cases.own_cases(self.request.actor).order_by("created_at", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        gate.log_own(
            self.request.actor,
            page,
            resource="case",
            request_id=self.request.request_id,
            categories=[Category.SUPPORT_HISTORY],
        )
        return page

    @extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseSerializer},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="cases_create",
    )
    @idempotent
    def post(self, request):
        data = _validated(CaseCreateSerializer, request.data)
        try:
            result = cases.open_case(
                actor=request.actor,
                beneficiary_id=data["beneficiary"],
                type=data["type"],
                start_date=data.get("start_date"),
                end_date=data.get("end_date"),
                referent=data.get("referent", ""),
                request_id=request.request_id,
            )
        except cases.CaseError as exc:
            raise _field_problem(exc) from None
        body = CaseSerializer(result.case).data
        body["overlap"] = result.overlap.as_dict()
        response = Response(body, status=201)
        response["ETag"] = cases.case_etag(result.case)
        response["Location"] = reverse("api-v1:case-detail", args=[result.case.pk])
        return response


class CaseDetail(APIView):
    scope_map = {"GET": "cases:read", "PATCH": "cases:write"}

    @extend_schema(responses=CaseSerializer, operation_id="cases_retrieve")
    def get(self, request, case_id):
        case = cases.own_cases(request.actor).filter(pk=case_id).first()
        if case is None:
            raise Http404
        gate.log_own(
            request.actor,
            [case],
            resource="case",
            request_id=request.request_id,
            categories=[Category.SUPPORT_HISTORY],
        )
        response = Response(CaseSerializer(case).data)
        response["ETag"] = cases.case_etag(case)
        return response

    @extend_schema(
        request=CasePatchSerializer,
        responses=CaseSerializer,
        parameters=[IF_MATCH],
        operation_id="cases_partial_update",
    )
    def patch(self, request, case_id):
        changes = _validated(CasePatchSerializer, request.data)
        try:
            case = cases.update_case(
                actor=request.actor,
                case_id=case_id,
                changes=dict(changes),
                precondition=lambda etag: check_preconditions(request, etag),
                request_id=request.request_id,
            )
        except Case.DoesNotExist:
            raise Http404 from None
        except cases.CaseError as exc:
            raise _field_problem(exc) from None
        response = Response(CaseSerializer(case).data)
        response["ETag"] = cases.case_etag(case)
        return response


# --- Referrals --------------------------------------------------------------------------------


class ReferralCursor(Cursor):
    ordering = ("sent_at", "id")


def _referrals(actor):
    return referrals.referrals_for(actor).prefetch_related("steps").select_related("opened_case")


class ReferralList(generics.ListAPIView):
    scope_map = {"GET": "referrals:read", "POST": "referrals:write"}
    serializer_class = ReferralSerializer
    pagination_class = ReferralCursor

    def get_queryset(self):
        queryset = _referrals(self.request.actor)
        direction = self.request.query_params.get("direction")
        if direction == "sent":
            queryset = queryset.filter(sender_id__in=self.request.actor.organization_ids)
        elif direction == "received":
            queryset = queryset.filter(receiver_id__in=self.request.actor.organization_ids)
        status = self.request.query_params.get("status")
        if status:
            queryset = queryset.filter(status=status)
        return queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        gate.log_own(
            self.request.actor,
            page,
            resource="referral",
            request_id=self.request.request_id,
            categories=[Category.SUPPORT_HISTORY],
        )
        return page

    @extend_schema(
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="referrals_create",
    )
    @idempotent
    def post(self, request):
        data = _validated(ReferralCreateSerializer, request.data)
        try:
            referral = referrals.send_referral(
                actor=request.actor,
                beneficiary_id=data["beneficiary"],
                receiver_id=data["receiver"],
                case_type=data["case_type"],
                message=data.get("message", ""),
                request_id=request.request_id,
            )
        except cases.CaseError as exc:
            raise _field_problem(exc) from None
        response = Response(ReferralSerializer(referral).data, status=201)
        response["Location"] = reverse("api-v1:referral-detail", args=[referral.pk])
        return response


class ReferralDetail(APIView):
    scope_map = {"GET": "referrals:read"}

    @extend_schema(responses=ReferralSerializer, operation_id="referrals_retrieve")
    def get(self, request, referral_id):
        referral = _referrals(request.actor).filter(pk=referral_id).first()
        if referral is None:
            raise Http404
        gate.log_own(
            request.actor,
            [referral],
            resource="referral",
            request_id=request.request_id,
            categories=[Category.SUPPORT_HISTORY],
        )
        return Response(ReferralSerializer(referral).data)


class ReferralAction(APIView):
    scope_map = {"POST": "referrals:write"}

    @extend_schema(
        request=ReferralActionSerializer,
        responses=ReferralSerializer,
        parameters=[IDEMPOTENCY_KEY],
        operation_id="referrals_transition",
    )
    @idempotent
    def post(self, request, referral_id, action):
        if action not in referrals.TRANSITIONS:
            raise Http404
        empty = (request.META.get("CONTENT_LENGTH") or "0") == "0"
        data = _validated(ReferralActionSerializer, {} if empty else request.data)
        try:
            referral = referrals.transition(
                actor=request.actor,
                referral_id=referral_id,
                action=action,
                comment=data.get("comment", ""),
                reason=data.get("reason", ""),
                referent=data.get("referent", ""),
                request_id=request.request_id,
            )
        except Referral.DoesNotExist:
            raise Http404 from None
        except PermissionError as exc:
            raise Problem(403, str(exc)) from None
        except referrals.ReferralConflict as exc:
            raise Problem(409, str(exc)) from None
        except cases.CaseError as exc:
            raise _field_problem(exc) from None
        referral = _referrals(request.actor).get(pk=referral.pk)
        return Response(ReferralSerializer(referral).data)


# --- Change feed ------------------------------------------------------------------------------


class EventFeed(APIView):
    scope_map = {"GET": "events:read"}

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, required=False),
            OpenApiParameter("limit", OpenApiTypes.INT, required=False),
        ],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="events_list",
    )
    def get(self, request):
        cursor = request.query_params.get("cursor") or None
        try:
            limit = int(request.query_params.get("limit", 100))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            raise ValidationProblem([{"field": "limit", "message": "an integer from 1 to 1000"}])
        try:
            page = feed.read_page(actor=request.actor, cursor=cursor, limit=limit)
        except feed.CursorExpired as exc:
            raise Problem(
                410,
                f"This cursor is older than the {settings.EVENTS_RETENTION_DAYS}-day retention "
                "window of the feed. Resynchronise (re-read your records, cases and referrals), "
                "then read the feed again from the 'resync' URL.",
                problem_type=TYPE_BASE + "feed-cursor-expired",
                extra={
                    "resync": request.build_absolute_uri(
                        f"{request.path}?cursor={exc.horizon.encode()}"
                    ),
                    "retention_days": settings.EVENTS_RETENTION_DAYS,
                },
            ) from None
        except ValueError:
            raise ValidationProblem(
                [{"field": "cursor", "message": "not a cursor issued by this feed"}]
            ) from None
        next_url = request.build_absolute_uri(
            f"{request.path}?cursor={page.position.encode()}&limit={limit}"
        )
        return Response(
            {
                "results": [feed.serialize(e) for e in page.events],
                "next": next_url,
                "has_more": page.has_more,
            }
        )


# --- Webhooks ---------------------------------------------------------------------------------


def _webhook_problem(exc: webhooks.WebhookError) -> Problem:
    return ValidationProblem([{"field": exc.field, "message": exc.message}])


class WebhookList(generics.ListAPIView):
    scope_map = {"GET": "webhooks:manage", "POST": "webhooks:manage"}
    serializer_class = WebhookSerializer

    def get_queryset(self):
        return webhooks.endpoints_for(self.request.actor).order_by("created_at", "id")

    @extend_schema(
        request=WebhookCreateSerializer,
        responses={201: WebhookSerializer},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="webhooks_create",
    )
    @idempotent
    def post(self, request):
        data = _validated(WebhookCreateSerializer, request.data)
        try:
            endpoint = webhooks.register_endpoint(
                actor=request.actor, url=data["url"], event_types=data["event_types"]
            )
        except webhooks.WebhookError as exc:
            raise _webhook_problem(exc) from None
        body = WebhookSerializer(endpoint).data
        body["secret"] = endpoint.secret  # shown once
        response = Response(body, status=201)
        response["Location"] = reverse("api-v1:webhook-detail", args=[endpoint.pk])
        return response


class WebhookDetail(APIView):
    scope_map = {"GET": "webhooks:manage", "DELETE": "webhooks:manage"}

    def _get(self, request, endpoint_id):
        endpoint = webhooks.endpoints_for(request.actor).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise Http404
        return endpoint

    @extend_schema(responses=WebhookSerializer, operation_id="webhooks_retrieve")
    def get(self, request, endpoint_id):
        endpoint = self._get(request, endpoint_id)
        body = WebhookSerializer(endpoint).data
        body["recent_deliveries"] = WebhookDeliverySerializer(
            endpoint.deliveries.order_by("-id")[:20], many=True
        ).data
        return Response(body)

    @extend_schema(responses={204: None}, operation_id="webhooks_destroy")
    def delete(self, request, endpoint_id):
        self._get(request, endpoint_id).delete()
        return Response(status=204)


class WebhookRotate(APIView):
    scope_map = {"POST": "webhooks:manage"}

    @extend_schema(request=None, responses=WebhookSerializer, operation_id="webhooks_rotate")
    @idempotent
    def post(self, request, endpoint_id):
        endpoint = webhooks.endpoints_for(request.actor).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise Http404
        webhooks.rotate_secret(endpoint=endpoint)
        body = WebhookSerializer(endpoint).data
        body["secret"] = endpoint.secret
        body["previous_secret_expires_at"] = endpoint.previous_secret_expires_at
        return Response(body)


# --- Bulk imports -----------------------------------------------------------------------------

IMPORT_MEDIA_TYPES = {
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "text/csv": "csv",
}


def _own_job(request, job_id) -> ImportJob:
    job = (
        ImportJob.objects.filter(pk=job_id, organization_id__in=request.actor.organization_ids)
        .defer("content")
        .first()
    )
    if job is None:
        raise Http404
    return job


class RawFileParser(BaseParser):
    """The body as bytes, within the view's size limit.

    Only the import formats are accepted; anything else (form data included) answers 415
    before the body is read.
    """

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        view = parser_context.get("view")
        limit = getattr(view, "max_body_bytes", None) or settings.API_IMPORT_MAX_BYTES
        return read_limited(stream, limit, parser_context["request"].META)


class RawCsvParser(RawFileParser):
    media_type = "text/csv"


class ImportList(APIView):
    scope_map = {"POST": "records:write"}
    max_body_bytes = settings.API_IMPORT_MAX_BYTES
    parser_classes = [RawFileParser, RawCsvParser]

    @extend_schema(
        request={"application/x-ndjson": OpenApiTypes.STR, "text/csv": OpenApiTypes.STR},
        responses={202: OpenApiTypes.OBJECT},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="imports_create",
    )
    @idempotent
    def post(self, request):
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        fmt = IMPORT_MEDIA_TYPES.get(media_type)
        if fmt is None:
            raise Problem(
                415,
                "Send the file as application/x-ndjson or text/csv.",
                errors=[{"field": "Content-Type", "message": "unsupported media type"}],
            )
        content = request.data if isinstance(request.data, bytes) else b""  # empty body: {}
        try:
            job = imports.create_job(actor=request.actor, content=content, format=fmt)
        except imports.ImportRejected as exc:
            raise _field_problem(exc) from None
        job_id = str(job.pk)
        transaction.on_commit(lambda: run_import.delay(job_id), robust=True)
        response = Response(imports.report(job), status=202)
        response["Location"] = reverse("api-v1:import-detail", args=[job.pk])
        return response


class ImportDetail(APIView):
    scope_map = {"GET": "records:write"}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="imports_retrieve")
    def get(self, request, job_id):
        job = _own_job(request, job_id)
        body = imports.report(job)
        body["rows"] = request.build_absolute_uri(
            reverse("api-v1:import-rows", args=[job.pk]) + "?outcome=rejected"
        )
        return Response(body)


class ImportRowCursor(Cursor):
    ordering = ("index",)


class ImportRows(generics.ListAPIView):
    scope_map = {"GET": "records:write"}
    serializer_class = ImportRowSerializer
    pagination_class = ImportRowCursor

    def get_queryset(self):
        job = _own_job(self.request, self.kwargs["job_id"])
        queryset = ImportRow.objects.filter(job=job)
        outcome = self.request.query_params.get("outcome")
        if outcome:
            queryset = queryset.filter(outcome=outcome)
        return queryset
