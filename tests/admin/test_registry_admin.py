"""The registry admin with three fixed actors: a member of CCAS A, a member of CCAS B, a superuser.

A member of A never sees B's persons or records: not in lists, search, autocomplete, nor by
typing a change URL (the admin answers as for a missing object).
"""

import pytest

from consent.models import AccessLog
from hub.registry.actors import Actor
from hub.registry.models import Household, PartnerRecord
from tests.admin.registry_helpers import (
    AUTOCOMPLETE,
    BENEFICIARIES,
    RECORDS,
    assert_absent,
    listed,
    login,
    submit,
)

pytestmark = pytest.mark.django_db


def test_member_lists_only_persons_and_records_of_own_organization(client, world, member_a):
    login(client, member_a)
    record_a = world["record_a"]
    assert listed(client.get(BENEFICIARIES)) == {str(record_a.beneficiary_id)}
    assert listed(client.get(RECORDS)) == {str(record_a.pk)}


def test_member_of_b_does_not_see_a_persons(client, world, member_b):
    login(client, member_b)
    assert listed(client.get(BENEFICIARIES)) == {str(world["record_b"].beneficiary_id)}


def test_superuser_sees_every_organization(client, world, superuser):
    login(client, superuser)
    assert listed(client.get(BENEFICIARIES)) == {
        str(world["record_a"].beneficiary_id),
        str(world["record_b"].beneficiary_id),
    }
    assert len(listed(client.get(RECORDS))) == 2


def test_search_does_not_reach_other_organization(client, world, member_a, superuser):
    login(client, member_a)
    assert listed(client.get(BENEFICIARIES, {"q": "Dupont"})) == set()
    assert listed(client.get(RECORDS, {"q": "Dupont"})) == set()
    assert listed(client.get(RECORDS, {"q": "B-1"})) == set()
    login(client, superuser)
    assert listed(client.get(BENEFICIARIES, {"q": "Dupont"})) == {
        str(world["record_b"].beneficiary_id)
    }


@pytest.mark.parametrize("term", ["lefevre", "LEFÈVRE", "hélène lefevre", "Helene", "12/03/1984"])
def test_person_search_ignores_accents_and_case_and_reads_french_dates(
    client, world, member_a, term
):
    login(client, member_a)
    assert listed(client.get(BENEFICIARIES, {"q": term})) == {str(world["record_a"].beneficiary_id)}


def test_person_search_by_wrong_name_finds_nobody(client, world, member_a):
    login(client, member_a)
    assert listed(client.get(BENEFICIARIES, {"q": "lefebvre"})) == set()


def test_typing_change_url_of_other_organization_person_answers_not_found(client, world, member_a):
    login(client, member_a)
    before = AccessLog.objects.count()
    response = client.get(f"{BENEFICIARIES}{world['record_b'].beneficiary_id}/change/")
    assert_absent(response)
    # The gate's answer is "not found", and the attempt is on the DPO's record: one deny row.
    row = AccessLog.objects.order_by("id")[before:].get()
    assert (row.decision, row.beneficiary_id, row.user_id, row.categories) == (
        "deny",
        world["record_b"].beneficiary_id,
        member_a.pk,
        [],
    )


def test_typing_change_url_of_other_organization_record_answers_not_found(client, world, member_a):
    login(client, member_a)
    assert_absent(client.get(f"{RECORDS}{world['record_b'].pk}/change/"))
    assert_absent(client.get(f"/admin/registry/organization/{world['b'].organization.pk}/change/"))


def test_viewing_a_person_writes_one_access_log_row(client, world, member_a):
    login(client, member_a)
    beneficiary_id = world["record_a"].beneficiary_id
    before = AccessLog.objects.count()
    response = client.get(f"{BENEFICIARIES}{beneficiary_id}/change/")
    assert response.status_code == 200
    assert "Lefèvre" in response.content.decode()
    rows = list(AccessLog.objects.order_by("id")[before:])
    assert len(rows) == 1
    row = rows[0]
    assert (row.user_id, row.beneficiary_id, row.decision, row.basis) == (
        member_a.pk,
        beneficiary_id,
        "allow",
        "own_record",
    )
    assert row.organization_id == world["a"].organization.pk


def test_person_page_shows_only_records_of_own_organization(client, world, member_a):
    # The same person is also known to B (linked by hand: identity matching is not the point).
    record_b = world["record_b"]
    PartnerRecord.objects.filter(pk=record_b.pk).update(
        beneficiary_id=world["record_a"].beneficiary_id
    )
    login(client, member_a)
    page = client.get(f"{BENEFICIARIES}{world['record_a'].beneficiary_id}/change/")
    content = page.content.decode()
    assert "A-1" in content
    assert "B-1" not in content
    assert "CCAS B" not in content


def test_person_is_read_only_in_admin(client, world, member_a, superuser):
    for user in (member_a, superuser):
        login(client, user)
        url = f"{BENEFICIARIES}{world['record_a'].beneficiary_id}/change/"
        response = client.post(url, {"birth_name": "Autre"})
        assert response.status_code == 403
    world["record_a"].beneficiary.refresh_from_db()
    assert world["record_a"].beneficiary.birth_name == "Lefèvre"


def test_autocomplete_offers_only_visible_persons(client, world, member_a):
    login(client, member_a)
    response = client.get(AUTOCOMPLETE, {"term": ""})
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == {str(world["record_a"].beneficiary_id)}
    # Django's generic autocomplete does not answer persons (it would bypass the gate).
    generic = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "registry",
            "model_name": "householdmember",
            "field_name": "beneficiary",
            "term": "",
        },
    )
    assert generic.status_code == 404


def test_household_of_other_organization_is_not_found(client, world, member_a):
    household = Household.objects.create(label="Foyer Dupont", created_by=world["b"].organization)
    login(client, member_a)
    assert listed(client.get("/admin/registry/household/")) == set()
    assert_absent(client.get(f"/admin/registry/household/{household.pk}/change/"))


def test_agent_creates_household_for_own_organization_only(client, world, member_a):
    login(client, member_a)
    form = {
        "label": "Foyer Lefèvre",
        "address_line": "",
        "postcode": "",
        "city": "",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-beneficiary": str(world["record_b"].beneficiary_id),
        "members-0-relationship": "head",
        "created_by": str(world["b"].organization.pk),
    }
    refused = client.post("/admin/registry/household/add/", form)
    assert refused.status_code == 200  # form redisplayed with errors
    assert not Household.objects.exists()
    form["created_by"] = str(world["a"].organization.pk)
    form["members-0-beneficiary"] = str(world["record_a"].beneficiary_id)
    created = client.post("/admin/registry/household/add/", form)
    assert created.status_code == 302, created.content[:2000]
    household = Household.objects.get()
    assert household.created_by == world["a"].organization
    assert household.members.get().beneficiary_id == world["record_a"].beneficiary_id


def test_admin_is_in_french(client, world, member_a):
    login(client, member_a)
    content = client.get(BENEFICIARIES).content.decode()
    assert "Passerelle — administration" in content
    assert (
        "Personnes (fiches consolidées)" in content or "personnes (fiches consolidées)" in content
    )
    assert "Rechercher" in content


def test_record_search_finds_own_record_by_name_or_external_id(client, world, member_a):
    login(client, member_a)
    expected = {str(world["record_a"].pk)}
    assert listed(client.get(RECORDS, {"q": "Hélène"})) == expected
    assert listed(client.get(RECORDS, {"q": "a-1"})) == expected
    assert listed(client.get(RECORDS, {"q": "Hélène Dupont"})) == set()


def test_grant_shows_person_to_other_organization_reduced_to_granted_categories(
    client, world, member_b
):
    from consent.grants import record_grant

    person_id = world["record_a"].beneficiary_id
    grant = record_grant(
        actor=Actor.for_client(world["a"].onboarded.client),
        beneficiary_id=person_id,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=world["b"].organization.pk,
        purposes=["coordination"],
        categories=["identity", "support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand, CCAS A",
    )
    login(client, member_b)
    assert str(person_id) in listed(client.get(BENEFICIARIES))
    before = AccessLog.objects.count()
    page = client.get(f"{BENEFICIARIES}{person_id}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Lefèvre" in content
    assert "Téléphone" not in content  # contact data not granted
    assert "CCAS A" in content  # who else supports the person (support history granted)
    assert "contenu non communiqué" in content
    assert "A-1" not in content
    row = AccessLog.objects.order_by("id")[before:].get()
    assert (row.basis, row.grant_id, row.user_id) == ("consent", grant.pk, member_b.pk)
    assert sorted(row.categories) == ["identity", "support_history"]


def test_person_listed_under_grant_without_identity_is_masked(client, world, member_b):
    from consent.grants import record_grant

    person_id = world["record_a"].beneficiary_id
    record_grant(
        actor=Actor.for_client(world["a"].onboarded.client),
        beneficiary_id=person_id,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=world["b"].organization.pk,
        purposes=["coordination"],
        categories=["support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand, CCAS A",
    )
    login(client, member_b)
    page = client.get(BENEFICIARIES)
    assert str(person_id) in listed(page)
    content = page.content.decode()
    assert "DUPONT Zoé" in content  # B's own person, in full
    assert "Lefèvre" not in content and "LEFÈVRE" not in content and "Hélène" not in content
    assert f"Personne n° {str(person_id).split('-')[0].upper()} (identité non communiquée)" in (
        content
    )
    page = client.get(f"{BENEFICIARIES}{person_id}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Lefèvre" not in content and "Hélène" not in content
    assert "identité non communiquée" in content


def test_person_list_costs_one_log_row_per_person_and_nothing_else_grows(client, world, member_a):
    """Queries of the list are constant (session, actor, count, page, the gate's three queries,
    one multi-row access-log INSERT) while it writes one access-log row per displayed person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, member_a)

    def measure():
        before = AccessLog.objects.count()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(BENEFICIARIES)
            assert response.status_code == 200
        return (
            len(captured),
            len(response.context["cl"].result_list),
            (AccessLog.objects.count() - before),
        )

    few, rows_few, logged_few = measure()
    for n, (name, first, born) in enumerate(DISTINCT_PEOPLE[:12]):
        submit(world["a"], f"A-x{n}", birth_name=name, first_names=first, birth_date=born)
    many, rows_many, logged_many = measure()
    assert (rows_few, logged_few) == (1, 1)
    assert rows_many == logged_many == 13
    assert many == few  # the page's rows go into the access log in one INSERT


DISTINCT_PEOPLE = [
    ("Abadie", "Bruno", "1951-01-02"),
    ("Bertin", "Chloé", "1962-02-03"),
    ("Carrel", "Damien", "1973-03-04"),
    ("Delorme", "Élise", "1984-04-05"),
    ("Estève", "Fabrice", "1995-05-06"),
    ("Fournel", "Gaëlle", "1956-06-07"),
    ("Guérin", "Hugo", "1967-07-08"),
    ("Hamadi", "Inès", "1978-08-09"),
    ("Itier", "Jules", "1989-09-10"),
    ("Joubert", "Karima", "1990-10-11"),
    ("Kessler", "Léon", "1941-11-12"),
    ("Lacombe", "Maëlys", "1952-12-13"),
]
