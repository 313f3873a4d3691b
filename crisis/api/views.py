"""Partner API v1 of the crisis plans (CONTRACT.md: "Crisis plans (CASF L121-6-1)").

Views validate the envelope, call a service of ``crisis`` with ``request.actor`` and render.
Persons are read only through ``crisis.disclosure.disclose`` (purpose ``crisis_plan``).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound as NotFoundError
from rest_framework.pagination import Cursor as DrfCursor
from rest_framework.response import Response
from rest_framework.views import APIView

from crisis import callers, calls, disclosure, export, plans, register
from crisis.api.serializers import (
    ActivationCloseSerializer,
    ActivationCreateSerializer,
    ActivationSerializer,
    CallSerializer,
    OutcomeSerializer,
    RegistrationCreateSerializer,
    RegistrationSerializer,
)
from crisis.errors import CrisisError, NotFound
from crisis.vocab import EndReason, RegistrationStatus
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent
from hub.api.pagination import Cursor
from hub.api.problems import Problem, ValidationProblem

PURPOSE = "crisis_plan"
PROBLEM_409 = {(409, "application/problem+json"): OpenApiTypes.OBJECT}


def _problem(exc: CrisisError) -> Problem:
    if exc.status == 400:
        return ValidationProblem(exc.errors)
    return Problem(exc.status, str(exc), errors=exc.errors)


def _validated(serializer_class, request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationProblem([{"field": "", "message": "a JSON object is expected"}])
    unknown = sorted(set(data) - set(serializer_class().fields))
    if unknown:
        raise ValidationProblem([{"field": name, "message": "unknown field"} for name in unknown])
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RegistrationCursor(Cursor):
    ordering = ("created_at", "id")


class RegistrationList(generics.ListAPIView):
    scope_map = {"GET": "crisis:read", "POST": "crisis:write"}
    serializer_class = RegistrationSerializer
    pagination_class = RegistrationCursor

    def get_queryset(self):
        return disclosure.register_of(self.request.actor).filter(status=RegistrationStatus.ACTIVE)

    @extend_schema(operation_id="crisis_registrations_list")
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        shown = disclosure.disclose(
            actor=request.actor, registrations=page, purpose=PURPOSE, request_id=request.request_id
        )
        return self.get_paginated_response(RegistrationSerializer(shown, many=True).data)

    @extend_schema(
        request=RegistrationCreateSerializer,
        responses={201: RegistrationSerializer, **PROBLEM_409},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="crisis_registrations_create",
    )
    @idempotent
    def post(self, request):
        data = _validated(RegistrationCreateSerializer, request)
        try:
            entry = register.register_person(
                actor=request.actor,
                person=request.data.get("person"),
                category=data["category"],
                requested_by=data["requested_by"],
                lives_alone=data["lives_alone"],
                home_care_service=data["home_care_service"],
                emergency_contact=data.get("emergency_contact"),
                third_party=data.get("third_party"),
                transmitted_by=data["transmitted_by"],
                requested_at=data.get("requested_at"),
                request_id=request.request_id,
            )
        except CrisisError as exc:
            raise _problem(exc) from None
        return Response(RegistrationSerializer(entry).data, status=201)


class RegistrationDetail(APIView):
    scope_map = {"DELETE": "crisis:write"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reason", str, enum=list(EndReason.values), required=False, description="request"
            )
        ],
        responses={204: None},
        operation_id="crisis_registrations_destroy",
    )
    def delete(self, request, registration_id):
        reason = request.query_params.get("reason", EndReason.REQUEST)
        try:
            register.end_registration(
                actor=request.actor,
                registration_id=registration_id,
                reason=reason,
                request_id=request.request_id,
            )
        except NotFound:
            raise Http404 from None
        except CrisisError as exc:
            raise _problem(exc) from None
        return Response(status=204)


class ActivationList(generics.ListAPIView):
    scope_map = {"GET": "crisis:read", "POST": "crisis:activate"}
    serializer_class = ActivationSerializer

    def get_queryset(self):
        return plans.activations_of(self.request.actor).order_by("opened_at", "id")

    class pagination_class(Cursor):  # noqa: N801 (DRF attribute)
        ordering = ("opened_at", "id")

    @extend_schema(operation_id="crisis_activations_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ActivationCreateSerializer,
        responses={201: ActivationSerializer, **PROBLEM_409},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="crisis_activations_create",
    )
    @idempotent
    def post(self, request):
        data = _validated(ActivationCreateSerializer, request)
        try:
            activation = plans.activate(actor=request.actor, request_id=request.request_id, **data)
        except CrisisError as exc:
            raise _problem(exc) from None
        return Response(ActivationSerializer(activation).data, status=201)


class ActivationClose(APIView):
    scope_map = {"POST": "crisis:activate"}

    @extend_schema(
        request=ActivationCloseSerializer,
        responses={200: ActivationSerializer, **PROBLEM_409},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="crisis_activations_close",
    )
    @idempotent
    def post(self, request, activation_id):
        data = _validated(ActivationCloseSerializer, request)
        try:
            activation = plans.close(
                actor=request.actor,
                activation_id=activation_id,
                reason=data["reason"],
                request_id=request.request_id,
            )
        except NotFound:
            raise Http404 from None
        except CrisisError as exc:
            raise _problem(exc) from None
        return Response(ActivationSerializer(activation).data)


class CallCursor(Cursor):
    """Calls in rank order, written or not yet (``crisis.call_entries``): the cursor holds the
    rank the next page starts from."""

    ordering = ("rank", "id")

    def paginate_calls(self, request, fetch) -> list:
        self.request, self.base_url = request, request.build_absolute_uri()
        size = self.get_page_size(request)
        try:
            cursor = self.decode_cursor(request)
            start = int(cursor.position) if cursor and cursor.position else 0
        except (NotFoundError, ValueError):
            start = -1
        if not 0 <= start < 2**31:  # a rank
            raise ValidationProblem([{"field": "cursor", "message": "not a cursor of this list"}])
        rows = fetch(start, size + 1)
        self.following = rows[size].rank if len(rows) > size else None
        return rows[:size]

    def get_next_link(self):
        if self.following is None:
            return None
        return self.encode_cursor(DrfCursor(offset=0, reverse=False, position=self.following))


class ActivationCalls(generics.ListAPIView):
    scope_map = {"GET": "crisis:read"}
    serializer_class = CallSerializer
    pagination_class = CallCursor

    @extend_schema(operation_id="crisis_activation_calls_list")
    def get(self, request, activation_id):
        activation = plans.activations_of(request.actor).filter(
            pk=activation_id
        ).first() or callers.activation_for_intervention(request.actor, activation_id)
        if activation is None:
            raise Http404
        page = self.paginator.paginate_calls(
            request,
            lambda start, count: callers.listed_calls(request.actor, activation, start, count),
        )
        shown = disclosure.disclose(
            actor=request.actor,
            registrations=[call.registration for call in page],
            purpose=PURPOSE,
            request_id=request.request_id,
        )
        context = {"shown": {entry.pk for entry in shown}}
        return self.get_paginated_response(CallSerializer(page, many=True, context=context).data)


class CallOutcome(APIView):
    scope_map = {"POST": "crisis:write"}

    @extend_schema(
        request=OutcomeSerializer,
        responses={200: CallSerializer, **PROBLEM_409},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="crisis_calls_outcome",
    )
    @idempotent
    def post(self, request, call_id):
        data = _validated(OutcomeSerializer, request)
        try:
            call = calls.record_outcome(
                actor=request.actor,
                call_id=call_id,
                outcome=data["outcome"],
                need_action=data["need_action"],
                request_id=request.request_id,
            )
        except NotFound:
            raise Http404 from None
        except CrisisError as exc:
            raise _problem(exc) from None
        return Response(CallSerializer(call).data)


class PrefectExport(APIView):
    scope_map = {"GET": "crisis:prefect"}

    @extend_schema(
        parameters=[
            OpenApiParameter("reason", str, required=True, description="Why the préfet asks")
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR, **PROBLEM_409},
        operation_id="crisis_prefect_export",
    )
    def get(self, request, activation_id):
        try:
            text, _export = export.prefect_export(
                actor=request.actor,
                activation_id=activation_id,
                reason=request.query_params.get("reason", ""),
                request_id=request.request_id,
            )
        except NotFound:
            raise Http404 from None
        except CrisisError as exc:
            raise _problem(exc) from None
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="registre-{activation_id}.csv"'
        response["Cache-Control"] = "no-store"
        return response
