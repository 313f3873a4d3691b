"""Lists transmitted by the département or the CARSAT, with opposition flags."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from crisis.imports import import_transmitted
from crisis.models import Registration

pytestmark = pytest.mark.django_db

CSV = (
    "external_id,birth_name,first_names,birth_date,sex,phone,address_line,postcode,city,"
    "category,opposed,lives_alone,home_care_service\n"
    "D-1,Lefèvre,Odette,1938-05-04,F,0478123456,12 rue Paul Bert,69100,Villeurbanne,age_65,non,oui,\n"
    "D-2,Girard,Henri,1940-01-02,M,,3 rue Zola,69100,Villeurbanne,disability,oui,non,SSIAD\n"
    "D-3,Roux,Yvette,pas une date,F,,,,,age_65,non,non,\n"
)


def test_opposed_persons_are_not_registered_and_bad_rows_are_reported(commune_actor):
    report = import_transmitted(
        actor=commune_actor, content=CSV.encode(), format="csv", transmitted_by="Département (APA)"
    )
    assert (report.total, report.registered, report.opposed, report.rejected) == (3, 1, 1, 1)
    entry = Registration.objects.get()
    assert entry.requested_by == "transmitted" and entry.status == "active"
    assert entry.informed_at is not None and entry.transmitted_by == "Département (APA)"
    assert entry.lives_alone is True
    assert not Registration.objects.filter(person__birth_name="Girard").exists()
    (rejected,) = [row for row in report.rows if row[1] == "rejected"]
    assert rejected[2][0]["field"] == "person.birth_date"
    again = import_transmitted(
        actor=commune_actor, content=CSV.encode(), format="csv", transmitted_by="Département (APA)"
    )
    assert again.already == 1 and Registration.objects.count() == 1


def test_ndjson_list_through_the_command(commune, tmp_path, capsys):
    line = {
        "birth_name": "Perrin",
        "first_names": "Marcel",
        "birth_date": "1950-08-30",
        "category": "age_60_unfit",
        "opposed": False,
    }
    path = tmp_path / "carsat.ndjson"
    path.write_text(
        json.dumps(line) + "\n" + json.dumps({**line, "birth_name": "X", "opposed": True})
    )
    call_command(
        "import_crisis_register", str(path), "--org", commune.organization.name, "--from", "CARSAT"
    )
    assert "1 registered, 1 opposed" in capsys.readouterr().out
    assert Registration.objects.get().transmitted_by == "CARSAT"


def test_the_command_names_the_line_of_a_rejected_row(commune, tmp_path, capsys):
    good = {
        "birth_name": "Perrin",
        "first_names": "Marcel",
        "birth_date": "1950-08-30",
        "category": "age_60_unfit",
    }
    path = tmp_path / "departement.ndjson"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "category": "apa"}) + "\n")
    call_command(
        "import_crisis_register", str(path), "--org", commune.organization.name, "--from", "CD69"
    )
    out = capsys.readouterr().out
    assert "line 2: rejected (category:" in out and "line 3" not in out
    csv_path = tmp_path / "departement.csv"
    csv_path.write_text(
        "birth_name,first_names,birth_date,category\nPerrin,Marcel,1950-08-30,age_60_unfit\n"
        "Roux,Anne,1948-01-01,apa\n"
    )
    call_command(
        "import_crisis_register",
        str(csv_path),
        "--org",
        commune.organization.name,
        "--from",
        "CD69",
    )
    assert "line 3: rejected (category:" in capsys.readouterr().out
