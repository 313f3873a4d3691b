"""The form that records a grant: validated and saved by ``consent.grants.record_grant`` (ledger
event and access-log row), the person picked with an autocomplete through the gate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.admin.common import actor, request_id
from consent.admin.people import PersonSelect, label_for
from consent.errors import InvalidGrant, NotAllowed, NotVisible
from consent.grants import record_grant
from consent.models import CoordinationGroup, Grant
from consent.policy import as_uuid
from consent.vocab import GRANT_BASES, Basis, Category, EvidenceMethod, Purpose
from hub.registry.models import Organization


class GrantForm(forms.ModelForm):
    beneficiary_id = forms.UUIDField(
        label=_("personne"),
        help_text=_(
            "Tapez au moins deux lettres du nom : une personne dont votre organisation détient "
            "la fiche."
        ),
        widget=PersonSelect("admin:consent_grant_persons"),
    )
    purposes = forms.MultipleChoiceField(
        label=_("finalités"), choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        label=_("catégories de données"),
        choices=Category.choices(),
        widget=forms.CheckboxSelectMultiple,
    )
    basis = forms.ChoiceField(
        label=_("base légale"), choices=[(b, Basis(b).label) for b in GRANT_BASES]
    )
    evidence_method = forms.ChoiceField(
        label=_("mode de recueil"), choices=EvidenceMethod.choices, required=False
    )

    class Meta:
        model = Grant
        fields = [
            "beneficiary_id",
            "basis",
            "legal_reference",
            "grantee_type",
            "grantee_organization",
            "grantee_group",
            "grantee_kind",
            "purposes",
            "categories",
            "valid_from",
            "valid_until",
            "evidence_method",
            "collected_by_name",
            "evidence_document",
            "family_information",
            "family_information_note",
        ]

    FIELD_MAP = {
        "grantee.organization": "grantee_organization",
        "grantee.group": "grantee_group",
        "grantee.kind": "grantee_kind",
        "grantee.type": "grantee_type",
        "grantee": "grantee_type",
        "evidence.method": "evidence_method",
        "evidence.collected_by": "collected_by_name",
    }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        # The change page shows a grant read-only: these fields are then absent.
        if "valid_from" in self.fields:
            self.fields["valid_from"].required = False
        if "grantee_organization" in self.fields:
            self.fields["grantee_organization"].queryset = Organization.objects.filter(
                is_active=True
            )
        if "grantee_group" in self.fields:
            self.fields["grantee_group"].queryset = CoordinationGroup.objects.filter(is_active=True)
        field = self.fields.get("beneficiary_id")
        if field is not None and request is not None:
            chosen = as_uuid(self.data.get("beneficiary_id") if self.is_bound else None) or (
                as_uuid(self.initial.get("beneficiary_id"))
            )
            if chosen:
                field.widget.selected_label = label_for(request, chosen, resource="grant_form")

    def _post_clean(self):
        """Validation and saving are the service's (``record_grant`` in ``clean``)."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        request = self.request
        try:
            self.instance = record_grant(
                actor=actor(request),
                beneficiary_id=cleaned["beneficiary_id"],
                basis=cleaned["basis"],
                grantee_type=cleaned["grantee_type"],
                grantee_organization_id=getattr(cleaned.get("grantee_organization"), "pk", None),
                grantee_group_id=getattr(cleaned.get("grantee_group"), "pk", None),
                grantee_kind=cleaned.get("grantee_kind") or "",
                purposes=cleaned["purposes"],
                categories=cleaned["categories"],
                valid_from=cleaned.get("valid_from"),
                valid_until=cleaned.get("valid_until"),
                evidence_method=cleaned.get("evidence_method") or "",
                collected_by_name=cleaned.get("collected_by_name") or "",
                collected_by_user_id=request.user.pk,
                evidence_document=cleaned.get("evidence_document"),
                legal_reference=cleaned.get("legal_reference") or "",
                family_information=cleaned.get("family_information") or "",
                family_information_note=cleaned.get("family_information_note") or "",
                request_id=request_id(request),
            )
        except InvalidGrant as exc:
            for error in exc.errors:
                name = self.FIELD_MAP.get(error["field"], error["field"].split("[")[0])
                self.add_error(name if name in self.fields else None, error["message"])
        except NotVisible:
            self.add_error("beneficiary_id", _("Personne inconnue de votre organisation."))
        except NotAllowed:
            self.add_error(
                "beneficiary_id",
                _("Seule une organisation détenant la fiche de la personne peut enregistrer."),
            )
        return cleaned
