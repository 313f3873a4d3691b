"""What exchanges adds to a DPO's subject access export (GDPR art. 15): the cases of the
viewer's organizations and the referrals they sent or received, for one person.

Registered with ``consent.rights.register_export_section`` when the app is ready, so that
consent, below exchanges, never imports it. Without a viewer (the hub operator) everything.
"""

from __future__ import annotations

from django.db.models import Q

from consent.rights import register_export_section
from exchanges.models import Case, Referral
from hub.registry.services import cluster_ids


def _iso(value):
    return value.isoformat() if value else None


def cases_section(viewer, beneficiary_id) -> list:
    cases = Case.objects.filter(beneficiary_id__in=cluster_ids(beneficiary_id))
    if viewer is not None and not viewer.is_superuser:
        cases = cases.filter(organization_id__in=viewer.organization_ids)
    return [
        {
            "id": str(case.pk),
            "organization": case.organization.name,
            "type": case.type,
            "type_label": str(case.get_type_display()),
            "status": case.status,
            "status_label": str(case.get_status_display()),
            "start_date": _iso(case.start_date),
            "end_date": _iso(case.end_date),
            "referent": case.referent,
        }
        for case in cases.select_related("organization").order_by("start_date")
    ]


def referrals_section(viewer, beneficiary_id) -> list:
    referrals = Referral.objects.filter(beneficiary_id__in=cluster_ids(beneficiary_id))
    if viewer is not None and not viewer.is_superuser:
        orgs = list(viewer.organization_ids)
        referrals = referrals.filter(Q(sender_id__in=orgs) | Q(receiver_id__in=orgs))
    return [
        {
            "id": str(referral.pk),
            "sender": referral.sender.name,
            "receiver": referral.receiver.name,
            "case_type": referral.case_type,
            "case_type_label": str(referral.get_case_type_display()),
            "status": referral.status,
            "status_label": str(referral.get_status_display()),
            "sent_at": _iso(referral.sent_at),
            "basis": referral.basis,
        }
        for referral in referrals.select_related("sender", "receiver").order_by("sent_at")
    ]


def register() -> None:
    register_export_section("cases", cases_section)
    register_export_section("referrals", referrals_section)
