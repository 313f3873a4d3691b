"""What the portal keeps of a FranceConnect login: one session key, read by the portal forms.

``request.session["franceconnect"] = {"identity": {...}, "id_token": "..."}``: the identity
claims (given_name, family_name, birthdate, gender, birthplace, email) to prefill the forms, and
the ID token for the provider's logout. Nothing else is stored, nothing is written to the
database: the citizen still reads, corrects and sends the form themself.
"""

from __future__ import annotations

import re

from territory import zones

SESSION_KEY = "franceconnect"
STATE_PREFIX = "_state_franceconnect_"
FIELDS = ("given_name", "family_name", "birthdate", "gender", "birthplace", "email")
MAX_LENGTH = 254
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SEX = {"female": "F", "male": "M"}


def store(request, *, claims: dict, id_token: str) -> None:
    identity = {
        field: claims[field].strip()[:MAX_LENGTH]
        for field in FIELDS
        if isinstance(claims.get(field), str) and claims[field].strip()
    }
    request.session.cycle_key()  # a new session id once the person is identified
    request.session[SESSION_KEY] = {"identity": identity, "id_token": id_token}


def identity(request) -> dict | None:
    """The identity FranceConnect gave in this session (the claims as named by OpenID Connect),
    or None when the person did not use FranceConnect."""
    kept = request.session.get(SESSION_KEY)
    return dict(kept["identity"]) if kept else None


def id_token(request) -> str | None:
    kept = request.session.get(SESSION_KEY)
    return kept["id_token"] if kept else None


def forget(request) -> None:
    """Local logout: the identity, the ID token and any unfinished flow leave the session."""
    request.session.pop(SESSION_KEY, None)
    # SessionBase is a mapping without __iter__: its keys() is the way to list them.
    for key in [key for key in tuple(request.session.keys()) if key.startswith(STATE_PREFIX)]:
        del request.session[key]
    request.session.cycle_key()


def _birth_date(value: str) -> str | None:
    """FranceConnect's ``birthdate`` (YYYY-MM-DD, with 00 for an unknown day or month) as the
    record body's partial date: YYYY-MM-DD, YYYY-MM or YYYY."""
    found = _DATE.match(value)
    if not found:
        return None
    year, month, day = found.groups()
    if month == "00":
        return year
    if day == "00":
        return f"{year}-{month}"
    return value


def _birth_place(code: str) -> str:
    """FranceConnect gives the INSEE code of the commune of birth: its name when the official
    list knows it (a Lyon arrondissement gives Lyon), else the code as given."""
    commune = zones.commune(zones.normalise_code(code))
    return commune.name if commune else code


def prefill(request) -> dict:
    """Initial values for the portal forms, in the record body's field names (first_names,
    birth_name, birth_date, sex, birth_place, email); empty without a FranceConnect login."""
    claims = identity(request) or {}
    values = {
        "first_names": claims.get("given_name"),
        "birth_name": claims.get("family_name"),
        "birth_date": _birth_date(claims.get("birthdate", "")),
        "sex": _SEX.get(claims.get("gender", "")),
        "birth_place": _birth_place(claims["birthplace"]) if claims.get("birthplace") else None,
        "email": claims.get("email"),
    }
    return {field: value for field, value in values.items() if value}
