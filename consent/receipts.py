"""Consent receipts for the person: Kantara Consent Receipt v1.1 fields, ISO/IEC 27560 record."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from consent.models import Grant
from consent.vocab import Basis, Category, EvidenceMethod, Purpose

RECEIPT_VERSION = "KI-CR-v1.1.0"

_COLLECTION = {
    EvidenceMethod.WRITTEN: "written form signed by the data subject",
    EvidenceMethod.ORAL: "verbal, recorded by a professional",
    EvidenceMethod.ELECTRONIC: "electronic form",
    EvidenceMethod.LEGAL_TEXT: "not collected: legal basis",
}


def consent_receipt(grant: Grant) -> dict:
    """The receipt a person can keep. Ids only for the person (no identity data)."""
    granted_by = grant.granted_by
    consent = grant.basis == Basis.CONSENT
    sensitive = sorted(Category.SENSITIVE.intersection(grant.categories))
    return {
        # Kantara Consent Receipt Specification v1.1
        "version": RECEIPT_VERSION,
        "jurisdiction": "FR",
        "consentTimestamp": int(grant.valid_from.timestamp()),
        "collectionMethod": _COLLECTION.get(grant.evidence_method, grant.evidence_method),
        "consentReceiptID": str(grant.id),
        "language": "fr",
        "piiPrincipalId": str(grant.beneficiary_id),
        "piiControllers": [
            {
                "piiController": granted_by.name,
                "onBehalf": False,
                "contact": grant.collected_by_name or granted_by.name,
                "address": {"country": "FR"},
                "email": "",
                "phone": "",
            }
        ],
        "policyUrl": getattr(settings, "PRIVACY_POLICY_URL", ""),
        "services": [
            {
                "service": "Passerelle — coordination de l'action sociale",
                "purposes": [
                    {
                        "purpose": str(Purpose(purpose).label),
                        "purposeCategory": [purpose],
                        "consentType": "EXPLICIT" if consent else "NOT_APPLICABLE",
                        "piiCategory": list(grant.categories),
                        "primaryPurpose": index == 0,
                        "termination": (
                            grant.valid_until.isoformat()
                            if grant.valid_until
                            else "jusqu'au retrait"
                        ),
                        "thirdPartyDisclosure": True,
                        "thirdPartyName": grant.grantee_label,
                    }
                    for index, purpose in enumerate(grant.purposes)
                ],
            }
        ],
        "sensitive": bool(sensitive),
        "spiCat": sensitive,
        # ISO/IEC TS 27560 consent record information
        "recordId": str(grant.id),
        "legalBasis": grant.basis,
        "legalBasisLabel": str(Basis(grant.basis).label),
        "legalReference": grant.legal_reference,
        "status": grant.status,
        "validFrom": grant.valid_from.isoformat(),
        "validUntil": grant.valid_until.isoformat() if grant.valid_until else None,
        "withdrawnAt": grant.withdrawn_at.isoformat() if grant.withdrawn_at else None,
        "collectedBy": grant.collected_by_name,
        "evidenceMethod": grant.evidence_method,
        "withdrawal": (
            "La personne peut retirer son consentement à tout moment auprès de "
            f"{granted_by.name} ou de tout partenaire qui l'accompagne."
            if consent
            else ""
        ),
        "issuedAt": timezone.now().isoformat(),
    }
