"""The rules a grant must satisfy before it is recorded (``validate_grant``): a known basis; a
grantee that exists and fits it; purposes and categories from the vocabulary; a period in order;
GDPR art. 9 data only under the bases that allow it, with explicit evidence for consent; public
bodies and a named mission for public interest; a coordination group for the shared secret; the
family's information for child protection; at most ``CONSENT_VITAL_INTEREST_HOURS`` for vital
interest. Answers the errors by field (the API's problem details); writes nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from consent.models import CoordinationGroup
from consent.vocab import (
    GRANT_BASES,
    SENSITIVE_BASES,
    Basis,
    Category,
    EvidenceMethod,
    FamilyInformation,
    GranteeType,
    Purpose,
)
from hub.registry.models import Organization, OrganizationKind

PUBLIC_BODIES = frozenset(
    {
        OrganizationKind.COMMUNE,
        OrganizationKind.CCAS,
        OrganizationKind.CIAS,
        OrganizationKind.DEPARTEMENT,
    }
)
# Consent under GDPR art. 9.2.a must be explicit: a trace the person can be shown.
EXPLICIT_METHODS = frozenset({EvidenceMethod.WRITTEN, EvidenceMethod.ELECTRONIC})


def validate_grant(
    *,
    basis: str,
    grantee_type: str,
    grantee_organization: Organization | None,
    grantee_group: CoordinationGroup | None,
    grantee_kind: str,
    purposes: list[str],
    categories: list[str],
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
    evidence_method: str,
    collected_by_name: str,
    collected_by_user_id,
    family_information: str,
    family_information_note: str,
    legal_reference: str,
    now: dt.datetime,
) -> list[dict]:
    """Every rule a grant must meet, as ``[{"field", "message"}]`` (empty when valid)."""
    errors: list[dict] = []

    def err(name, message):
        errors.append({"field": name, "message": message})

    if basis not in GRANT_BASES:
        err("basis", f"unknown legal basis {basis!r}; one of: {', '.join(GRANT_BASES)}")
    if grantee_type == GranteeType.ORGANIZATION:
        if grantee_organization is None:
            err("grantee.organization", "an organization grantee needs an existing organization")
    elif grantee_type == GranteeType.GROUP:
        if grantee_group is None:
            err("grantee.group", "a group grantee needs an existing coordination group")
        elif not grantee_group.is_active:
            err("grantee.group", "this coordination group is closed")
    elif grantee_type == GranteeType.KIND:
        if grantee_kind not in OrganizationKind.values:
            err("grantee.kind", f"one of: {', '.join(OrganizationKind.values)}")
    else:
        err("grantee.type", f"one of: {', '.join(GranteeType.values)}")

    if not purposes:
        err("purposes", "at least one purpose is required")
    for index, purpose in enumerate(purposes):
        if purpose not in Purpose.values:
            err(f"purposes[{index}]", f"unknown purpose {purpose!r}")
    if not categories:
        err("categories", "at least one data category is required")
    for index, category in enumerate(categories):
        if category not in Category.ALL:
            err(f"categories[{index}]", f"unknown data category {category!r}")

    if valid_until is not None and valid_until <= valid_from:
        err("valid_until", "the end of the period must come after its start")
    elif valid_until is not None and valid_until <= now:
        err("valid_until", "the period is already over")

    sensitive = Category.SENSITIVE.intersection(categories)
    if sensitive and basis not in SENSITIVE_BASES:
        err(
            "categories",
            "health and disability data (GDPR art. 9) need consent, vital interest, "
            "shared secret or child protection",
        )

    if basis == Basis.CONSENT:
        if evidence_method not in (
            EvidenceMethod.WRITTEN,
            EvidenceMethod.ORAL,
            EvidenceMethod.ELECTRONIC,
        ):
            err("evidence.method", "consent is collected in writing, orally or electronically")
        elif sensitive and evidence_method not in EXPLICIT_METHODS:
            err("evidence.method", "consent to health data must be explicit: written or electronic")
        if not collected_by_name.strip() and not collected_by_user_id:
            err("evidence.collected_by", "name the professional who collected the consent")
    elif evidence_method not in EvidenceMethod.values:
        err("evidence.method", f"one of: {', '.join(EvidenceMethod.values)}")

    if basis == Basis.PUBLIC_INTEREST:
        kind = grantee_organization.kind if grantee_organization else grantee_kind
        if grantee_type == GranteeType.GROUP or (kind and kind not in PUBLIC_BODIES):
            err(
                "grantee",
                "a public-interest mission is held by a public body (commune, CCAS, CIAS, département)",
            )
        if not legal_reference.strip():
            err("legal_reference", "name the mission (text or deliberation)")
    if basis == Basis.LEGAL_OBLIGATION and not legal_reference.strip():
        err("legal_reference", "name the legal obligation")
    if basis == Basis.SHARED_SECRET and grantee_type != GranteeType.GROUP:
        err("grantee.type", "the shared secret (CASF L121-6-2) applies inside a coordination group")
    if basis == Basis.CHILD_PROTECTION:
        if family_information not in (
            FamilyInformation.INFORMED,
            FamilyInformation.NOT_INFORMED_CHILD_INTEREST,
        ):
            err(
                "family_information",
                "record whether the family was informed beforehand (CASF L226-2-2)",
            )
        elif (
            family_information == FamilyInformation.NOT_INFORMED_CHILD_INTEREST
            and not family_information_note.strip()
        ):
            err(
                "family_information_note",
                "explain why informing the family is against the child's interest",
            )
    elif family_information:
        err("family_information", "only for child protection (CASF L226-2-2)")
    if basis == Basis.VITAL_INTEREST:
        limit = valid_from + dt.timedelta(hours=settings.CONSENT_VITAL_INTEREST_HOURS)
        if valid_until is not None and valid_until > limit:
            err(
                "valid_until",
                f"a vital-interest disclosure lasts at most {settings.CONSENT_VITAL_INTEREST_HOURS} hours",
            )
    return errors
