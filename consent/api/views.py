"""Partner API v1: legal bases and consents of a person (``consents:read`` / ``consents:write``).

A person or grant the caller may not see answers 404 like a missing one. Denied reads are
logged: the view answers the 404 problem without raising, so the request's transaction (and
its ``deny`` row) commits.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.api.serializers import GrantInput, GrantSerializer, WithdrawInput
from consent.audit import log_access
from consent.errors import InvalidGrant, NotAllowed, NotVisible
from consent.grants import grants_visible_to, record_grant, withdraw_grant
from consent.models import Grant
from consent.receipts import consent_receipt
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent
from hub.api.pagination import Cursor
from hub.api.problems import Problem, ValidationProblem, problem_response

NOT_FOUND = "No resource at this address."


def not_found(request):
    return problem_response(404, NOT_FOUND, instance=request.path)


def denied(request, *, resource: str, beneficiary_id=None, grant_id=None):
    """Log a refused write as ``deny`` and answer 404 without raising (the row commits)."""
    log_access(
        actor=request.actor,
        action="write",
        resource=resource,
        decision="deny",
        beneficiary_id=beneficiary_id,
        grant_id=grant_id,
        request_id=request.request_id,
    )
    return not_found(request)


def has_body(request) -> bool:
    length = request.META.get("CONTENT_LENGTH") or ""
    return (length.isdigit() and int(length) > 0) or bool(
        request.META.get("HTTP_TRANSFER_ENCODING")
    )


def validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BeneficiaryGrants(APIView):
    scope_map = {"GET": "consents:read", "POST": "consents:write"}

    @extend_schema(responses=GrantSerializer(many=True), operation_id="beneficiary_grants_list")
    def get(self, request, beneficiary_id):
        actor = request.actor
        grants, decision = grants_visible_to(actor, beneficiary_id)
        log_access(
            actor=actor,
            action="read",
            resource="grants",
            decision=decision.decision,
            beneficiary_id=beneficiary_id,
            basis=decision.basis,
            grant_id=decision.grant_id,
            request_id=request.request_id,
        )
        if grants is None:
            return not_found(request)
        paginator = Cursor()
        page = paginator.paginate_queryset(
            grants.select_related("granted_by").order_by("created_at", "id"), request, view=self
        )
        return paginator.get_paginated_response(GrantSerializer(page, many=True).data)

    @extend_schema(
        request=GrantInput,
        responses={201: GrantSerializer},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="beneficiary_grants_create",
    )
    @idempotent
    def post(self, request, beneficiary_id):
        data = validated(GrantInput, request.data)
        grantee = data["grantee"]
        evidence = data.get("evidence") or {}
        try:
            grant = record_grant(
                actor=request.actor,
                beneficiary_id=beneficiary_id,
                basis=data["basis"],
                grantee_type=grantee["type"],
                grantee_organization_id=grantee.get("organization"),
                grantee_group_id=grantee.get("group"),
                grantee_kind=grantee.get("kind", ""),
                purposes=data["purposes"],
                categories=data["categories"],
                valid_from=data.get("valid_from"),
                valid_until=data.get("valid_until"),
                evidence_method=evidence.get("method", ""),
                collected_by_name=evidence.get("collected_by", ""),
                legal_reference=data.get("legal_reference", ""),
                family_information=data.get("family_information", ""),
                family_information_note=data.get("family_information_note", ""),
                request_id=request.request_id,
            )
        except InvalidGrant as exc:
            raise ValidationProblem(exc.errors) from None
        except NotVisible:
            return denied(request, resource="grant", beneficiary_id=beneficiary_id)
        except NotAllowed as exc:
            raise Problem(403, str(exc)) from None
        response = Response(GrantSerializer(grant).data, status=201)
        response["Location"] = f"/api/v1/grants/{grant.pk}"
        return response


class GrantWithdraw(APIView):
    scope_map = {"POST": "consents:write"}

    @extend_schema(
        request=WithdrawInput,
        responses=GrantSerializer,
        parameters=[IDEMPOTENCY_KEY],
        operation_id="grants_withdraw",
    )
    @idempotent
    def post(self, request, grant_id):
        reason = ""
        if has_body(request):
            reason = validated(WithdrawInput, request.data).get("reason", "")
        try:
            grant = withdraw_grant(
                actor=request.actor, grant_id=grant_id, reason=reason, request_id=request.request_id
            )
        except InvalidGrant as exc:
            raise ValidationProblem(exc.errors) from None
        except NotVisible:
            return denied(request, resource="grant", grant_id=grant_id)
        return Response(GrantSerializer(grant).data)


class GrantReceipt(APIView):
    scope_map = {"GET": "consents:read"}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="grants_receipt")
    def get(self, request, grant_id):
        grant = Grant.objects.select_related("granted_by").filter(pk=grant_id).first()
        grants, decision = grants_visible_to(request.actor, grant.beneficiary_id if grant else None)
        visible = grants is not None and grants.filter(pk=grant_id).exists()
        log_access(
            actor=request.actor,
            action="read",
            resource="grant_receipt",
            decision="allow" if visible else "deny",
            beneficiary_id=grant.beneficiary_id if grant else None,
            basis=decision.basis,
            grant_id=grant_id,
            request_id=request.request_id,
        )
        if not visible:
            return not_found(request)
        return Response(consent_receipt(grant))
