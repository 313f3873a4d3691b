"""Grant representations and the shape check of grant bodies (rules live in the service)."""

from __future__ import annotations

from rest_framework import serializers

from consent.models import Grant
from consent.vocab import (
    GRANT_BASES,
    Category,
    EvidenceMethod,
    FamilyInformation,
    GranteeType,
    Purpose,
)
from hub.api.fields import BoundedDateTimeField, StrictSerializer
from hub.registry.models import OrganizationKind


class GranteeInput(StrictSerializer):
    type = serializers.ChoiceField(choices=GranteeType.values)
    organization = serializers.UUIDField(required=False)
    group = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=OrganizationKind.values, required=False)

    def validate(self, attrs):
        needed = {"organization": "organization", "group": "group", "kind": "kind"}[attrs["type"]]
        if needed not in attrs:
            raise serializers.ValidationError({needed: [f"required for a {attrs['type']} grantee"]})
        return attrs


class EvidenceInput(StrictSerializer):
    method = serializers.ChoiceField(choices=EvidenceMethod.values)
    collected_by = serializers.CharField(max_length=200, required=False, allow_blank=True)


class GrantInput(StrictSerializer):
    basis = serializers.ChoiceField(choices=list(GRANT_BASES))
    grantee = GranteeInput()
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.values), allow_empty=False, max_length=20
    )
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=list(Category.ALL)), allow_empty=False, max_length=10
    )
    valid_from = BoundedDateTimeField(required=False)
    valid_until = BoundedDateTimeField(required=False, allow_null=True)
    evidence = EvidenceInput(required=False)
    legal_reference = serializers.CharField(max_length=300, required=False, allow_blank=True)
    family_information = serializers.ChoiceField(
        choices=FamilyInformation.values, required=False, allow_blank=True
    )
    family_information_note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )


class WithdrawInput(StrictSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class GranteeOutput(serializers.Serializer):
    type = serializers.CharField(source="grantee_type")
    organization = serializers.UUIDField(source="grantee_organization_id", allow_null=True)
    group = serializers.UUIDField(source="grantee_group_id", allow_null=True)
    kind = serializers.CharField(source="grantee_kind")


class EvidenceOutput(serializers.Serializer):
    method = serializers.CharField(source="evidence_method")
    collected_by = serializers.CharField(source="collected_by_name")
    has_document = serializers.SerializerMethodField()

    def get_has_document(self, grant) -> bool:
        return bool(grant.evidence_document)


class GrantSerializer(serializers.ModelSerializer):
    beneficiary = serializers.UUIDField(source="beneficiary_id")
    granted_by = serializers.UUIDField(source="granted_by_id")
    grantee = GranteeOutput(source="*")
    evidence = EvidenceOutput(source="*")
    status = serializers.CharField()

    class Meta:
        model = Grant
        fields = [
            "id",
            "beneficiary",
            "basis",
            "legal_reference",
            "grantee",
            "granted_by",
            "purposes",
            "categories",
            "valid_from",
            "valid_until",
            "status",
            "evidence",
            "family_information",
            "family_information_note",
            "review_due_at",
            "reviewed_at",
            "withdrawn_at",
            "withdrawal_reason",
            "created_at",
        ]
        read_only_fields = fields
