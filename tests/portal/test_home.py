import pytest

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_home_lists_the_active_organizations_in_french(client):
    OrganizationFactory(name="CCAS de Villeurbanne")
    OrganizationFactory(name="Ancienne association", is_active=False)
    response = client.get("/citoyen/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "CCAS de Villeurbanne" in response.content.decode()
    assert "Ancienne association" not in response.content.decode()
