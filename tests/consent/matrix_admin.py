"""The admin's faces for the disclosure matrix: every named admin URL, with the object its
page shows in the matrix world (``admin_urls``). A URL with no entry here is a face without a
row (``test_every_face_has_a_row`` fails)."""

from __future__ import annotations

import re

from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from consent.models import AccessLog, GrantEvent, PortalConsent
from exchanges.models import OverlapAlert
from hub.outbox.models import Event
from territory.catalogue import BY_CODE

GENERIC = re.compile(
    r"^(?P<app>[a-z0-9_]+)_(?P<model>[a-z0-9]+)_(?P<view>changelist|add|change|delete|history)$"
)
# Named admin URLs that show no person (framework pages), visited plainly or not at all.
NOT_FACES = {"login", "logout", "password_change", "password_change_done", "jsi18n", "view_on_site"}


def rights_request(world):
    """A cross-partner access request opened by the owner (tasks for the grantees)."""
    from consent.models import RightsRequest
    from consent.rights_requests import open_request
    from hub.registry.actors import Actor

    found = RightsRequest.objects.filter(beneficiary_id=world.person).first()
    if found is None:
        org = world.parties["owner"].partner.organization.pk
        with transaction.atomic():
            found = open_request(
                actor=Actor(organization_id=org, organization_ids=(org,)),
                organization_id=org,
                beneficiary_id=world.person,
                kind="access",
                reason="Matrice : courrier de la personne",
            )
    return found


def admin_object(world, label: str):
    """The object shown by a model's change/delete/history pages in the matrix world (None:
    the model holds nothing of the person, its pages are visited on whatever row exists)."""
    person = world.person
    owner = world.parties["owner"]
    objects = {
        "registry.beneficiary": lambda: person,
        "registry.partnerrecord": lambda: world.ids["record"],
        "registry.household": lambda: world.ids["household"],
        "registry.organization": lambda: owner.partner.organization.pk,
        "registry.membership": lambda: owner.users["admin"].memberships.get().pk,
        "registry.partnerclient": lambda: owner.partner.onboarded.client.pk,
        "consent.grant": lambda: world.ids["grant"],
        "consent.grantevent": lambda: (
            GrantEvent.objects.filter(beneficiary_id=person).values_list("pk", flat=True).first()
        ),
        "consent.accesslog": lambda: (
            AccessLog.objects.filter(beneficiary_id=person).values_list("pk", flat=True).first()
        ),
        "exchanges.case": lambda: world.ids["case"],
        "exchanges.referral": lambda: world.ids.get("referral"),
        "exchanges.overlapalert": lambda: OverlapAlert.objects.values_list("pk", flat=True).first(),
        "exchanges.portalsubmission": lambda: world.ids["submission"],
        "consent.portalconsent": lambda: (
            PortalConsent.objects.filter(submission_id=world.ids["submission"])
            .values_list("pk", flat=True)
            .first()
        ),
        "consent.rightsrequest": lambda: rights_request(world).pk,
        "consent.rightstask": lambda: (
            rights_request(world).tasks.values_list("pk", flat=True).first()
        ),
        "outbox.event": lambda: (
            Event.objects.filter(beneficiary_id=person).values_list("pk", flat=True).first()
        ),
        "crisis.registration": lambda: world.ids["registration"],
        "crisis.activation": lambda: world.ids["activation"],
        "crisis.call": lambda: world.ids["call"],
        "crisis.resource": lambda: None,  # no resource in the matrix world
    }
    # Models whose rows hold nothing of the person (technical or configuration rows).
    plain = {
        "auth.user",
        "auth.group",
        "oauth2_provider.application",
        "oauth2_provider.accesstoken",
        "oauth2_provider.grant",
        "oauth2_provider.idtoken",
        "oauth2_provider.refreshtoken",
        "consent.chaincheckpoint",
        "consent.retentionrun",
        "consent.coordinationgroup",
        "consent.legalhold",
        "registry.reviewitem",
        "registry.merge",
        "registry.deduperun",
        "exchanges.webhookendpoint",
        "exchanges.webhookdelivery",
        "exchanges.importjob",
        # staff logins (user names and addresses of staff, no person)
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "otp_totp.totpdevice",
    }
    if label in objects:
        return objects[label]()
    if label in plain:
        model = admin.site._registry_by_label[label]
        return model.objects.values_list("pk", flat=True).first()
    raise LookupError(label)


INDICATOR = BY_CODE and next(iter(BY_CODE))  # any indicator: each answers aggregates only


def _admin(name: str, pk) -> str:
    return reverse(f"admin:{name}", kwargs={"pk": pk})


CUSTOM = {
    "index": lambda w: ["/admin/"],
    "autocomplete": lambda w: [
        "/admin/autocomplete/?app_label=registry&model_name=householdmember"
        "&field_name=beneficiary&term=Quen",
        "/admin/autocomplete/?app_label=consent&model_name=grant&field_name=beneficiary&term=Quen",
    ],
    "app_list": lambda w: [f"/admin/{app}/" for app in ("registry", "consent", "exchanges")],
    "otp_totp_totpdevice_qrcode": lambda w: [],  # a staff member's own QR code: no person
    "otp_totp_totpdevice_config": lambda w: [],  # the same, as a configuration URL
    "consent_accesslog_export_csv": lambda w: ["/admin/consent/accesslog/export.csv"],
    "consent_accesslog_export_json": lambda w: ["/admin/consent/accesslog/export.json"],
    "consent_grantevent_export_csv": lambda w: ["/admin/consent/grantevent/export.csv"],
    "consent_grantevent_export_json": lambda w: ["/admin/consent/grantevent/export.json"],
    "consent_dpo_index": lambda w: ["/admin/consent/accesslog/dpo/"],
    "consent_dpo_register": lambda w: ["/admin/consent/accesslog/dpo/registre/"],
    "consent_dpo_integrity": lambda w: ["/admin/consent/accesslog/dpo/integrite/"],
    "consent_dpo_retention": lambda w: ["/admin/consent/accesslog/dpo/conservation/"],
    "consent_dpo_person": lambda w: [f"/admin/consent/accesslog/dpo/personne/{w.person}/"],
    "consent_dpo_subject_access": lambda w: [
        f"/admin/consent/accesslog/dpo/personne/{w.person}/acces/"
    ],
    "consent_dpo_erasure": lambda w: [
        f"/admin/consent/accesslog/dpo/personne/{w.person}/effacement/"
    ],
    "consent_grant_withdraw": lambda w: [f"/admin/consent/grant/{w.ids['grant']}/retirer/"],
    "consent_grant_receipt": lambda w: [f"/admin/consent/grant/{w.ids['grant']}/recu/"],
    "registry_beneficiary_autocomplete": lambda w: [
        "/admin/registry/beneficiary/autocomplete/?term=Quen"
    ],
    "registry_partnerclient_created": lambda w: ["/admin/registry/partnerclient/add/created/"],
    "consent_grant_persons": lambda w: ["/admin/consent/grant/personnes/?term=Quen"],
    "consent_dpo_persons": lambda w: ["/admin/consent/accesslog/dpo/personnes/?term=Quen"],
    "auth_user_password_change": lambda w: [],  # a user's own password form: no person
    "crisis_activation_campaign": lambda w: [
        _admin("crisis_activation_campaign", w.ids["activation"])
    ],
    "crisis_activation_stats": lambda w: [_admin("crisis_activation_stats", w.ids["activation"])],
    "crisis_activation_close": lambda w: [_admin("crisis_activation_close", w.ids["activation"])],
    "crisis_activation_add_caller": lambda w: [
        _admin("crisis_activation_add_caller", w.ids["activation"])
    ],
    "crisis_call_next": lambda w: [reverse("admin:crisis_call_next")],
    "territory_map": lambda w: [reverse("admin:territory_map")],
    "territory_report": lambda w: [reverse("admin:territory_report") + "?commune=59512"],
    "territory_export": lambda w: [
        reverse("admin:territory_export") + f"?code={code}&format={fmt}"
        for code in list(BY_CODE)[:4]
        for fmt in ("csv", "json")
    ],
    "territory_definition": lambda w: [
        reverse("admin:territory_definition", kwargs={"code": INDICATOR})
    ],
    "crisis_registration_acknowledge": lambda w: [
        _admin("crisis_registration_acknowledge", w.ids["registration"])
    ],
    "exchanges_referral_persons": lambda w: ["/admin/exchanges/referral/personnes/?term=Quen"],
    "exchanges_overlapalert_handle": lambda w: [
        reverse("admin:exchanges_overlapalert_handle", args=[pk])
        for pk in OverlapAlert.objects.values_list("pk", flat=True)
    ],
    "exchanges_case_close": lambda w: [_admin("exchanges_case_close", w.ids["case"])],
    "exchanges_case_persons": lambda w: ["/admin/exchanges/case/personnes/?term=Quen"],
    "exchanges_referral_transition": lambda w: [
        reverse("admin:exchanges_referral_transition", args=[w.ids["referral"], action])
        for action in ("accept", "decline", "complete", "cancel")
    ],
    "crisis_registration_end": lambda w: [_admin("crisis_registration_end", w.ids["registration"])],
    "crisis_registration_notice": lambda w: [
        _admin("crisis_registration_notice", w.ids["registration"])
    ],
    # The citizen portal's queue (POST-only decisions are visited with GET: refused, no body).
    "exchanges_portalsubmission_confirm": lambda w: [
        _admin("exchanges_portalsubmission_confirm", w.ids["submission"])
    ],
    "exchanges_portalsubmission_reject": lambda w: [
        _admin("exchanges_portalsubmission_reject", w.ids["submission"])
    ],
    "crisis_registration_portal": lambda w: [
        _admin("crisis_registration_portal", w.ids["crisis_submission"]),
        _admin("crisis_registration_portal", w.ids["submission"]),  # a help request: 404
    ],
    "consent_portalconsent_export_csv": lambda w: [
        reverse("admin:consent_portalconsent_export_csv")
    ],
    "crisis_registration_portal_confirm": lambda w: [
        _admin("crisis_registration_portal_confirm", w.ids["crisis_submission"])
    ],
}


def admin_patterns():
    def walk(patterns):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                yield from walk(entry.url_patterns)
            elif entry.name:
                yield entry.name

    return sorted(set(walk(admin.site.get_urls())))


def admin_urls(world, name: str) -> list[str]:
    if name in NOT_FACES:
        return []
    if name in CUSTOM:
        return CUSTOM[name](world)
    match = GENERIC.match(name)
    if not match:
        raise LookupError(name)
    base = f"/admin/{match['app']}/{match['model']}/"
    view = match["view"]
    if view == "changelist":
        return [base]
    if view == "add":
        return [f"{base}add/", f"{base}add/?beneficiary={world.person}"]
    pk = admin_object(world, f"{match['app']}.{match['model']}")
    if pk is None:
        return []
    suffix = {"change": "change/", "delete": "delete/", "history": "history/"}[view]
    return [f"{base}{pk}/{suffix}"]
