"""The baseline: the same golden-record read with the same authentication, scope check and
serializer, but no policy decision and no access-log row."""

from __future__ import annotations

from django.http import Http404
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.gate import PersonView
from consent.policy import PolicyDecision
from consent.vocab import Category
from hub.registry.api.serializers import BeneficiarySerializer
from hub.registry.golden import GOLDEN_FIELDS
from hub.registry.models import Beneficiary

EVERYTHING = PolicyDecision(True, "bench", frozenset(Category.ALL))


class BareBeneficiaryDetail(APIView):
    scope_map = {"GET": "records:read"}

    def get(self, request, beneficiary_id):
        beneficiary = Beneficiary.objects.filter(pk=beneficiary_id).first()
        if beneficiary is None:
            raise Http404
        view = PersonView(
            beneficiary.pk,
            EVERYTHING,
            granted=frozenset(Category.ALL),
            fields={name: getattr(beneficiary, name) for name in GOLDEN_FIELDS},
            status=beneficiary.status,
            merged_into_id=beneficiary.merged_into_id,
        )
        return Response(BeneficiarySerializer(view).data)
