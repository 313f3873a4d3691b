"""Admin forms that open a case and send a referral, validated and saved by the services the API
calls (``exchanges.cases.open_case``, ``exchanges.referrals.send_referral``) in ``clean``: one
transaction, the access-log row and the outbox event; nothing is written on an error, which is
shown in French on the field it names. The person is picked with an autocomplete through the
gate (``consent.admin.people.PersonSelect``), never typed as a UUID."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.admin.people import PersonSelect, label_for
from consent.policy import as_uuid
from exchanges import cases, referrals
from exchanges.admin.errors import add_service_error
from exchanges.models import Case, DeclineReason, Referral
from hub.registry.admin.scoping import actor_for_request, user_organizations
from hub.registry.models import Organization

PERSON_HELP = _("Tapez au moins deux lettres du nom de la personne.")


def person_field(url_name: str) -> forms.UUIDField:
    return forms.UUIDField(
        label=_("personne"),
        help_text=PERSON_HELP,
        widget=PersonSelect(url_name),
        error_messages={
            "required": _("Choisissez la personne."),
            "invalid": _("Choisissez la personne."),
        },
    )


class ServiceForm(forms.ModelForm):
    """A ModelForm whose instance comes from a service called in ``clean``."""

    person_resource = "admin_form"

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        orgs = user_organizations(request) if request is not None else Organization.objects.none()
        own = self.fields.get(self.own_field)
        if own is not None:
            own.queryset = orgs
            own.empty_label = None
        field = self.fields.get("beneficiary_id")
        if field is not None and request is not None:
            chosen = as_uuid(self.data.get("beneficiary_id") if self.is_bound else None) or (
                as_uuid(self.initial.get("beneficiary_id"))
            )
            if chosen:
                field.widget.selected_label = label_for(
                    request, chosen, resource=self.person_resource
                )

    own_field = ""

    def _post_clean(self):
        """Validation and saving are the service's (called in ``clean``)."""

    def request_id(self) -> str:
        return getattr(self.request, "request_id", "")


class CaseOpenForm(ServiceForm):
    beneficiary_id = person_field("admin:exchanges_case_persons")
    person_resource = "case_form"
    own_field = "organization"

    class Meta:
        model = Case
        fields = ["organization", "beneficiary_id", "type", "start_date", "end_date", "referent"]
        labels = {"organization": _("organisation qui accompagne")}
        help_texts = {"start_date": _("JJ/MM/AAAA ; aujourd'hui si vide.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].required = False
        self.overlap = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            result = cases.open_case(
                actor=actor_for_request(self.request),
                beneficiary_id=cleaned["beneficiary_id"],
                type=cleaned["type"],
                start_date=cleaned.get("start_date"),
                end_date=cleaned.get("end_date"),
                referent=cleaned.get("referent") or "",
                organization_id=cleaned["organization"].pk,
                request_id=self.request_id(),
            )
        except cases.CaseError as exc:
            add_service_error(self, exc, fields={"beneficiary": "beneficiary_id"})
            return cleaned
        self.instance, self.overlap = result.case, result.overlap
        return cleaned


class ReferralSendForm(ServiceForm):
    beneficiary_id = person_field("admin:exchanges_referral_persons")
    person_resource = "referral_form"
    own_field = "sender"

    class Meta:
        model = Referral
        fields = ["sender", "beneficiary_id", "receiver", "case_type", "message"]
        labels = {
            "sender": _("organisation qui oriente"),
            "receiver": _("organisation destinataire"),
            "case_type": _("accompagnement demandé"),
            "message": _("motif de l'orientation"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        receiver = self.fields.get("receiver")
        if receiver is not None:
            receiver.queryset = Organization.objects.filter(is_active=True).order_by("name")
        message = self.fields.get("message")
        if message is not None:
            message.required = True
            message.error_messages["required"] = _("Indiquez le motif de l'orientation.")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = referrals.send_referral(
                actor=actor_for_request(self.request),
                beneficiary_id=cleaned["beneficiary_id"],
                receiver_id=cleaned["receiver"].pk,
                case_type=cleaned["case_type"],
                message=cleaned.get("message") or "",
                sender_id=cleaned["sender"].pk,
                request_id=self.request_id(),
            )
        except cases.CaseError as exc:
            add_service_error(self, exc, fields={"beneficiary": "beneficiary_id"})
        return cleaned


# --- What the receiver and the sender do on the referral's page ----------------------------------

ACTION_LABELS = {
    "accept": _("Accepter l'orientation"),
    "decline": _("Refuser l'orientation"),
    "complete": _("Déclarer l'orientation réalisée"),
    "cancel": _("Annuler l'orientation"),
}


class ReferralAnswerForm(forms.Form):
    """The fields of one transition: a comment always, a reason to decline, a referent on
    acceptance (the case opened for the receiver)."""

    comment = forms.CharField(
        label=_("commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == "decline":
            self.fields["reason"] = forms.ChoiceField(
                label=_("motif du refus"),
                choices=[("", "—"), *DeclineReason.choices],
                error_messages={"required": _("Choisissez le motif du refus.")},
            )
            self.order_fields(["reason", "comment"])
        if action == "accept":
            self.fields["referent"] = forms.CharField(
                label=_("référent de l'accompagnement"), required=False, max_length=200
            )
