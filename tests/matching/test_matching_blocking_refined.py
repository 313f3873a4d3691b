"""Refined blocking keys: a duplicate whose only shared keys are in blocks too large to use
(common names in a large registry) is still a candidate, through one more attribute."""

import numpy as np

from hub.matching import block_cap, blocking_keys, deduplicate, prepare
from hub.matching.batch_keys import family_blocks, parts_of
from hub.matching.blocking import KEY_FAMILIES, candidate_codes
from hub.matching.engine import _as_prepared

_OTHERS = ["PAUL", "LUC", "MARC", "HUGO", "LOUIS", "ADAM", "NOAH", "TOM", "ENZO", "LEO"]

# One person written twice: the day and month of the birth date swapped, and a move from
# Paris to Lyon. Every key with the full date or the postcode differs; the date-less keys
# they share (JEAN MARTIN, MARTIN born in 1984) are held by more than their caps.
PAIR = [
    {"id": "a", "first_names": "JEAN", "birth_name": "MARTIN", "sex": "M",
     "birth_date": "1984-03-12", "postcode": "75011", "city": "Paris"},
    {"id": "b", "first_names": "JEAN", "birth_name": "MARTIN", "sex": "M",
     "birth_date": "1984-12-03", "postcode": "69003", "city": "Lyon"},
]  # fmt: skip


def _crowd() -> list[dict]:
    # 60 JEAN MARTIN born in other years, each in their own postcode: ``ff`` is over its cap
    jeans = [
        {"id": f"j{k:02}", "first_names": "JEAN", "birth_name": "MARTIN", "sex": "M",
         "birth_date": f"{1920 + k}-06-15", "postcode": f"{13000 + k}", "city": ""}
        for k in range(60) if 1920 + k != 1984
    ]  # fmt: skip
    # 60 other MARTIN born in 1984, none a J: ``pn`` (MARTIN, 1984) is over its cap
    born_1984 = [
        {"id": f"m{k:02}", "first_names": _OTHERS[k % 10], "birth_name": "MARTIN",
         "sex": "M", "birth_date": f"1984-{1 + k % 12:02}-{1 + k // 12:02}",
         "postcode": f"{31000 + k}", "city": ""}
        for k in range(60)
    ]  # fmt: skip
    return jeans + born_1984


def _codes_of_pair(prepared, families=KEY_FAMILIES):
    n = len(prepared)
    index = {p.id: k for k, p in enumerate(prepared)}
    return index["a"] * n + index["b"], candidate_codes(prepared, 300, families)


def test_the_pair_shares_only_over_cap_coarse_blocks_and_a_refined_one():
    prepared = _as_prepared(PAIR + _crowd())
    pair, coarse_only = _codes_of_pair(prepared, KEY_FAMILIES[:8])
    assert pair not in coarse_only  # the families before the refined ones miss it
    _, codes = _codes_of_pair(prepared)
    assert pair in codes
    shared = set(blocking_keys(prepare(PAIR[0]))) & set(blocking_keys(prepare(PAIR[1])))
    assert {k.split(":")[0] for k in shared} >= {"pn", "ff", "ffy", "ffs", "pni"}


def test_the_batch_finds_it_and_scores_it():
    prepared = _as_prepared(PAIR + _crowd())
    n = len(prepared)
    families = family_blocks(parts_of(prepared))
    pairs = set()
    for blocks in families:
        for start in np.flatnonzero(blocks.partners > 0):
            for k in range(1, int(blocks.partners[start]) + 1):
                pairs.add(int(blocks.row[start]) * n + int(blocks.row[start + k]))
    pair, codes = _codes_of_pair(prepared)
    assert pair in pairs and set(codes.tolist()) == pairs
    found = {(p.id_a, p.id_b) for p in deduplicate(prepared)}
    assert ("a", "b") in found


def test_refined_blocks_add_nothing_inside_a_usable_coarse_block():
    # few JEAN MARTIN: ``ff`` is usable, so the refined keys give no pair it does not give
    prepared = _as_prepared(PAIR + _crowd()[:20])
    _, coarse_only = _codes_of_pair(prepared, KEY_FAMILIES[:8])
    _, codes = _codes_of_pair(prepared)
    assert np.array_equal(coarse_only, codes)
    parts = parts_of(prepared)
    refined = family_blocks(parts)[8:]
    assert sum(len(b.row) for b in refined) == 0  # and the batch does not even build them


def test_refined_caps():
    assert block_cap("ff:JN:MRTN") == block_cap("fps:JN:75011:M") == 37
    assert block_cap("ffy:JN:MRTN:1984") == block_cap("pni:MRTN:1984:J") == 100
    assert block_cap("spi:MRTN:75011:J") == block_cap("ffm:JN:MRTN:3") == 100
    assert block_cap("dp:19840312:75011") == 300
