"""Survivorship: the golden record's identity fields, chosen among its partner records.

For each field, the non-empty value of the most trusted source wins; among equally trusted
sources, the most recently updated one. Deterministic: ties end on the record id.
"""

from __future__ import annotations

GOLDEN_FIELDS = (
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "phone",
    "email",
    "nir_hash",
    "address_line",
    "postcode",
    "city",
    "insee_code",
)


def flat_identity(payload: dict, nir_hash: str = "") -> dict:
    """A record payload flattened to the golden field names."""
    address = payload.get("address") or {}
    return {
        "first_names": payload.get("first_names", ""),
        "birth_name": payload.get("birth_name", ""),
        "usage_name": payload.get("usage_name", ""),
        "sex": payload.get("sex", ""),
        "birth_date": payload.get("birth_date", ""),
        "birth_place": payload.get("birth_place", ""),
        "phone": payload.get("phone", ""),
        "email": payload.get("email", ""),
        "nir_hash": nir_hash,
        "address_line": address.get("line", ""),
        "postcode": address.get("postcode", ""),
        "city": address.get("city", ""),
        "insee_code": address.get("insee_code", ""),
    }


def survive(records) -> dict:
    """Golden values from PartnerRecords (with ``organization`` loaded)."""
    ranked = sorted(
        records,
        key=lambda r: (
            r.organization.trust_level,
            r.updated_at.timestamp() if r.updated_at else 0,
            str(r.id),
        ),
        reverse=True,
    )
    flats = [flat_identity(r.payload, r.nir_hash) for r in ranked]
    golden = {}
    for field in GOLDEN_FIELDS:
        golden[field] = next((flat[field] for flat in flats if flat[field]), "")
    return golden
