"""FranceConnect pages: start the login, the callback, the logout. All answer 404 when
FRANCECONNECT_ENABLED is off, so that nothing calls out; every failure is a French page."""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.franceconnect import client, session
from portal.franceconnect.client import FranceConnectError

logger = logging.getLogger("portal.franceconnect")

PORTAL_PREFIX = "/citoyen/"
UNAVAILABLE = {"provider_unreachable", "discovery_unavailable", "discovery_incomplete"}
MESSAGES = {
    "cancelled": (
        "Connexion avec FranceConnect annulée",
        "Vous avez annulé la connexion avec FranceConnect. Vous pouvez remplir le formulaire "
        "vous-même.",
    ),
    "unavailable": (
        "FranceConnect est indisponible",
        "FranceConnect ne répond pas pour le moment. Réessayez plus tard, ou remplissez le "
        "formulaire vous-même.",
    ),
    "refused": (
        "La connexion avec FranceConnect a échoué",
        "La réponse de FranceConnect n'a pas pu être vérifiée ; aucune information n'a été "
        "reprise. Recommencez depuis le formulaire, ou remplissez-le vous-même.",
    ),
}


def enabled_only(view):
    """404 when FranceConnect is off. The views write nothing to the database (the session is
    saved by its middleware), so no transaction is held open while the provider answers."""

    @transaction.non_atomic_requests
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.FRANCECONNECT_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, candidate: str | None) -> str:
    """Back to a portal page only: never to another site or outside /citoyen/."""
    if (
        candidate
        and candidate.startswith(PORTAL_PREFIX)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse("portal:home")


def _failure(request, error: FranceConnectError, *, back_url: str):
    if error.reason == "cancelled":
        kind, status = "cancelled", 200
    elif error.reason in UNAVAILABLE:
        kind, status = "unavailable", 503
    elif error.reason == "unexpected":
        kind, status = "refused", 502
    else:
        kind, status = "refused", 400
    logger.warning("FranceConnect login not completed: %s", error.reason)
    title, message = MESSAGES[kind]
    context = {
        "title": title,
        "message": message,
        "back_url": back_url,
        "back_label": "Revenir au formulaire",
    }
    response = render(request, "portal/franceconnect/page.html", context, status=status)
    response.portal_page = True  # drawn here: the portal's middleware keeps it (portal.errors)
    return response


def _unexpected(request, error: Exception, *, back_url: str):
    """A person never gets a 500 from a provider's odd answer; the log names only its type
    (an exception's text could carry what the provider sent)."""
    logger.error("FranceConnect login failed on an unexpected %s", type(error).__name__)
    return _failure(request, FranceConnectError("unexpected"), back_url=back_url)


@never_cache
@enabled_only
@require_GET
def login(request):
    next_url = _safe_next(request, request.GET.get("next"))
    redirect_uri = request.build_absolute_uri(reverse("portal:franceconnect:callback"))
    try:
        url = client.authorization_url(request, redirect_uri=redirect_uri, next_url=next_url)
    except FranceConnectError as error:
        return _failure(request, error, back_url=next_url)
    except Exception as error:  # an answer of the provider that nothing above foresaw
        return _unexpected(request, error, back_url=next_url)
    return redirect(url)


@never_cache
@enabled_only
@require_GET
def callback(request):
    next_url = _safe_next(request, client.pending_next(request))
    try:
        claims, id_token = client.complete(request)
    except FranceConnectError as error:
        return _failure(request, error, back_url=next_url)
    except Exception as error:  # an answer of the provider that nothing above foresaw
        return _unexpected(request, error, back_url=next_url)
    session.store(request, claims=claims, id_token=id_token)
    logger.info("FranceConnect login completed")
    return redirect(next_url)


@never_cache
@enabled_only
@require_POST
def logout(request):
    """Local logout first (the identity leaves the session whatever happens), then on to the
    provider's end-session endpoint when it has one.

    That last step is a page that moves on by itself (meta refresh, and a link for whoever
    has it turned off) rather than a redirect: the portal's Content-Security-Policy
    (``form-action 'self'``) rightly stops a form's redirect to another site."""
    id_token = session.id_token(request)
    session.forget(request)
    done = request.build_absolute_uri(reverse("portal:franceconnect:logged-out"))
    url = None
    if id_token:
        try:
            url = client.logout_url(id_token=id_token, post_logout_redirect_uri=done)
        except FranceConnectError as error:
            logger.warning("FranceConnect logout not sent: %s", error.reason)
    if not url:
        return redirect(done)
    context = {
        "title": "Déconnexion de FranceConnect",
        "message": "Vos informations ont été effacées de ce service. FranceConnect termine "
        "maintenant votre session.",
        "back_url": url,
        "back_label": "Continuer vers FranceConnect",
        "refresh_url": url,
    }
    return render(request, "portal/franceconnect/page.html", context)


@never_cache
@enabled_only
@require_GET
def logged_out(request):
    context = {
        "title": "Vous êtes déconnecté de FranceConnect",
        "message": "Les informations transmises par FranceConnect ont été effacées de cette "
        "session.",
        "back_url": reverse("portal:home"),
        "back_label": "Revenir à l'accueil du portail",
    }
    return render(request, "portal/franceconnect/page.html", context)
