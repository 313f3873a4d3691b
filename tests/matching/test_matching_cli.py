"""link_file: CSV in, pairs out, one-line errors for bad files."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hub.matching.cli import run_link_file

HEADER = "id,first_names,birth_name,usage_name,sex,birth_date,postcode,city,phone\n"
GOOD = (
    HEADER
    + "p1,Jean-Pierre,Dupont,,M,1984-05-12,75015,Paris,06 12 34 56 78\n"
    + "p2,jean pierre,DUPONT,,M,1984-05-12,75011,PARIS 11E,+33612345678\n"
    + "p3,Marie,Curie,,F,1967-11-07,69003,Lyon,\n"
    + "p4,Marie,Sklodowska,Curie,F,1967-11-07,69001,Lyon,\n"
    + "p5,Karim,Haddad,,M,1950-01-30,13001,Marseille,\n"
)


def run(tmp_path, text: str | bytes, **kwargs) -> tuple[int, str, list[dict]]:
    src = tmp_path / "in.csv"
    out = tmp_path / "out.csv"
    if isinstance(text, str):
        text = text.encode("utf-8")
    src.write_bytes(text)
    err = io.StringIO()
    code = run_link_file(src, out, stderr=err, **kwargs)
    rows = list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() else []
    return code, err.getvalue(), rows


def test_good_file_gives_sorted_pairs_with_grades(tmp_path):
    code, err, rows = run(tmp_path, GOOD)
    assert code == 0 and err == ""
    pairs = [(r["id_a"], r["id_b"]) for r in rows]
    assert pairs == sorted(pairs)
    assert ("p1", "p2") in pairs
    assert ("p3", "p4") in pairs  # married name in one record, birth name in the other
    assert all(r["id_a"] < r["id_b"] for r in rows)
    assert {r["grade"] for r in rows} <= {"certain", "probable", "possible"}
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)


def test_output_header_is_the_contract(tmp_path):
    run(tmp_path, GOOD)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "id_a,id_b,score,grade"
    )


def test_high_threshold_keeps_fewer_pairs(tmp_path):
    _, _, loose = run(tmp_path, GOOD)
    _, _, strict = run(tmp_path, GOOD, threshold=0.99999999)
    assert len(strict) < len(loose)


def test_column_mapping_renames_source_columns(tmp_path):
    text = "rec,given_name,surname,dob\na,Jean,Dupont,1984-05-12\nb,JEAN,dupont,1984-05-12\n"
    code, err, rows = run(
        tmp_path, text, columns="rec=id,given_name=first_names,surname=birth_name,dob=birth_date"
    )
    assert code == 0, err
    assert [(r["id_a"], r["id_b"]) for r in rows] == [("a", "b")]


def test_utf8_bom_is_accepted(tmp_path):
    code, err, _ = run(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert code == 0, err


def test_unknown_extra_columns_are_ignored(tmp_path):
    code, err, _ = run(tmp_path, "id,shoe_size\n1,42\n2,43\n")
    assert code == 0, err


@pytest.mark.parametrize(
    ("text", "kwargs", "needle"),
    [
        ("first_names,birth_name\nJean,Dupont\n", {}, "line 1: missing required column 'id'"),
        (HEADER + "p1,Jean,Dupont,,M,1984-13-12,,,\n", {}, "line 2: invalid birth date"),
        (HEADER + "p1,Jean,Dupont,,M,,,,\np1,Paul,Durand,,M,,,,\n", {}, "line 3: duplicated id"),
        (HEADER + "p1,Jean,Dupont\n", {}, "line 2: 3 fields"),
        (HEADER + ",Jean,Dupont,,M,,,,\n", {}, "line 2: empty id"),
        ('id,first_names\n1,"Jean\n', {}, "line 2: malformed CSV"),
        ("", {}, "line 1: empty file"),
        ("id,id\n1,2\n", {}, "line 1: column 'id' appears twice"),
        (GOOD, {"columns": "given_name"}, "--columns: cannot parse"),
        (GOOD, {"columns": "first_names=shoe"}, "unknown target column"),
        (GOOD, {"columns": "given_name=first_names"}, "absent from the header"),
        (GOOD, {"threshold": 1.5}, "--threshold"),
    ],
)
def test_malformed_input_gives_one_line_error_naming_the_line(tmp_path, text, kwargs, needle):
    code, err, _ = run(tmp_path, text, **kwargs)
    assert code != 0
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_wrong_encoding_names_the_line(tmp_path):
    code, err, _ = run(tmp_path, HEADER.encode() + "p1,Hélène,Dupont,,F,,,,\n".encode("latin-1"))
    assert code != 0
    assert "line 2: not valid UTF-8" in err


def test_missing_input_file_is_an_error(tmp_path):
    err = io.StringIO()
    assert run_link_file(tmp_path / "nope.csv", tmp_path / "o.csv", stderr=err) != 0
    assert "cannot read" in err.getvalue()


def test_django_command_writes_pairs(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(GOOD, encoding="utf-8")
    call_command("link_file", str(src), "--output", str(out), verbosity=0)
    assert "p1,p2," in out.read_text(encoding="utf-8")


def test_django_command_reports_bad_file_as_command_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("first_names\nJean\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: missing required column 'id'") as exc:
        call_command("link_file", str(src), "--output", str(tmp_path / "o.csv"))
    assert exc.value.returncode != 0
