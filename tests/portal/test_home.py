import pytest

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_home_lists_the_active_organizations_in_french(client):
    OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas")
    OrganizationFactory(name="Ancienne association", is_active=False)
    response = client.get("/citoyen/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "CCAS de Villeurbanne" in response.content.decode()
    assert "Ancienne association" not in response.content.decode()


def test_home_groups_organizations_by_kind_and_links_both_procedures(client):
    OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas")
    OrganizationFactory(name="Épicerie solidaire du Tonkin", kind="association")
    body = client.get("/citoyen/").content.decode()
    assert '<h3 class="fr-h6">CCAS</h3>' in body and '<h3 class="fr-h6">Association</h3>' in body
    assert 'href="/citoyen/demande/"' in body and 'href="/citoyen/registre/"' in body


def test_the_privacy_notice_names_the_controller_and_the_rights(client, settings):
    settings.PORTAL_CONTROLLER = "le CCAS de Villeurbanne"
    body = client.get("/citoyen/confidentialite/").content.decode()
    assert "Le responsable du traitement est le CCAS de Villeurbanne" in body
    assert "Retirer un accord" in body and "CNIL" in body


def test_a_get_only_page_refuses_other_methods_in_french(client):
    response = client.put("/citoyen/")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert "Action impossible" in response.content.decode()
    assert client.delete("/citoyen/confidentialite/").status_code == 405
