"""French error pages of the portal (403 form refused, 404, 413 too large, 429 too many), and
the project's CSRF failure view: the portal's page under /citoyen/, the hub's page elsewhere."""

from __future__ import annotations

from django.shortcuts import render

from hub import errors as hub_errors

PREFIX = "/citoyen/"

PAGES = {
    400: (
        "Demande incorrecte",
        "Le formulaire envoyé n'a pas pu être lu. Revenez à la page précédente et réessayez.",
    ),
    403: (
        "Formulaire expiré",
        "Pour votre sécurité, ce formulaire n'est plus valable (il a été ouvert il y a trop "
        "longtemps, ou les cookies sont bloqués). Revenez à la page du formulaire, "
        "rechargez-la, puis envoyez-le de nouveau. Rien n'a été enregistré.",
    ),
    404: (
        "Page introuvable",
        "Cette page n'existe pas. Vérifiez l'adresse, ou revenez à l'accueil.",
    ),
    405: (
        "Action impossible",
        "Cette page ne permet pas cette action. Revenez à l'accueil et suivez les liens.",
    ),
    413: (
        "Formulaire trop long",
        "Le formulaire envoyé est trop long. Raccourcissez votre texte et réessayez. "
        "Rien n'a été enregistré.",
    ),
    429: (
        "Trop de demandes",
        "Vous avez envoyé beaucoup de demandes en peu de temps. Pour protéger ce service, "
        "attendez {wait} avant de réessayer, ou appelez la mairie ou le CCAS. "
        "Rien n'a été enregistré.",
    ),
}


def page(request, status: int, *, retry_after: int | None = None):
    title, message = PAGES[status]
    wait = "un moment"
    if retry_after:
        minutes = max(1, round(retry_after / 60))
        wait = "une heure" if minutes == 60 else f"{minutes} minute{'s' if minutes > 1 else ''}"
    message = message.replace("{wait}", wait)
    response = render(
        request, "portal/erreur.html", {"title": title, "message": message}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return mark(response)


def mark(response):
    """A page drawn by the portal itself (the middleware replaces the others' error pages)."""
    response.portal_page = True
    return response


def csrf_failure(request, reason=""):
    """A POST without a valid CSRF token: a French 403 page, nothing done."""
    if request.path.startswith(PREFIX):
        return page(request, 403)
    return hub_errors.handler403(request)


def not_found(request, rest=""):
    return page(request, 404)
