"""The batch's columns: birth-date levels of arrays of pairs (``batch_levels.date_levels``,
digits packed four bits each) against ``compare_levels``' on dates made to meet every rule
(one digit changed, two adjacent digits exchanged and two apart, which is no typo, day and
month exchanged, 01/01, a year off by one, partial and missing dates), the string codes and
tables of ``batch_keys.parts_of`` against ``batch_strings.string_codes``, the packed name
tables the workers read, and the families they build."""

import numpy as np

from hub.matching import compare_levels
from hub.matching.batch import Encoded, columns
from hub.matching.batch_codes import level_codes
from hub.matching.batch_keys import FAMILIES, parts_of
from hub.matching.batch_levels import _digit_typo, date_digits, date_levels
from hub.matching.batch_pool import BUILD_ORDER
from hub.matching.batch_strings import string_codes
from hub.matching.engine import _as_prepared
from tests.matching.test_matching_batch_levels import _edge_records

_DATE = 3  # the birth date's position in ``compare_levels``' levels


def _variants(y: int, m: int, d: int) -> list[str]:
    full = f"{y:04d}{m:02d}{d:02d}"
    out = {f"{y:04d}-{m:02d}-{d:02d}", f"{y:04d}-{m:02d}", f"{y:04d}", ""}
    out |= {f"{y + 1:04d}-{m:02d}-{d:02d}", f"{y - 1:04d}-{m:02d}", f"{y:04d}-01-01"}
    if d <= 12:
        out.add(f"{y:04d}-{d:02d}-{m:02d}")
    changed = [full[:k] + str((int(full[k]) + 3) % 10) + full[k + 1 :] for k in range(8)]
    # two digits exchanged, adjacent (a typo) or two apart (not one)
    changed += [_swapped(full, k, k + gap) for gap in (1, 2) for k in range(8 - gap)]
    for digits in changed:
        year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
        if 1800 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 28:
            out.add(f"{digits[:4]}-{digits[4:6]}-{digits[6:]}")
    return sorted(out)


def _swapped(text: str, a: int, b: int) -> str:
    chars = list(text)
    chars[a], chars[b] = chars[b], chars[a]
    return "".join(chars)


def _records():
    dates = set()
    for y, m, d in ((1984, 5, 12), (1990, 11, 1), (2001, 1, 1), (1979, 10, 10), (1955, 3, 21)):
        dates.update(_variants(y, m, d))
    dates = sorted(dates)
    dates += dates[::7]  # some dates twice: the exact levels
    rows = [
        {"id": f"r{k:03d}", "birth_name": "Martin", "birth_date": v} for k, v in enumerate(dates)
    ]
    return _as_prepared(rows)


def test_date_levels_of_every_pair_are_compare_levels():
    prepared = _records()
    e = Encoded(columns(prepared))
    i, j = np.triu_indices(len(prepared), 1)
    got = date_levels(e, i, j)
    want = [compare_levels(prepared[x], prepared[y])[0][_DATE] for x, y in zip(i, j, strict=True)]
    assert got.tolist() == want
    assert set(want) == set(range(8))  # every level met


def test_packed_digits_tell_a_typo_from_two_changes():
    dates = np.array([19840512, 19840521, 19840513, 19480512, 19840215, 19850513, 19840512])
    packed = date_digits(dates)
    a, b = np.zeros(len(dates), dtype=np.int64), np.arange(len(dates))
    # same, adjacent swap, one digit, adjacent swap, two apart, two digits, same
    assert _digit_typo(packed[a], packed[b]).tolist() == [0, 1, 1, 1, 0, 0, 0]


def test_the_string_tables_of_the_one_pass_are_string_codes():
    prepared = _edge_records()
    want, parts = string_codes(prepared), parts_of(prepared)
    got = {**parts.texts, **{k: getattr(parts, k) for k in ("birth_place", "commune", "address")}}
    got.update(nir=parts.nir, phone=parts.phone, email=parts.email)
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        assert got[k].tolist() == v.tolist(), k


def test_the_workers_build_every_family_once():
    assert sorted(BUILD_ORDER) == list(range(len(FAMILIES)))


def test_a_packed_table_reads_back_every_entry(monkeypatch):
    import hub.matching.batch_codes as batch_codes

    tables = level_codes(_edge_records())["tables"]
    monkeypatch.setattr(batch_codes, "_KEPT", 3)  # entries read again once forgotten
    for table in tables:
        packed = batch_codes.PackedTable(*batch_codes.pack_table(table))
        assert len(packed) == len(table)
        for _ in range(2):
            assert [packed[k] for k in range(len(table))] == list(table)
            assert packed[-1] == table[-1] and packed[np.int32(-1)] == table[-1]
