"""Plain French on the pages of the workplace: titles with their article, match weights in
words, codes through their labels, dates in Europe/Paris French format."""

import html

import pytest
from django.test import Client

from exchanges.models import Case, Referral
from hub.registry.admin import review_words, wording
from tests.admin import workplace_world as ww


def test_titles_take_their_article():
    assert wording.form_title("add", Referral._meta) == "Ajout d'une orientation"
    assert wording.form_title("view", Case._meta) == "Affichage d'un accompagnement"


def test_match_weights_in_words():
    assert review_words.explain("birth_date", "exact", 6.2) == (
        "Même date de naissance : rapproche fortement les deux fiches"
    )
    assert review_words.explain("first_names", "fuzzy", 1.0) == (
        "Prénom proche : rapproche un peu les deux fiches"
    )
    assert review_words.explain("surname", "different", -3.0) == (
        "Nom différent : éloigne les deux fiches"
    )
    assert review_words.explain("phone", "missing", 0.0) == (
        "Téléphone absent d'un côté : ne compte pas"
    )


def test_every_level_of_the_engine_has_its_words_and_label():
    from hub.matching.compare import COMPARISONS
    from hub.registry.admin.review_display import LEVEL_LABELS

    for field, levels in COMPARISONS:
        for level in levels:
            assert level in LEVEL_LABELS, (field, level)
            assert review_words.field_phrase(field, level) != review_words.NOUNS[field][0], (
                field,
                level,
            )


@pytest.mark.django_db
def test_pages_speak_plain_french():
    world = ww.build()
    client = Client()
    client.force_login(world.users["a"])
    add = html.unescape(client.get("/admin/exchanges/referral/add/").content.decode())
    assert "Ajout d'une orientation" in add
    assert "Ajout de orientation" not in add
    listing = html.unescape(client.get("/admin/consent/grant/").content.decode())
    assert "<h1>Autorisations" in listing
    assert "Sélectionnez l" not in listing
    assert ">own_record<" not in listing and '["coordination"' not in listing
