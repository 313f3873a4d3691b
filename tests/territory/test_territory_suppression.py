"""Properties of small-cell suppression over random tables with their margins.

The attacker's view is exact linear algebra: every published cell and margin is known, every
row and column adds up; a suppressed cell is recoverable when its value is the same in every
solution of that system (its column in the system is independent of the other unknowns').
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from territory.suppression import TOTAL, protect, round_published

THRESHOLD = 11


def _rank(matrix: list[list[int]]) -> int:
    rows = [[Fraction(v) for v in row] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _equations(zones, columns):
    """Each equation: the cells that add up (+1) to a margin (-1)."""
    equations = []
    if columns == [TOTAL]:
        equations.append({**{(z, TOTAL): 1 for z in zones}, (TOTAL, TOTAL): -1})
        return equations
    inner = [c for c in columns if c != TOTAL]
    for z in [*zones, TOTAL]:
        equations.append({**{(z, c): 1 for c in inner}, (z, TOTAL): -1})
    for c in [*inner, TOTAL]:
        equations.append({**{(z, c): 1 for z in zones}, (TOTAL, c): -1})
    return equations


def recoverable(published, zones, columns) -> set:
    unknown = sorted(published.suppressed)
    if not unknown:
        return set()
    matrix = [[eq.get(cell, 0) for cell in unknown] for eq in _equations(zones, columns)]
    full = _rank(matrix)
    found = set()
    for k, cell in enumerate(unknown):
        without = [row[:k] + row[k + 1 :] for row in matrix]
        if not without[0] or _rank(without) < full:
            found.add(cell)
    return found


small_counts = st.one_of(st.integers(0, 3), st.integers(1, 12), st.integers(0, 60))


@st.composite
def tables(draw):
    zones = [f"z{i}" for i in range(draw(st.integers(1, 6)))]
    inner = [f"b{i}" for i in range(draw(st.integers(0, 4)))]
    columns = [*inner, TOTAL] if inner else [TOTAL]
    values = {}
    for z in zones:
        for c in inner or [TOTAL]:
            values[(z, c)] = draw(small_counts)
    if inner:
        for z in zones:
            values[(z, TOTAL)] = sum(values[(z, c)] for c in inner)
    for c in columns:
        values[(TOTAL, c)] = sum(values[(z, c)] for z in zones)
    return zones, columns, values


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_suppressed_value_is_recoverable_from_published_cells_and_margins(table):
    zones, columns, values = table
    published = protect(values, THRESHOLD)
    assert recoverable(published, zones, columns) == set()


@settings(max_examples=400, deadline=None)
@given(tables(), st.sampled_from([0, 5, 10]))
def test_no_published_cell_is_below_the_threshold(table, rounding):
    _zones, _columns, values = table
    published = protect(values, THRESHOLD, rounding=rounding)
    for cell, value in published.values.items():
        assert value is None or value == 0 or value >= THRESHOLD, (cell, value)
        if 0 < values[cell] < THRESHOLD:
            assert value is None


def test_the_checker_finds_a_lone_suppressed_cell():
    # The attacker model itself must be able to fail: one hidden cell in a row is recoverable.
    from territory.suppression import Published

    values = {("z0", "b0"): 4, ("z0", "b1"): 20, ("z0", TOTAL): 24}
    values |= {("z1", "b0"): 30, ("z1", "b1"): 20, ("z1", TOTAL): 50}
    values |= {(TOTAL, "b0"): 34, (TOTAL, "b1"): 40, (TOTAL, TOTAL): 74}
    naive = Published({cell: (None if cell == ("z0", "b0") else v) for cell, v in values.items()})
    assert recoverable(naive, ["z0", "z1"], ["b0", "b1", TOTAL]) == {("z0", "b0")}
    protected = protect(values, THRESHOLD)
    assert ("z0", "b0") in protected.suppressed
    assert recoverable(protected, ["z0", "z1"], ["b0", "b1", TOTAL]) == set()


def test_one_column_table_hides_a_second_zone_next_to_a_small_one():
    values = {("a", TOTAL): 3, ("b", TOTAL): 40, ("c", TOTAL): 25, (TOTAL, TOTAL): 68}
    published = protect(values, THRESHOLD)
    assert published.suppressed == {("a", TOTAL), ("c", TOTAL)}
    assert published.values[(TOTAL, TOTAL)] == 68


def test_rounding_never_publishes_below_the_threshold():
    assert round_published(11, 5, 11) == 15
    assert round_published(12, 5, 11) == 15
    assert round_published(23, 5, 11) == 25
    assert round_published(0, 5, 11) == 0
