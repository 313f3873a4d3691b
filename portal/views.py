"""The portal's public pages: home, crisis register, request for help, acknowledgment,
withdrawal of a consent, privacy notice. No login; every POST carries a CSRF token.

What a person submits goes to the services (``portal.services``), which answer a receipt of
the same shape whatever the hub already holds about that person: the pages never say whether
someone is known. The acknowledgment is shown after a redirect (the reference kept one time in
the session, never in the URL).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from hub.registry.models import OrganizationKind
from portal import errors, franceconnect, protections, services
from portal.forms import HelpRequestForm, RegistrationForm

RECEIPT_KEY = "portal_receipt"
TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,200}$")
KIND_LABELS = dict(OrganizationKind.choices)


def _context(**extra) -> dict:
    return {
        "controller": settings.PORTAL_CONTROLLER,
        "controller_contact": settings.PORTAL_CONTROLLER_CONTACT,
        **extra,
    }


@require_http_methods(["GET", "HEAD"])
def home(request):
    """The territory's services and the organizations behind them (no person data)."""
    groups: dict[str, list[str]] = {}
    for org in services.active_organizations():
        groups.setdefault(str(KIND_LABELS.get(org.kind, org.kind)), []).append(org.name)
    return render(
        request, "portal/home.html", _context(groups=sorted(groups.items()), title="Accueil")
    )


@require_http_methods(["GET", "HEAD"])
def privacy(request):
    return render(
        request,
        "portal/confidentialite.html",
        _context(title="Vos données personnelles"),
    )


def _acknowledge(request, receipt, what: str):
    request.session[RECEIPT_KEY] = {
        "what": what,
        "reference": receipt.reference,
        "links": [[str(label), str(path)] for label, path in receipt.withdrawal_links],
        "notified": receipt.notified_by or "none",
    }
    return redirect("portal:receipt")


def _robot_receipt(request, what: str):
    """The honeypot was filled: the same acknowledgment as a real one, nothing sent."""
    request.session[RECEIPT_KEY] = {"what": what, "reference": "", "links": []}
    return redirect("portal:receipt")


def _initial(request, form_class) -> dict:
    """What a FranceConnect login of this session fills in (names, a full birth date as
    JJ/MM/AAAA, e-mail): the person checks it before sending."""
    values = franceconnect.prefill(request)
    born = values.pop("birth_date", "")
    if len(born) == 10:
        year, month, day = born.split("-")
        values["birth_date"] = f"{day}/{month}/{year}"
    return {name: value for name, value in values.items() if name in form_class.base_fields}


def _form_page(request, form_class, *, template: str, form_name: str, what: str, submit):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        form = form_class(initial=_initial(request, form_class))
        form.describe()
        return render(request, template, _context(form=form, title=form_class.title))
    if protections.ip_exceeded(request, form_name):
        return errors.page(request, 429, retry_after=settings.PORTAL_RATE_WINDOW_MINUTES * 60)
    form = form_class(request.POST)
    if form.is_robot():
        return _robot_receipt(request, what)
    if form.is_valid():
        if protections.addresses_exceeded(form.address_keys()):
            return errors.page(request, 429, retry_after=settings.PORTAL_RATE_WINDOW_MINUTES * 60)
        try:
            receipt = submit(form, protections.client_ip(request))
        except services.SubmissionError as exc:
            form.add_service_errors(exc.errors, form.mapping)
        else:
            return _acknowledge(request, receipt, what)
    form.describe()
    title = f"Erreur — {form_class.title}"
    return errors.mark(render(request, template, _context(form=form, title=title), status=400))


def _submit_registration(form: RegistrationForm, ip: str):
    data = form.cleaned_data
    return services.submit_registration(
        commune_insee=data["commune"],
        person=form.person(),
        category=data["category"],
        requested_by=data["requested_by"],
        requester=form.requester(),
        lives_alone=data["lives_alone"] == "yes",
        emergency_contact=form.emergency_contact(),
        purposes=data["purposes"],
        client_ip=ip,
    )


def _submit_help_request(form: HelpRequestForm, ip: str):
    data = form.cleaned_data
    return services.submit_help_request(
        organization_id=data["organization"],
        person=form.person(),
        need=data["need"],
        situation=data["situation"],
        contact=form.contact(),
        availability=data["availability"],
        purposes=data["purposes"],
        client_ip=ip,
    )


def registration(request):
    return _form_page(
        request,
        RegistrationForm,
        template="portal/registre.html",
        form_name="registration",
        what="registration",
        submit=_submit_registration,
    )


def help_request(request):
    return _form_page(
        request,
        HelpRequestForm,
        template="portal/demande.html",
        form_name="help_request",
        what="help_request",
        submit=_submit_help_request,
    )


@require_http_methods(["GET", "HEAD"])
def receipt(request):
    """The acknowledgment, shown once: a reload or a later visit finds the plain home link."""
    shown = request.session.pop(RECEIPT_KEY, None)
    return render(request, "portal/recu.html", _context(receipt=shown, title="Demande envoyée"))


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token: str):
    """GET shows what the link does and a button; only the POST withdraws."""
    if not TOKEN.match(token):
        return errors.page(request, 404)
    if request.method != "POST":
        return render(request, "portal/retrait.html", _context(title="Retirer votre accord"))
    if protections.ip_exceeded(request, "withdrawal"):
        return errors.page(request, 429, retry_after=settings.PORTAL_RATE_WINDOW_MINUTES * 60)
    outcome = services.withdraw(token)
    return render(
        request,
        "portal/retrait_fait.html",
        _context(outcome=outcome, title="Retrait de votre accord"),
    )
