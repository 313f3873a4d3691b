"""Small-cell suppression of count tables (pure Python: no Django, tested on random tables).

A table is a grid of counts with its margins: rows are zones plus ``TOTAL`` (the margin of the
period), columns are breakdown values plus ``TOTAL``. A table without breakdown has the single
column ``TOTAL``.

Primary suppression: a cell below the threshold, zero excepted, is not published.

Secondary suppression: no suppressed value may be recomputed from the published cells and the
margins. Turn the grid into a bipartite graph (one node per row, one per column, margins
included; one edge per suppressed cell). Negating the margins makes every row and every column
of the augmented grid sum to zero, so the unknowns are determined exactly by node equations of
that graph: an edge's value is fixed iff the edge lies on no cycle, i.e. it is a *bridge*. The
rule is therefore "the graph of suppressed cells has no bridge"; each bridge is closed by the
cheapest extra cell(s) that put it on a cycle (a cell linking its two sides, or a rectangle),
until none is left. Suppressing more never breaks a cycle, so the loop ends. A one-column table
is a single equation (the zones sum to the total): there, one suppressed cell alone is refused
and the smallest other cell joins it.

Breakdowns where one person counts in several columns (a person supported for food aid and for
housing) have margins that are not the sum of their cells; the additive rule is applied to them
all the same, which is stricter than needed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

TOTAL = "total"
DEFAULT_THRESHOLD = 11

Cell = tuple[str, str]  # (row, column)


@dataclass(frozen=True)
class Published:
    values: dict  # cell -> published value, or None when suppressed

    @property
    def suppressed(self) -> set:
        return {cell for cell, value in self.values.items() if value is None}


def primary(values: dict, threshold: int = DEFAULT_THRESHOLD) -> set:
    return {cell for cell, value in values.items() if 0 < value < threshold}


def _cost(value: int, threshold: int) -> float:
    # Prefer small non-zero cells; a zero is a last resort (suppressing it hides little), and a
    # margin costs more than an interior cell of the same value.
    return value if value > 0 else threshold * 4


def _bridges(edges: set) -> list:
    """Bridges of the bipartite graph whose edges are cells (row node, column node)."""
    adjacency = defaultdict(list)
    for row, col in edges:
        adjacency[("r", row)].append((("c", col), (row, col)))
        adjacency[("c", col)].append((("r", row), (row, col)))
    order, low, found = {}, {}, []
    counter = 0
    for start in sorted(adjacency):
        if start in order:
            continue
        order[start] = low[start] = counter
        counter += 1
        stack = [(start, None, iter(adjacency[start]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for neighbour, edge in neighbours:
                if edge == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, edge, iter(adjacency[neighbour])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
    return sorted(found)


def _side(edges: set, start) -> set:
    adjacency = defaultdict(set)
    for row, col in edges:
        adjacency[("r", row)].add(("c", col))
        adjacency[("c", col)].add(("r", row))
    seen, todo = {start}, [start]
    while todo:
        for neighbour in adjacency[todo.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    return seen


def _close_bridge(bridge: Cell, suppressed: set, values: dict, rows, cols, threshold) -> set:
    """The cheapest set of extra cells putting ``bridge`` on a cycle."""
    row, col = bridge
    rest = suppressed - {bridge}
    side_a = _side(rest, ("r", row))
    side_b = _side(rest, ("c", col))

    def cost(cell) -> float:
        return 0 if cell in suppressed else _cost(values[cell], threshold)

    best, best_cost = None, float("inf")
    # One cell joining the two sides closes a cycle through the bridge.
    rows_a = [x for x in rows if ("r", x) in side_a]
    rows_b = [x for x in rows if ("r", x) in side_b]
    cols_a = [y for y in cols if ("c", y) in side_a]
    cols_b = [y for y in cols if ("c", y) in side_b]
    for xs, ys in ((rows_a, cols_b), (rows_b, cols_a)):
        for x in xs:
            for y in ys:
                if (x, y) != bridge and (x, y) not in suppressed:
                    c = cost((x, y))
                    if c < best_cost:
                        best, best_cost = [(x, y)], c
    # A rectangle through the bridge always works.
    along_row = {y: cost((row, y)) for y in cols if y != col}
    for x in rows:
        if x == row:
            continue
        down = cost((x, col))
        if down >= best_cost:
            continue
        for y, c_row in along_row.items():
            total = down + c_row + cost((x, y))
            if total < best_cost:
                best, best_cost = [(row, y), (x, col), (x, y)], total
    if best is None:
        raise ValueError("a table needs two rows and two columns to protect a cell")
    return {cell for cell in best if cell not in suppressed}


def secondary(values: dict, suppressed: set, threshold: int = DEFAULT_THRESHOLD) -> set:
    """Extend ``suppressed`` until no suppressed cell can be recomputed from the rest."""
    rows = sorted({row for row, _ in values})
    cols = sorted({col for _, col in values})
    suppressed = set(suppressed)
    if cols == [TOTAL]:
        if len(suppressed) == 1:
            others = [cell for cell in values if cell not in suppressed]
            if others:
                suppressed.add(min(others, key=lambda c: (_cost(values[c], threshold), c)))
        return suppressed
    while True:
        bridges = _bridges(suppressed)
        if not bridges:
            return suppressed
        # Close several bridges per pass, but only ones whose row and column were not touched
        # by this pass (a cell added for one bridge may already protect another).
        touched: set = set()
        for bridge in bridges:
            if ("r", bridge[0]) in touched or ("c", bridge[1]) in touched:
                continue
            added = _close_bridge(bridge, suppressed, values, rows, cols, threshold)
            suppressed |= added
            for r, c in {bridge, *added}:
                touched |= {("r", r), ("c", c)}


def round_published(value: int, base: int, threshold: int) -> int:
    """Round to a multiple of ``base``, never below the threshold (a zero stays zero)."""
    if base <= 1 or value == 0:
        return value
    rounded = int(base * round(value / base))
    while rounded < threshold:
        rounded += base
    return rounded


def complete(values: dict) -> dict:
    """Fill missing cells of the grid with zeros (rows × columns seen)."""
    rows = {row for row, _ in values}
    cols = {col for _, col in values}
    return {(row, col): values.get((row, col), 0) for row in rows for col in cols}


def protect(values: dict, threshold: int = DEFAULT_THRESHOLD, rounding: int = 0) -> Published:
    """The publishable table: every cell of the grid with its value or None when suppressed."""
    values = complete(values)
    hidden = secondary(values, primary(values, threshold), threshold)
    return Published(
        {
            cell: None if cell in hidden else round_published(value, rounding, threshold)
            for cell, value in values.items()
        }
    )
