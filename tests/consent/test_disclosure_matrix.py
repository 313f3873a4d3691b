"""The disclosure matrix: every face × four actors × three grant states, 0 leaks.

Faces are generated from the OpenAPI document (every operation) and from the admin's URL
patterns (every named URL); a new operation without a row here, or a URL without one in
``matrix_admin.py`` (the portal's in ``matrix_portal.py``), fails ``test_every_face_has_a_row``. For each actor and state, the response body of every face must
not contain a value the actor may not see (``matrix_world.forbidden``): a name, a birth date,
a phone, an e-mail, a birth place, another partner's external id or name. Searches and probes
must answer alike for the true and a wrong value of something the actor may not see.

Writes run in a savepoint rolled back after the request, so every face sees the same world.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.consent import matrix_portal
from tests.consent import matrix_world as mw
from tests.consent.matrix_admin import INDICATOR, admin_patterns, admin_urls

pytestmark = pytest.mark.django_db(transaction=False)

UNKNOWN = "00000000-0000-4000-8000-000000000000"


# --- API faces ------------------------------------------------------------------------------


def api_operations() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        op["operationId"]: (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def probe_person(**extra) -> dict:
    person = {k: v for k, v in mw.PERSON.items() if k in ("birth_name", "first_names", "sex")}
    return {**person, "birth_date": mw.PERSON["birth_date"], **extra}


def _none(world):
    return None


# One row per OpenAPI operation: operationId -> the body sent (None: no body).
ROWS = {
    "beneficiaries_retrieve": _none,
    "beneficiary_grants_list": _none,
    "beneficiary_grants_create": lambda w: {
        "basis": "consent",
        "grantee": {"type": "organization", "organization": UNKNOWN},
        "purposes": ["coordination"],
        "categories": ["identity"],
        "evidence": {"method": "written", "collected_by": "Agent"},
    },
    "cases_list": _none,
    "cases_create": lambda w: {"beneficiary": w.person, "type": "food_aid"},
    "cases_retrieve": _none,
    "cases_partial_update": lambda w: {"status": "closed"},
    "events_list": _none,
    "grants_receipt": _none,
    "grants_withdraw": lambda w: {"reason": "La personne retire son accord"},
    "imports_create": _none,
    "imports_retrieve": _none,
    "imports_rows_list": _none,
    "match": lambda w: {"person": probe_person()},
    "records_list": _none,
    "records_retrieve": _none,
    "records_put": lambda w: probe_person(),
    "referrals_list": _none,
    "referrals_create": lambda w: {
        "beneficiary": w.person,
        "receiver": str(w.parties["stranger"].partner.organization.pk),
        "case_type": "food_aid",
    },
    "referrals_retrieve": _none,
    "referrals_transition": lambda w: {"comment": "vu"},
    "webhooks_list": _none,
    "webhooks_create": lambda w: {"url": "https://hooks.example.org/passerelle"},
    "webhooks_retrieve": _none,
    "webhooks_destroy": _none,
    "webhooks_rotate": _none,
    "crisis_activations_list": _none,
    "crisis_activations_create": lambda w: {
        "plan": "cold",
        "level": "alerte",
        "reason": "Grand froid",
    },
    "crisis_activation_calls_list": _none,
    "crisis_activations_close": lambda w: {"reason": "Fin de l'épisode"},
    "crisis_prefect_export": _none,
    "crisis_calls_outcome": lambda w: {"outcome": "reached"},
    "crisis_registrations_list": _none,
    "crisis_registrations_create": lambda w: {
        "person": probe_person(),
        "category": "age_65",
        "requested_by": "self",
    },
    "crisis_registrations_destroy": _none,
    "indicators_list": _none,
    "indicators_retrieve": _none,
}


def api_url(world, path: str) -> str:
    ids = {
        "beneficiary_id": world.person,
        "grant_id": world.ids["grant"],
        "case_id": world.ids["case"],
        "referral_id": world.ids.get("referral", UNKNOWN),
        "action": "accept",
        "endpoint_id": UNKNOWN,
        "job_id": UNKNOWN,
        "external_id": mw.EXTERNAL_ID,
        "registration_id": world.ids["registration"],
        "activation_id": world.ids["activation"],
        "call_id": world.ids["call"] or UNKNOWN,
        "code": INDICATOR,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def call_api(client, method: str, url: str, body):
    """One request in a savepoint rolled back afterwards."""
    with transaction.atomic():
        if body is None:
            response = client.generic(method, url)
        else:
            response = client.generic(
                method, url, json.dumps(body), content_type="application/json"
            )
        transaction.set_rollback(True)
    return response


# --- Admin faces ----------------------------------------------------------------------------
# --- The matrix -----------------------------------------------------------------------------


def leaks_in(body: str, forbidden: dict, *, sent: str = "", url: str = "") -> list[str]:
    """Forbidden values found in ``body``. What the caller sent itself (its request body and
    URL, echoed back) is not a disclosure; the owner's name counts only on faces about the
    person (an organization picker lists every partner of the territory)."""
    text = body.lower()
    sent = (sent + " " + url).lower()
    about_person = "/add/" not in url and any(part in url for part in PERSON_FACES)
    return [
        label
        for label, value in forbidden.items()
        if value.lower() in text
        and value.lower() not in sent
        and (label != "owner's name" or about_person)
    ]


# URL parts of the faces that are about a person (lists and pages of persons, their records,
# grants, cases, referrals, alerts, events, access rows, reviews and merges).
PERSON_FACES = (
    "/api/v1/",
    "/admin/registry/beneficiary/",
    "/admin/registry/partnerrecord/",
    "/admin/registry/household/",
    "/admin/registry/reviewitem/",
    "/admin/registry/merge/",
    "/admin/consent/grant/",
    "/admin/consent/grantevent/",
    "/admin/consent/accesslog/",
    "/admin/consent/rightsrequest/",
    "/admin/consent/rightstask/",
    "/admin/exchanges/",
    "/admin/outbox/",
    "/admin/autocomplete/",
    "/admin/crisis/",
)


@pytest.fixture(autouse=True)
def _admin_registry_by_label():
    admin.site._registry_by_label = {
        model._meta.label_lower: model for model in admin.site._registry
    }
    yield
    del admin.site._registry_by_label


def test_every_face_has_a_row(db):
    missing = [f"API operation {op}" for op in api_operations() if op not in ROWS]
    missing += matrix_portal.missing_rows()
    world = mw.build("active")
    for name in admin_patterns():
        try:
            admin_urls(world, name)
        except LookupError as exc:
            missing.append(f"admin URL {name} ({exc})")
    assert not missing, "faces without a row in the disclosure matrix:\n" + "\n".join(missing)


@pytest.mark.parametrize("state", mw.STATES)
def test_no_face_shows_what_the_actor_may_not_see(state, settings):
    settings.SECURE_SSL_REDIRECT = False
    world = mw.build(state)
    leaks, errors = [], []
    faces = 0
    operations = api_operations()
    for actor in mw.ACTORS:
        party = world.parties[actor]
        forbidden = mw.forbidden(actor, state)
        api = party.partner.api()
        api.raise_request_exception = False
        for operation, (method, path) in sorted(operations.items()):
            body = ROWS[operation](world)
            response = call_api(api, method, api_url(world, path), body)
            faces += 1
            if response.status_code >= 500:
                errors.append(f"API {method} {path} as {actor}: {response.status_code}")
            content = response.content.decode(errors="replace")
            url = api_url(world, path)
            for label in leaks_in(content, forbidden, sent=json.dumps(body or {}), url=url):
                leaks.append(f"API {method} {path} as {actor}: {label}")
        for role, user in party.users.items():
            browser = Client(raise_request_exception=False)
            browser.force_login(user)
            for name in admin_patterns():
                for url in admin_urls(world, name):
                    with transaction.atomic():
                        response = browser.get(url)
                        transaction.set_rollback(True)
                    faces += 1
                    if response.status_code >= 500:
                        errors.append(f"admin {url} as {actor} ({role}): {response.status_code}")
                    try:
                        content = b"".join(response) if response.streaming else response.content
                    except Exception as exc:  # a streamed body failing half-way is a 500
                        errors.append(f"admin {url} as {actor} ({role}): streamed {exc!r}")
                        continue
                    text = content.decode(errors="replace")
                    for label in leaks_in(text, forbidden, url=url):
                        leaks.append(f"admin {url} as {actor} ({role}): {label}")
    print(f"disclosure matrix, state {state}: {faces} requests, {len(leaks)} leaks")
    assert not leaks + errors, "\n".join(sorted(set(leaks)) + sorted(set(errors)))


@pytest.mark.parametrize("state", mw.STATES)
def test_portal_pages_show_nothing_and_answer_alike_whatever_the_hub_holds(state, settings):
    """The citizen portal (rows in matrix_portal.py): a stranger's view, the same answers for a
    known and an unknown person, before and after the hub learns more."""
    settings.PORTAL_RATE_PER_ADDRESS = 1000
    settings.PORTAL_RATE_PER_IP = 1000
    problems = matrix_portal.check(state, leaks_in)
    assert not problems, "\n".join(problems)


ORACLES = {
    "person search by name": ("/admin/registry/beneficiary/?q={}", "Quenehen", "Zyxwvutsr"),
    "person search by birth date": (
        "/admin/registry/beneficiary/?q={}",
        "23/07/1951",
        "11/02/1937",
    ),
    "record search by name": ("/admin/registry/partnerrecord/?q={}", "Quenehen", "Zyxwvutsr"),
    "grant search by name": ("/admin/consent/grant/?q={}", "Quenehen", "Zyxwvutsr"),
}
_NOISE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|\d+(\.\d+)? ?(ms|s)\b')


@pytest.mark.parametrize("state", mw.STATES)
def test_searches_and_probes_answer_alike_for_true_and_wrong_values(state):
    world = mw.build(state)
    differences = []
    for actor in ("identity", "support", "stranger"):
        forbidden = mw.forbidden(actor, state)
        party = world.parties[actor]
        user = party.users["admin"]
        browser = Client()
        browser.force_login(user)
        for label, (template, true, wrong) in ORACLES.items():
            if true not in forbidden.values():
                continue
            answers = []
            for term in (true, wrong):
                response = browser.get(template.format(term))
                # The term is echoed in the search box and, URL-encoded, in the filter links.
                body = response.content.replace(term.encode(), b"TERM")
                body = body.replace(quote(term, safe="").encode(), b"TERM")
                answers.append(_NOISE.sub(b"", body))
            if answers[0] != answers[1]:
                differences.append(f"{label} as {actor}")
        api = party.partner.api()
        right = call_api(
            api, "POST", "/api/v1/match", {"person": probe_person(phone=mw.PERSON["phone"])}
        )
        wrong = call_api(api, "POST", "/api/v1/match", {"person": probe_person(phone="0699999999")})
        if right.content != wrong.content:
            differences.append(f"match with the true and a wrong phone as {actor}")
    assert not differences, "\n".join(differences)


def test_unknown_organization_and_unknown_person_answer_alike(db):
    world = mw.build("active")
    api = world.parties["stranger"].partner.api()
    known_org = str(world.parties["identity"].partner.organization.pk)
    answers = []
    for receiver in (known_org, str(uuid.uuid4())):
        response = call_api(
            api,
            "POST",
            "/api/v1/referrals",
            {"beneficiary": world.person, "receiver": receiver, "case_type": "food_aid"},
        )
        answers.append((response.status_code, response.json().get("errors")))
    assert answers[0] == answers[1]
