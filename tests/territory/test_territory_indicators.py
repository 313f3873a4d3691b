"""Each indicator on a hand-built territory, with its expected value (threshold lowered to 1 so
that raw values show; suppression has its own tests)."""

from __future__ import annotations

import pytest

from territory import refresh, selectors
from territory.catalogue import BY_CODE, INDICATORS
from tests.territory.territory_fixtures import VAULX, VILLEURBANNE, build

pytestmark = pytest.mark.django_db
MARCH = "2026-03"


@pytest.fixture
def territory(settings):
    settings.TERRITORY_THRESHOLD = 1
    built = build()
    refresh.rebuild()
    return built


def values(code, period=MARCH, level="commune", breakdown=""):
    table = selectors.table(BY_CODE[code], level=level, periods=[period], breakdown=breakdown)
    return {(c["zone"], c["breakdown"]): c["value"] for c in table.cells}


def test_persons_supported_count_each_person_once_placed_in_their_commune(territory):
    v = values("persons_supported")
    assert v[(VILLEURBANNE, "total")] == 4  # p1, p2 (and merged p6), p4, p7
    assert v[(VAULX, "total")] == 2  # p3 by postcode, p5 by its organization's commune
    assert v[("total", "total")] == 6


def test_persons_supported_by_support_type_and_partner_kind(territory):
    by_type = values("persons_supported", breakdown="support_type")
    assert by_type[(VILLEURBANNE, "food_aid")] == 2  # p1, and p6's case counts for p2
    assert by_type[(VILLEURBANNE, "professional_insertion")] == 2
    assert by_type[(VILLEURBANNE, "emergency_shelter")] == 1
    assert by_type[(VILLEURBANNE, "housing")] == 1
    assert by_type[(VILLEURBANNE, "financial_aid")] == 0
    by_kind = values("persons_supported", breakdown="partner_kind")
    assert by_kind[(VILLEURBANNE, "ccas")] == 2
    assert by_kind[(VILLEURBANNE, "association")] == 3
    assert by_kind[(VILLEURBANNE, "siao")] == 1


def test_parents_sum_their_communes(territory):
    epci = values("persons_supported", level="epci")
    assert epci[("200046977", "total")] == 6  # Métropole de Lyon
    assert values("persons_supported", level="departement")[("69", "total")] == 6


def test_iris_level_where_an_address_carries_it(territory):
    assert values("persons_supported", level="iris") == {
        ("692660101", "total"): 1,
        ("total", "total"): 1,
    }


def test_new_persons_are_those_whose_first_case_starts_in_the_period(territory):
    v = values("new_persons")
    assert v[(VAULX, "total")] == 2
    assert (VILLEURBANNE, "total") not in v  # nobody new there in March
    assert values("new_persons", period="2025-11")[(VILLEURBANNE, "total")] == 1


def test_homeless_persons_over_time(territory):
    assert values("homeless_persons")[(VILLEURBANNE, "total")] == 1
    assert values("homeless_persons", period="2025-12")[(VILLEURBANNE, "total")] == 1


def test_exits_by_outcome_group_and_duration(territory):
    groups = values("exits", breakdown="outcome_group")
    assert groups[(VILLEURBANNE, "lasting_employment")] == 1
    assert groups[(VILLEURBANNE, "deceased")] == 1
    assert groups[(VAULX, "no_solution")] == 1
    assert groups[(VAULX, "rights")] == 1
    durations = values("exits", breakdown="duration")
    assert durations[(VAULX, "d0_30")] == 2  # 19 and 28 days
    assert durations[(VILLEURBANNE, "d31_90")] == 2  # 73 and 37 days
    assert values("exits", period="2026-05", breakdown="duration")[(VILLEURBANNE, "d31_90")] == 1


def test_employment_return_rate_leaves_deaths_out(territory):
    v = values("employment_return_rate")
    assert v[(VILLEURBANNE, "total")] == 100.0  # p2 to a CDI; p7's death is not counted
    assert v[(VAULX, "total")] == 0.0
    assert v[("total", "total")] == 50.0


def test_housing_exit_and_rights_access_rates(territory):
    assert values("housing_exit_rate", period="2026-05")[(VILLEURBANNE, "total")] == 100.0
    assert values("rights_access_rate")[(VAULX, "total")] == 100.0


def test_isolation_and_hypervision_needs(territory):
    assert values("isolated_persons")[(VILLEURBANNE, "total")] == 1
    assert values("isolated_contacted_share")[(VILLEURBANNE, "total")] == 100.0
    assert values("isolated_contacted_share", period="2026-04")[(VILLEURBANNE, "total")] == 0.0
    assert values("living_alone_persons")[(VILLEURBANNE, "total")] == 1
    assert values("reduced_mobility_persons")[(VILLEURBANNE, "total")] == 1


def test_referrals_count_share_delays_and_declines(territory):
    assert values("referrals_sent")[(VILLEURBANNE, "total")] == 3
    assert values("referrals_answered_share")[(VILLEURBANNE, "total")] == pytest.approx(66.7)
    assert values("referral_answer_delay") == {
        (VILLEURBANNE, "median"): 3,
        (VILLEURBANNE, "p90"): 10,
        ("total", "median"): 3,
        ("total", "p90"): 10,
    }
    assert values("referral_accept_delay")[(VILLEURBANNE, "p90")] == 3
    assert values("referrals_declined", breakdown="reason")[(VILLEURBANNE, "no_capacity")] == 1


def test_overlaps_detected_and_resolved_count_pairs_once(territory):
    assert values("overlaps_detected")[(VILLEURBANNE, "total")] == 1
    assert values("overlaps_resolved", period="2026-04")[(VILLEURBANNE, "total")] == 1


def test_duplicates_avoided_at_intake_links_and_merges(territory):
    v = values("duplicates_avoided", breakdown="kind")
    assert v[(VILLEURBANNE, "intake_link")] == 1
    assert v[(VILLEURBANNE, "merge")] == 1


def test_crisis_indicators_read_the_crisis_events(territory):
    assert values("crisis_registered")[(VILLEURBANNE, "total")] == 1
    assert values("crisis_reached_share")[(VILLEURBANNE, "total")] == 50.0
    assert values("crisis_escalations")[(VILLEURBANNE, "total")] == 1


def test_every_indicator_has_a_complete_definition():
    codes = [i.code for i in INDICATORS]
    assert len(codes) == len(set(codes))
    for indicator in INDICATORS:
        assert set(indicator.definition) == {
            "numerator",
            "denominator",
            "population",
            "period",
            "counts",
        }
        assert all(indicator.definition.values()) and indicator.title and indicator.unit
