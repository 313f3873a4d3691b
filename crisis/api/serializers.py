"""Shapes of the crisis API (validation of the envelope; the person is checked against the
published record schema by ``crisis.register``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crisis.vocab import (
    CallStatus,
    Eligibility,
    Level,
    NeedAction,
    Outcome,
    Plan,
    RegistrationStatus,
    RequestedBy,
    Step,
)
from hub.api.fields import StrictSerializer


@extend_schema_field({"$ref": "#/components/schemas/BeneficiaryRecordV1"})
class PersonField(serializers.JSONField):
    pass


class EmergencyContactSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    relation = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ThirdPartySerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    contact = serializers.CharField(max_length=254, required=False, allow_blank=True)
    relation = serializers.CharField(max_length=100, required=False, allow_blank=True)


class RegistrationCreateSerializer(StrictSerializer):
    person = PersonField()
    category = serializers.ChoiceField(choices=Eligibility.choices)
    requested_by = serializers.ChoiceField(choices=RequestedBy.choices)
    lives_alone = serializers.BooleanField(required=False, default=False)
    home_care_service = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    emergency_contact = EmergencyContactSerializer(required=False)
    third_party = ThirdPartySerializer(required=False)
    transmitted_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    requested_at = serializers.DateTimeField(required=False)


class RegistrationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    beneficiary = serializers.UUIDField(source="beneficiary_id")
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    person = PersonField()
    category = serializers.ChoiceField(choices=Eligibility.choices)
    requested_by = serializers.ChoiceField(choices=RequestedBy.choices)
    lives_alone = serializers.BooleanField()
    home_care_service = serializers.CharField()
    emergency_contact = serializers.SerializerMethodField()
    third_party = serializers.SerializerMethodField()
    transmitted_by = serializers.CharField()
    requested_at = serializers.DateTimeField()
    acknowledgment_due = serializers.DateField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(EmergencyContactSerializer(allow_null=True))
    def get_emergency_contact(self, entry):
        if not entry.contact_name and not entry.contact_phone:
            return None
        return {
            "name": entry.contact_name,
            "phone": entry.contact_phone,
            "relation": entry.contact_relation,
        }

    @extend_schema_field(ThirdPartySerializer(allow_null=True))
    def get_third_party(self, entry):
        if not entry.third_party_name:
            return None
        return {
            "name": entry.third_party_name,
            "contact": entry.third_party_contact,
            "relation": entry.third_party_relation,
        }


class ActivationCreateSerializer(StrictSerializer):
    plan = serializers.ChoiceField(choices=Plan.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(max_length=500)


class ActivationCloseSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class ActivationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    plan = serializers.ChoiceField(choices=Plan.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()
    is_open = serializers.BooleanField()


class CallPersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    emergency_contact_phone = serializers.CharField()


class CallSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    activation = serializers.UUIDField(source="activation_id")
    registration = serializers.UUIDField(source="registration_id")
    priority = serializers.IntegerField()
    rank = serializers.IntegerField()
    step = serializers.ChoiceField(choices=Step.choices)
    status = serializers.ChoiceField(choices=CallStatus.choices)
    attempts = serializers.IntegerField()
    total_attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.CharField()
    need_action = serializers.CharField()
    claimed = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    person = serializers.SerializerMethodField()

    def get_claimed(self, call) -> bool:
        return bool(call.claim_holder)

    @extend_schema_field(CallPersonSerializer(allow_null=True))
    def get_person(self, call):
        shown = self.context.get("shown", set())
        if call.registration_id not in shown:
            return None
        entry = call.registration
        return {
            "name": entry.display_name,
            "phone": entry.phone,
            "address": entry.address,
            "emergency_contact_phone": entry.contact_phone,
        }


class OutcomeSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    need_action = serializers.ChoiceField(
        choices=NeedAction.choices, required=False, allow_blank=True, default=""
    )
