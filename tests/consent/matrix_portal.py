"""The disclosure matrix's rows for the citizen portal (/citoyen/): public pages, no login.

A citizen is a stranger to the hub: no portal page may show what the stranger may not see
(``matrix_world.forbidden("stranger", state)``), and every page must answer alike whatever the
hub holds. For each row, the answers are taken twice around a change of what the hub knows (a
new person in a partner's files and in the register), and a POST is sent for the matrix's
person (known to the hub) and for a person the hub does not know: the pages must be equal once
the reference, the withdrawal tokens and the CSRF token are masked, and the status the same.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.test import Client
from django.urls import URLPattern

from crisis.register import register_person
from exchanges.records import submit_record
from hub.registry.actors import Actor
from hub.registry.models import Organization
from portal import urls as portal_urls
from tests.consent import matrix_world as mw

COMMUNE = "59512"
UNKNOWN_TOKEN = "Z" * 43
STRANGER = {"first_names": "Ginette", "birth_name": "Zyxwvut", "birth_date": "14/11/1941"}
MASKS = (
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(rb'id="reference">[^<]+<'),
    re.compile(rb"/citoyen/retrait/[A-Za-z0-9_\-]+/"),
)


def person_fields(person: dict) -> dict:
    return {
        "first_names": person["first_names"],
        "birth_name": person["birth_name"],
        "birth_date": person["birth_date"],
        "address_line": "17 rue des Glycines",
        "postcode": "59100",
        "city": "Roubaix",
        "phone": "0611223344",
    }


def known() -> dict:
    day = "/".join(reversed(mw.PERSON["birth_date"].split("-")))
    return {**mw.PERSON, "birth_date": day}


def registration(person: dict) -> dict:
    return {
        "requested_by": "self",
        "commune": COMMUNE,
        "category": "age_65",
        **person_fields(person),
        "lives_alone": "yes",
        "purposes": ["crisis_plan"],
    }


def help_request(person: dict) -> dict:
    owner = Organization.objects.get(name=mw.OWNER_NAME)
    return {
        "organization": str(owner.pk),
        "need": "emergency_shelter",
        "situation": "Je dors dans ma voiture depuis une semaine.",
        **person_fields(person),
        "preferred_contact": "phone",
        "availability": "Le matin",
        "purposes": ["coordination"],
    }


# One row per named portal URL: its requests (group, method, URL, body or None). The requests
# of one group must answer alike (a known and an unknown person).
ROWS = {
    "home": lambda: [("home", "GET", "/citoyen/", None)],
    "registration": lambda: [
        ("form", "GET", "/citoyen/registre/", None),
        ("sent", "POST", "/citoyen/registre/", registration(known())),
        ("sent", "POST", "/citoyen/registre/", registration(STRANGER)),
        ("invalid", "POST", "/citoyen/registre/", {**registration(known()), "postcode": "1"}),
        ("invalid", "POST", "/citoyen/registre/", {**registration(STRANGER), "postcode": "1"}),
    ],
    "help-request": lambda: [
        ("form", "GET", "/citoyen/demande/", None),
        ("sent", "POST", "/citoyen/demande/", help_request(known())),
        ("sent", "POST", "/citoyen/demande/", help_request(STRANGER)),
        ("invalid", "POST", "/citoyen/demande/", {**help_request(known()), "postcode": "1"}),
        ("invalid", "POST", "/citoyen/demande/", {**help_request(STRANGER), "postcode": "1"}),
    ],
    "receipt": lambda: [("page", "GET", "/citoyen/recu/", None)],
    "withdraw": lambda: [
        ("confirm", "GET", f"/citoyen/retrait/{UNKNOWN_TOKEN}/", None),
        ("done", "POST", f"/citoyen/retrait/{UNKNOWN_TOKEN}/", {}),
    ],
    "privacy": lambda: [("page", "GET", "/citoyen/confidentialite/", None)],
    "not-found": lambda: [("page", "GET", "/citoyen/nulle-part/", None)],
}


def portal_patterns() -> list[str]:
    return sorted(entry.name for entry in portal_urls.urlpatterns if isinstance(entry, URLPattern))


def missing_rows() -> list[str]:
    return [f"portal URL {name}" for name in portal_patterns() if name not in ROWS]


def _mask(body: bytes, sent: dict | None) -> bytes:
    for pattern in MASKS:
        body = pattern.sub(b"MASKED", body)
    for value in (sent or {}).values():  # what the citizen typed, echoed in an error page
        if isinstance(value, str) and len(value) > 2:
            body = body.replace(value.encode(), b"SENT")
    return body


def answer(method: str, url: str, body: dict | None) -> tuple[int, bytes]:
    """One anonymous request in a savepoint rolled back afterwards; a POST answered with a
    redirect is followed by the acknowledgment page it leads to."""
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, body)
        if response.status_code == 302:
            response = client.get(response["Location"])
        transaction.set_rollback(True)
    return response.status_code, response.content


def _hub_learns_more() -> None:
    """Another person arrives in the owner's files and in the commune's register."""
    owner = Organization.objects.get(name=mw.OWNER_NAME)
    actor = Actor(organization_id=owner.pk, organization_ids=(owner.pk,))
    body = {"first_names": "Ginette", "birth_name": "Zyxwvut", "birth_date": "1941-11-14"}
    submit_record(actor=actor, external_id="EXT-PORTAL-2", payload=body)
    register_person(actor=actor, person=body, category="age_65", requested_by="self")


def check(state: str, leaks_in) -> list[str]:
    """Build the world, visit every row twice around ``_hub_learns_more``: the problems found."""
    world = mw.build(state)
    Organization.objects.filter(name="Ville-Matrice").update(insee_codes=[COMMUNE])
    forbidden = mw.forbidden("stranger", state)
    problems, rounds = [], []
    for _ in range(2):
        seen = {}
        for name in portal_patterns():
            for group, method, url, body in ROWS[name]():
                status, content = answer(method, url, body)
                if status >= 500:
                    problems.append(f"portal {method} {url}: {status}")
                sent = " ".join(str(v) for v in (body or {}).values())
                text = content.decode(errors="replace")
                for label in leaks_in(text, forbidden, sent=sent, url=url):
                    problems.append(f"portal {method} {url} shows {label}")
                seen.setdefault((name, group), []).append((status, _mask(content, body)))
        rounds.append(seen)
        if not world.ids.get("portal_more"):
            _hub_learns_more()
            world.ids["portal_more"] = True
    for key, answers in rounds[0].items():
        if answers != rounds[1][key]:
            problems.append(f"portal {key[0]} ({key[1]}) changes when the hub learns more")
        if len(set(answers)) > 1:
            problems.append(f"portal {key[0]} ({key[1]}): a known and an unknown person differ")
    return problems
