"""Representations of records and golden records (read side)."""

from __future__ import annotations

from rest_framework import serializers

from consent.policy import Category


class MatchSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["created", "linked", "review", "updated", "unchanged"]
    )
    grade = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)


class RecordSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    beneficiary = serializers.UUIDField(source="beneficiary_id")
    version = serializers.IntegerField()
    data = serializers.JSONField(source="payload", help_text="The record as sent, without the NIR.")
    has_nir = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_has_nir(self, record) -> bool:
        return bool(record.nir_hash)


class RecordWriteResultSerializer(RecordSerializer):
    match = MatchSerializer()


class AddressSerializer(serializers.Serializer):
    line = serializers.CharField(source="address_line")
    postcode = serializers.CharField()
    city = serializers.CharField()
    insee_code = serializers.CharField()


class IdentitySerializer(serializers.Serializer):
    first_names = serializers.CharField()
    birth_name = serializers.CharField()
    usage_name = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.CharField()
    birth_place = serializers.CharField()
    has_nir = serializers.SerializerMethodField()

    def get_has_nir(self, fields) -> bool:
        return bool(fields.get("nir_hash"))


class ContactSerializer(serializers.Serializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    address = AddressSerializer(source="*")


class BeneficiarySerializer(serializers.Serializer):
    """The golden record as the caller may see it (``consent.gate.PersonView``): the values it
    supplied itself, and others' values in the categories its grants cover; a value it may
    not see reads as empty. A category the caller has nothing in is null."""

    id = serializers.UUIDField()
    status = serializers.CharField()
    merged_into = serializers.UUIDField(source="merged_into_id", allow_null=True)
    identity = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()

    def get_categories(self, view) -> list[str]:
        return sorted(view.categories)

    def get_identity(self, view) -> IdentitySerializer(allow_null=True):
        if Category.IDENTITY not in view.categories:
            return None
        return IdentitySerializer(view.fields).data

    def get_contact(self, view) -> ContactSerializer(allow_null=True):
        if Category.CONTACT not in view.categories:
            return None
        return ContactSerializer(view.fields).data


class ExplanationSerializer(serializers.Serializer):
    field = serializers.CharField()
    level = serializers.CharField()
    weight = serializers.FloatField()


class MatchCandidateSerializer(serializers.Serializer):
    beneficiary = serializers.UUIDField(source="beneficiary_id")
    grade = serializers.ChoiceField(choices=["certain", "probable", "possible"])
    score = serializers.FloatField()
    explanation = ExplanationSerializer(many=True)


class MatchResultSerializer(serializers.Serializer):
    candidates = MatchCandidateSerializer(many=True)
