"""The forms: every field labelled and explained, every error in French next to its field and
summarised at the top, consents never ticked in advance, nothing written on any error."""

from __future__ import annotations

import html.parser

import pytest

from tests.portal.conftest import help_data, registration_data, written

pytestmark = pytest.mark.django_db

PAGES = ("/citoyen/registre/", "/citoyen/demande/")


class Inputs(html.parser.HTMLParser):
    """The form controls of a page, the labels' targets and the ids present."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.ids = [], set(), set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append(attrs)


def parse(response) -> Inputs:
    parser = Inputs()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize("url", PAGES)
def test_every_field_has_a_label_a_reason_and_no_consent_is_ticked(client, ccas, url):
    response = client.get(url)
    assert response.status_code == 200
    page = parse(response)
    assert page.controls
    for control in page.controls:
        assert control["id"] in page.label_for, control
        for described in (control.get("aria-describedby") or "").split():
            assert described in page.ids, (control["id"], described)
    assert "checked" not in {key for control in page.controls for key in control}
    boxes = [c for c in page.controls if c.get("name") == "purposes"]
    assert boxes, "one checkbox per purpose"
    body = response.content.decode()
    assert body.count("Pourquoi nous le demandons") >= 10
    assert "Qui reçoit quoi" in body  # the notice next to each checkbox


def test_an_empty_registration_names_every_missing_field_in_french(client, ccas):
    response = client.post("/citoyen/registre/", {})
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "Dites-nous pour qui vous faites cette inscription.",
        "Choisissez la commune où vit la personne.",
        "Choisissez la situation de la personne.",
        "Indiquez le prénom.",
        "Indiquez le nom de famille.",
        "Indiquez la date de naissance, par exemple 31/12/1950.",
        "Indiquez le code postal, par exemple 69100.",
        "Indiquez la commune.",
        "Indiquez le téléphone de la personne : la mairie l&#x27;appelle pendant l&#x27;alerte.",
        "Dites-nous si la personne vit seule.",
    ):
        assert message in body, message
    assert "informations sont à corriger" in body
    assert 'href="#id_first_names"' in body and 'href="#id_requested_by_0"' in body
    assert 'aria-describedby="id_first_names-hint id_first_names-error"' in body
    assert 'aria-invalid="true"' in body
    assert "<title>Erreur" in body
    assert written() == (0, 0)


def test_an_empty_help_request_names_every_missing_field_in_french(client, ccas):
    response = client.post("/citoyen/demande/", {})
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "Choisissez le service à qui envoyer votre demande.",
        "Choisissez ce dont vous avez besoin.",
        "Décrivez votre situation en quelques mots.",
        "Indiquez le prénom.",
        "Choisissez comment vous préférez être contacté.",
        "Dites-nous quand vous êtes disponible",
        "Indiquez au moins un téléphone ou une adresse e-mail.",
    ):
        assert message in body, message
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "1938-03-02", "sous la forme jour/mois/année"),
        ("birth_date", "31/02/1938", "Cette date n&#x27;existe pas"),
        ("birth_date", "02/03/2999", "ne peut pas être dans le futur"),
        ("phone", "appelez-moi", "Indiquez un numéro de téléphone en chiffres"),
        ("postcode", "691", "Le code postal a 5 chiffres"),
        ("first_names", "1234", "Le prénom doit contenir des lettres."),
        ("requester_email", "jeanne@", "Indiquez une adresse e-mail valide"),
        ("commune", "75056", "Choisissez une commune de la liste."),
        ("category", "rich", "Choisissez une situation de la liste."),
        ("purposes", ["marketing"], "Cet accord n&#x27;existe pas"),
        ("requester_name", "", "Indiquez votre nom : vous faites la demande pour un proche."),
        ("emergency_phone", "", "Indiquez le nom et le téléphone de la personne à prévenir."),
    ],
)
def test_a_wrong_registration_field_gets_its_french_error_and_nothing_is_written(
    client, ccas, field, value, message
):
    response = client.post("/citoyen/registre/", registration_data(**{field: value}))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'id="id_{field}-error"' in body
    assert written() == (0, 0)


def test_the_register_needs_its_request_box_ticked(client, ccas):
    """The register's entry is the request itself (the crisis-plan box), never ticked for the
    person: without it, a French error next to the boxes and nothing written."""
    page = client.get("/citoyen/registre/").content.decode()
    assert "Je demande l'inscription, pour le plan d&#x27;alerte" in page
    response = client.post("/citoyen/registre/", registration_data(purposes=[]))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_purposes-error"' in body and "sans elle, la mairie ne peut pas" in body
    assert written() == (0, 0)


def test_the_help_request_consents_are_all_optional(client, ccas):
    page = client.get("/citoyen/demande/").content.decode()
    assert "Cochez ce que vous acceptez (facultatif)" in page and "J'accepte (facultatif)" in page
    response = client.post("/citoyen/demande/", help_data(ccas, purposes=[]))
    assert response.status_code == 302
    assert written() == (1, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("need", "caviar", "Choisissez un besoin de la liste."),
        ("organization", "00000000-0000-4000-8000-000000000000", "Choisissez un service"),
        ("situation", "x" * 1501, "1 500 caractères au plus."),
        ("email", "", "Indiquez votre adresse e-mail pour que nous puissions vous écrire."),
    ],
)
def test_a_wrong_help_request_field_gets_its_french_error(client, ccas, field, value, message):
    extra = {field: value}
    if field == "email":
        extra["preferred_contact"] = "email"
    response = client.post("/citoyen/demande/", help_data(ccas, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert written() == (0, 0)


def test_a_valid_registration_is_written_once_and_acknowledged(client, ccas):
    response = client.post("/citoyen/registre/", registration_data())
    assert response.status_code == 302 and response["Location"] == "/citoyen/recu/"
    assert written() == (1, 1)
    receipt = client.get("/citoyen/recu/")
    body = receipt.content.decode()
    assert "Votre inscription est envoyée" in body
    assert 'id="reference"' in body and "/citoyen/retrait/" in body
    again = client.get("/citoyen/recu/").content.decode()
    assert "Demande déjà envoyée" in again and "/citoyen/retrait/" not in again


def test_the_acknowledgment_shows_what_the_message_sends(
    client, ccas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the message leaves on commit
        assert client.post("/citoyen/demande/", help_data(ccas)).status_code == 302
    page = client.get("/citoyen/recu/").content.decode()
    reference = page.split('id="reference">')[1].split("<")[0]
    link = page.split('href="/citoyen/retrait/')[1].split('"')[0]
    assert len(mailoutbox) == 1
    assert reference in mailoutbox[0].body and f"/citoyen/retrait/{link}" in mailoutbox[0].body
    assert mailoutbox[0].to == ["odette.lefevre@example.org"]
    assert "Nous vous avons aussi envoyé ces informations par e-mail." in page


def test_a_help_request_with_only_a_phone_gets_its_receipt_by_sms(
    client, ccas, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from hub import sms

    settings.CRISIS_SMS_BACKEND = "hub.sms.LocmemBackend"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/citoyen/demande/", help_data(ccas, email=""))
    assert response.status_code == 302
    page = client.get("/citoyen/recu/").content.decode()
    reference = page.split('id="reference">')[1].split("<")[0]
    assert "envoyé votre numéro de demande et vos liens par SMS" in page
    assert mailoutbox == []
    [(to, text)] = sms.outbox
    assert to.replace(" ", "") == "0478123456" and reference in text
