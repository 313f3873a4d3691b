"""Partner API v1 for exchanges: the change feed and webhook endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from exchanges import feed, webhooks
from exchanges.api.common import validated
from exchanges.api.serializers import (
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent
from hub.api.pagination import CURSOR_RE, limit_from
from hub.api.problems import TYPE_BASE, Problem, RuleProblem, ValidationProblem

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
        if cursor is not None and not CURSOR_RE.match(cursor):
            raise ValidationProblem([{"field": "cursor", "message": "not a cursor (base64 text)"}])
        limit = limit_from(request, 100, 1000)
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
            raise RuleProblem(
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
    return RuleProblem([{"field": exc.field, "message": exc.message}])


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
        data = validated(WebhookCreateSerializer, request.data)
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
