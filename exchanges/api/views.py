"""Partner API v1 for exchanges: cases and referrals (the feed and webhooks are in
``stream_views``, bulk imports in ``import_views``).

Views validate input, call a service of ``exchanges`` with ``request.actor`` and render. They
never read personal data: persons are only referred to by id, and whether the caller may know
of them is decided by ``consent.policy`` inside the services.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from consent import gate
from consent.vocab import Category
from exchanges import cases, referrals
from exchanges.api.common import IF_MATCH, field_problem, validated
from exchanges.api.serializers import (
    CaseCreateSerializer,
    CasePatchSerializer,
    CaseSerializer,
    ReferralActionSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
)
from exchanges.models import Case, Referral, ReferralStatus
from hub.api.etags import check_preconditions
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent
from hub.api.pagination import Cursor
from hub.api.problems import Problem
from hub.api.query import choice, choice_parameter

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
        data = validated(CaseCreateSerializer, request.data)
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
            raise field_problem(exc) from None
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
        serializer = CasePatchSerializer(data=request.data)
        if not serializer.is_valid() and set(serializer.errors) == {"outcome"}:
            # A well-formed request naming an outcome outside the controlled list: 422.
            message = "; ".join(str(m) for m in serializer.errors["outcome"])
            raise Problem(
                422, f"outcome: {message}", errors=[{"field": "outcome", "message": message}]
            )
        changes = validated(CasePatchSerializer, request.data)
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
            raise field_problem(exc) from None
        response = Response(CaseSerializer(case).data)
        response["ETag"] = cases.case_etag(case)
        return response


# --- Referrals --------------------------------------------------------------------------------


DIRECTIONS = ("sent", "received")


class ReferralCursor(Cursor):
    ordering = ("sent_at", "id")


def _referrals(actor):
    return referrals.referrals_for(actor).prefetch_related("steps").select_related("opened_case")


class ReferralList(generics.ListAPIView):
    scope_map = {"GET": "referrals:read", "POST": "referrals:write"}
    serializer_class = ReferralSerializer
    pagination_class = ReferralCursor

    @extend_schema(
        parameters=[
            choice_parameter("direction", DIRECTIONS, "Only the referrals sent or received."),
            choice_parameter("status", ReferralStatus.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = _referrals(self.request.actor)
        direction = choice(self.request, "direction", DIRECTIONS)
        if direction == "sent":
            queryset = queryset.filter(sender_id__in=self.request.actor.organization_ids)
        elif direction == "received":
            queryset = queryset.filter(receiver_id__in=self.request.actor.organization_ids)
        status = choice(self.request, "status", ReferralStatus.values)
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
        data = validated(ReferralCreateSerializer, request.data)
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
            raise field_problem(exc) from None
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
        data = validated(ReferralActionSerializer, {} if empty else request.data)
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
            raise field_problem(exc) from None
        referral = _referrals(request.actor).get(pk=referral.pk)
        return Response(ReferralSerializer(referral).data)
