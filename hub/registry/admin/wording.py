"""Page titles of the admin in correct French.

Django's French catalogue titles pages "Ajout de %s", "Modification de %s", "Affichage de %s"
whatever the noun ("Ajout de autorisation"); here the noun gets its article: "Ajout d'une
autorisation", "Affichage d'un accompagnement". The gender is that of the first word of the
model's verbose name; a noun not listed keeps a neutral form ("Ajout : ...")."""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext as _

FEMININE = {
    "alerte",
    "appartenance",
    "application",
    "autorisation",
    "demande",
    "exécution",
    "fiche",
    "fusion",
    "inscription",
    "livraison",
    "organisation",
    "orientation",
    "personne",
    "ressource",
    "tâche",
}
MASCULINE = {
    "accompagnement",
    "appel",
    "client",
    "déclenchement",
    "dédoublonnage",
    "doublon",
    "foyer",
    "gel",
    "groupe",
    "import",
    "journal",
    "observatoire",
    "point",
    "registre",
    "utilisateur",
    "événement",
}
VERBS = {"add": "Ajout", "change": "Modification", "view": "Affichage"}


def with_article(noun: str) -> str:
    first = noun.split(" ", 1)[0].lower()
    if first in FEMININE:
        return f"d'une {noun}"
    if first in MASCULINE:
        return f"d'un {noun}"
    return ""


def form_title(verb: str, opts) -> str:
    noun = str(opts.verbose_name)
    phrase = with_article(noun)
    return f"{VERBS[verb]} {phrase}" if phrase else f"{VERBS[verb]} : {noun}"


def django_form_titles(opts) -> dict:
    """Django's own titles of the change form (as this language writes them) → verb."""
    name = opts.verbose_name
    return {_("Add %s") % name: "add", _("Change %s") % name: "change", _("View %s") % name: "view"}


def list_title(opts) -> str:
    return capfirst(str(opts.verbose_name_plural))
