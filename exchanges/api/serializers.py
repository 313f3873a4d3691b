"""Input validation and representations of the exchanges API (no personal data in any of them)."""

from __future__ import annotations

from rest_framework import serializers

from exchanges.models import (
    Case,
    CaseOutcome,
    CaseStatus,
    CaseType,
    DeclineReason,
    ImportRow,
    Referral,
    ReferralStep,
    WebhookDelivery,
    WebhookEndpoint,
)
from hub.api.fields import BoundedDateField, StrictSerializer


class CaseCreateSerializer(StrictSerializer):
    beneficiary = serializers.UUIDField()
    type = serializers.ChoiceField(choices=CaseType.choices)
    start_date = BoundedDateField(required=False)
    end_date = BoundedDateField(required=False, allow_null=True)
    referent = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CasePatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    start_date = BoundedDateField(required=False)
    end_date = BoundedDateField(required=False, allow_null=True)
    referent = serializers.CharField(required=False, allow_blank=True, max_length=200)
    # How the case ended, when closing it (an unknown value answers 422 naming ``outcome``).
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, required=False, allow_blank=True)


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "organization",
            "beneficiary",
            "type",
            "status",
            "start_date",
            "end_date",
            "referent",
            "outcome",
            "outcome_at",
            "referral",
            "version",
            "created_at",
            "updated_at",
        ]


class ReferralCreateSerializer(StrictSerializer):
    beneficiary = serializers.UUIDField()
    receiver = serializers.UUIDField()
    case_type = serializers.ChoiceField(choices=CaseType.choices)
    message = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ReferralActionSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    reason = serializers.ChoiceField(choices=DeclineReason.choices, required=False)
    referent = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ReferralStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralStep
        fields = ["status", "organization", "comment", "at"]


class ReferralSerializer(serializers.ModelSerializer):
    history = ReferralStepSerializer(source="steps", many=True, read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "beneficiary",
            "sender",
            "receiver",
            "case_type",
            "status",
            "message",
            "decline_reason",
            "decline_comment",
            "sent_at",
            "answered_at",
            "closed_at",
            "reminder_count",
            "case",
            "history",
        ]

    def get_case(self, referral) -> str | None:
        case = getattr(referral, "opened_case", None) if referral.status != "sent" else None
        return str(case.pk) if case else None


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "is_active", "disabled_reason", "created_at"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event_id")

    class Meta:
        model = WebhookDelivery
        fields = ["msg_id", "event", "status", "attempts", "last_status_code", "delivered_at"]


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = ["index", "external_id", "outcome", "beneficiary_id", "errors"]
