"""Survivorship: the golden record's fields, chosen among partner records.

Rules, per field, over the records that have a value:

* values are grouped by what they mean (names folded: case, accents, hyphens; dates by
  compatibility, a year agreeing with the full dates of that year);
* the group backed by the most organizations wins (three partners agreeing are not overruled by
  a fourth's typo, however recent or trusted), then the most trusted source, then the most
  complete value, then the most recent;
* within the winning group the most informative spelling is kept ("Thérèse" over "Therese",
  "Lefèvre-Dupont" over "LEFEVRE DUPONT"), and the most precise date ("1984-03-12" over "1984");
* the address (line, postcode, city, INSEE code) is taken whole from one record, never mixed
  field by field; contact details (phone, e-mail) follow trust then recency: people change
  numbers, and the newest number of the most trusted source is the one to call.

Deterministic: ties end on the record id. ``survive`` also serves the per-viewer golden record
(``consent.gate``): called on the viewer's own records only, it gives what the viewer itself
supplied.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

IDENTITY = "identity"
CONTACT = "contact"

IDENTITY_FIELDS = (
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "nir_hash",
)
ADDRESS_FIELDS = ("address_line", "postcode", "city", "insee_code")
CONTACT_FIELDS = ("phone", "email", *ADDRESS_FIELDS)
GOLDEN_FIELDS = (*IDENTITY_FIELDS, *CONTACT_FIELDS)

#: The data category of each golden field (the names of ``consent.vocab.Category``).
FIELD_CATEGORY = {
    **dict.fromkeys(IDENTITY_FIELDS, IDENTITY),
    **dict.fromkeys(CONTACT_FIELDS, CONTACT),
}

_NAME_FIELDS = ("first_names", "birth_name", "usage_name", "birth_place")


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
        "nir_hash": nir_hash,
        "phone": payload.get("phone", ""),
        "email": payload.get("email", ""),
        "address_line": address.get("line", ""),
        "postcode": address.get("postcode", ""),
        "city": address.get("city", ""),
        "insee_code": address.get("insee_code", ""),
    }


def mask_payload(payload: dict, categories) -> dict:
    """A record payload reduced to the data categories given (what one viewer may compare)."""
    masked = {}
    for name, value in payload.items():
        if name == "address":
            if CONTACT in categories:
                masked[name] = value
        elif FIELD_CATEGORY.get(name, IDENTITY) in categories:
            masked[name] = value
    return masked


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.lower().split())


def _informative(text: str) -> tuple:
    """Higher is better: diacritics kept, mixed case rather than all capitals, then length."""
    accents = sum(1 for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c))
    mixed = text != text.upper() and text != text.lower()
    return (accents, mixed, len(text))


class _Source:
    __slots__ = ("flat", "org", "trust", "recency", "tie")

    def __init__(self, record):
        self.flat = flat_identity(record.payload or {}, record.nir_hash)
        self.org = record.organization_id
        self.trust = record.organization.trust_level
        self.recency = record.updated_at.timestamp() if record.updated_at else 0.0
        self.tie = str(record.id)

    def rank(self) -> tuple:
        return (self.trust, self.recency, self.tie)


def _date_precision(value: str) -> int:
    return len(value.split("-"))


def _best_by_support(candidates: list[tuple[str, str, _Source]], *, precision=None) -> str:
    """``candidates``: (group key, value, source). The value of the best-supported group."""
    groups: dict[str, list[tuple[str, _Source]]] = defaultdict(list)
    for key, value, source in candidates:
        groups[key].append((value, source))

    def group_rank(item):
        _key, members = item
        best = max(members, key=lambda m: m[1].rank())[1]
        complete = max((precision(v) if precision else 0) for v, _ in members)
        return (len({s.org for _, s in members}), best.trust, complete, best.recency, best.tie)

    _key, members = max(groups.items(), key=group_rank)
    if precision:
        return max(members, key=lambda m: (precision(m[0]), m[1].rank()))[0]
    return max(members, key=lambda m: (_informative(m[0]), m[1].rank()))[0]


def _birth_date(sources: list[_Source]) -> str:
    """The best-supported full date; partial dates back every full date they agree with."""
    values = [(s.flat["birth_date"], s) for s in sources if s.flat["birth_date"]]
    if not values:
        return ""
    precise = {v for v, _ in values}
    candidates = []
    for value, source in values:
        # A partial date counts for each more precise date it is compatible with.
        targets = [p for p in precise if p.startswith(value) and p != value] or [value]
        for target in targets:
            candidates.append((target, target, source))
    return _best_by_support(candidates, precision=_date_precision)


def _address(sources: list[_Source]) -> dict:
    """The whole address of one record: the best-supported address, then the most complete."""
    with_address = [s for s in sources if any(s.flat[f] for f in ADDRESS_FIELDS)]
    if not with_address:
        return dict.fromkeys(ADDRESS_FIELDS, "")
    groups: dict[str, list[_Source]] = defaultdict(list)
    for source in with_address:
        groups["|".join(_fold(source.flat[f]) for f in ("address_line", "postcode"))].append(source)

    def group_rank(members):
        best = max(members, key=lambda s: s.rank())
        return (len({s.org for s in members}), best.trust, best.recency, best.tie)

    members = max(groups.values(), key=group_rank)
    chosen = max(members, key=lambda s: (sum(1 for f in ADDRESS_FIELDS if s.flat[f]), s.rank()))
    return {f: chosen.flat[f] for f in ADDRESS_FIELDS}


def survive(records) -> dict:
    """Golden values from PartnerRecords (with ``organization`` loaded)."""
    sources = [_Source(r) for r in records]
    golden: dict[str, str] = {}
    for field in (*_NAME_FIELDS, "sex", "nir_hash"):
        candidates = [
            (_fold(s.flat[field]) if field in _NAME_FIELDS else s.flat[field], s.flat[field], s)
            for s in sources
            if s.flat[field]
        ]
        golden[field] = _best_by_support(candidates) if candidates else ""
    golden["birth_date"] = _birth_date(sources)
    for field in ("phone", "email"):
        present = [s for s in sources if s.flat[field]]
        golden[field] = max(present, key=lambda s: s.rank()).flat[field] if present else ""
    golden.update(_address(sources))
    return {field: golden[field] for field in GOLDEN_FIELDS}
