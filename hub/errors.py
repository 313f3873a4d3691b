"""Error pages: problem details (RFC 9457) for machines under ``/api/``, ``/o/`` and
``/schemas/``; a plain French page for people everywhere else (the admin, the portal)."""

from __future__ import annotations

from django.shortcuts import render

from hub.api import problems

MACHINE_PREFIXES = ("/api/", "/o/", "/schemas/", "/healthz")

PAGES = {
    400: (
        "Requête incorrecte",
        "La demande n'a pas pu être comprise. Vérifiez l'adresse ou le formulaire.",
    ),
    403: (
        "Accès refusé",
        "Vous n'avez pas le droit d'effectuer cette action ou de voir cette page.",
    ),
    404: ("Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès."),
    500: (
        "Erreur du service",
        "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard.",
    ),
}


def for_machines(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _page(request, status: int):
    title, message = PAGES[status]
    return render(
        request,
        "errors/page.html",
        {"title": title, "message": message, "status": status},
        status=status,
    )


def handler400(request, exception=None):
    return problems.handler400(request, exception) if for_machines(request) else _page(request, 400)


def handler403(request, exception=None):
    return problems.handler403(request, exception) if for_machines(request) else _page(request, 403)


def handler404(request, exception=None):
    return problems.handler404(request, exception) if for_machines(request) else _page(request, 404)


def handler500(request):
    return problems.handler500(request) if for_machines(request) else _page(request, 500)
