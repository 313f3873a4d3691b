"""The disclosure gate for the admin, per request (a helper on top of ``consent.gate``).

An admin page asks the gate several times for the same persons (list rows, then links,
inlines, titles); this module keeps, on the request, the ``PersonView`` of each person per
purpose and what was already logged, so that a page costs three queries for its persons and
writes exactly one access-log row per person displayed and resource.

Reusable by every admin face (the consent and exchanges admins included):

* ``page_views(request, ids, resource=...)``: the viewer's views of a page of persons, logged;
* ``disclose(request, pk, resource=...)``: one person for a detail page (allow or deny row);
* ``label(views, pk)``: the name the viewer may see, or the masked label;
* ``log_person_write`` / ``log_configuration``: the access-log rows of the admin's writes.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from consent import gate
from consent.audit import log_access
from consent.policy import as_uuid
from hub.registry.actors import Actor
from hub.registry.admin.formats import format_partial_date

# Purpose written in the access log for a consultation in the admin (an operational purpose:
# any active grant covers it).
ADMIN_PURPOSE = "consultation_admin"


def actor_of(request) -> Actor:
    return Actor.for_user(request.user)


def _request_id(request) -> str:
    return getattr(request, "request_id", "")


def _state(request) -> dict:
    return request.__dict__.setdefault(
        "_passerelle_gate", {"views": {}, "logged": set(), "disclosed": {}}
    )


def _ids(ids) -> list:
    return list(dict.fromkeys(filter(None, map(as_uuid, ids))))


def page_views(request, ids, *, resource: str, purpose: str = ADMIN_PURPOSE, log=True) -> dict:
    """``{id: PersonView}`` of the persons among ``ids`` the viewer may see (others absent);
    one access-log row per person and ``resource`` in this request when ``log``."""
    state = _state(request)
    cache = state["views"].setdefault(purpose, {})
    wanted = _ids(ids)
    missing = [pk for pk in wanted if pk not in cache]
    actor = actor_of(request)
    if missing:
        found = gate.views(actor, missing, purpose=purpose)
        for pk in missing:
            cache[pk] = found.get(pk)
    answer = {pk: cache[pk] for pk in wanted if cache[pk] is not None}
    if log:
        fresh = [view for view in answer.values() if (resource, view.id) not in state["logged"]]
        gate.log(actor, fresh, resource=resource, purpose=purpose, request_id=_request_id(request))
        state["logged"].update((resource, view.id) for view in fresh)
    return answer


def disclose(request, beneficiary_id, *, resource: str, purpose: str = ADMIN_PURPOSE):
    """One person for a detail page: its ``PersonView`` or ``None``, with its allow or deny
    row (once per request, however often the admin fetches the object)."""
    pk = as_uuid(beneficiary_id)
    state = _state(request)
    key = (resource, pk)
    if key in state["disclosed"]:
        return state["disclosed"][key]
    view = gate.disclose(
        actor=actor_of(request),
        beneficiary_id=pk,
        purpose=purpose,
        request_id=_request_id(request),
        resource=resource,
    )
    state["disclosed"][key] = view
    state["views"].setdefault(purpose, {})[pk] = view
    if view is not None:
        state["logged"].add(key)
    return view


def disclosed(request) -> dict:
    """``{id: PersonView}`` of the persons disclosed on a detail page in this request."""
    return {pk: view for (_res, pk), view in _state(request)["disclosed"].items() if view}


def label(views: dict, beneficiary_id) -> str:
    view = views.get(as_uuid(beneficiary_id))
    return view.label if view is not None else gate.masked_label(beneficiary_id)


def birth_label(views: dict, beneficiary_id) -> str:
    """The label followed by the birth date, when the viewer sees both."""
    view = views.get(as_uuid(beneficiary_id))
    if view is None or not view.knows_identity:
        return gate.masked_label(beneficiary_id)
    born = view.value("birth_date")
    return f"{view.label} ({format_partial_date(born)})" if born else view.label


def person_link(views: dict, beneficiary_id, *, text: str | None = None):
    """A link to the person's page labelled through the gate; no link for a person the viewer
    may not see."""
    if as_uuid(beneficiary_id) not in views:
        return _("fiche non accessible")
    text = text if text is not None else label(views, beneficiary_id)
    try:
        url = reverse("admin:registry_beneficiary_change", args=[beneficiary_id])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def log_person_write(
    request, beneficiary_ids, *, action: str, resource: str, purpose=ADMIN_PURPOSE
):
    """One access-log row per person an admin write touched."""
    actor = actor_of(request)
    views = page_views(request, beneficiary_ids, resource=resource, purpose=purpose, log=False)
    for pk in _ids(beneficiary_ids):
        view = views.get(pk)
        log_access(
            actor=actor,
            action=action,
            resource=resource,
            decision="allow",
            beneficiary_id=pk,
            categories=sorted(view.categories) if view else [],
            purpose=purpose,
            basis=view.decision.basis if view else "",
            grant_id=view.decision.grant_id if view else None,
            request_id=_request_id(request),
        )


def log_configuration(request, *, action: str) -> None:
    """The access-log row of a configuration write (no person)."""
    log_access(
        actor=actor_of(request),
        action=action,
        resource="configuration",
        decision="allow",
        purpose="configuration",
        request_id=_request_id(request),
    )
