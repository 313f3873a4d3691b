"""Batch entry points: ``train`` (EM), ``estimate``, ``deduplicate``."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from .blocking import MAX_BLOCK_SIZE, birth_date_key, candidate_pairs, names_key
from .compare import COMPARISONS, compare_levels
from .model import Model
from .record import Prepared, prepare

__all__ = ["Pair", "deduplicate", "estimate", "train", "MIN_TRAIN_RECORDS"]

#: Below this many records, ``deduplicate`` keeps the cold-start model (EM needs data).
MIN_TRAIN_RECORDS = 500
U_SAMPLE_PAIRS = 100_000
U_MIN_COUNT = 10  # fewer observations of a level than this: keep the cold-start u
EM_MAX_ITER = 100
EM_TOL = 1e-7
M_PSEUDO_COUNT = 1.0
MIN_EM_PAIRS = 50  # fewer training pairs than this: keep the cold-start m
SEED = 20240611


class Pair(NamedTuple):
    """A predicted duplicate: ``id_a < id_b``; ``score`` is the matching probability."""

    id_a: str
    id_b: str
    score: float
    grade: str


def _by_id(p: Prepared) -> str:
    return p.id


def _as_prepared(records: Iterable[Mapping | Prepared]) -> list[Prepared]:
    out = sorted((r if isinstance(r, Prepared) else prepare(r) for r in records), key=_by_id)
    ids = Counter(p.id for p in out)
    dup = sorted(i for i, c in ids.items() if c > 1)
    if dup:
        raise ValueError(f"duplicated record id {dup[0]!r}")
    return out


def _random_pairs(n: int, k: int, seed: int) -> list[tuple[int, int]]:
    """Up to ``k`` distinct random index pairs, deterministic for a seed (all pairs if few)."""
    total = n * (n - 1) // 2
    if total <= k:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    rng = random.Random(seed)
    seen: set[tuple[int, int]] = set()
    while len(seen) < k:
        i, j = rng.randrange(n), rng.randrange(n)
        if i != j:
            seen.add((min(i, j), max(i, j)))
    return sorted(seen)


def _estimate_u(records: Sequence[Prepared], base: Model, seed: int) -> dict[str, list[float]]:
    """u from random pairs (nearly all non-matches); rarely seen levels keep the prior u."""
    counts = [Counter() for _ in COMPARISONS]
    for i, j in _random_pairs(len(records), U_SAMPLE_PAIRS, seed):
        levels, _, _ = compare_levels(records[i], records[j])
        for c, lv in zip(counts, levels, strict=True):
            c[lv] += 1
    u: dict[str, list[float]] = {}
    for (name, levels), c in zip(COMPARISONS, counts, strict=True):
        k = len(levels) - 1
        n_obs = sum(c[i] for i in range(k))
        if n_obs == 0:
            u[name] = list(base.u[name])
            continue
        # a level seen too rarely keeps its cold-start u; all are then renormalised
        vals = [c[i] / n_obs if c[i] >= U_MIN_COUNT else base.u[name][i] for i in range(k)]
        s = sum(vals)
        u[name] = [v / s for v in vals]
    return u


def _em(
    patterns: Counter,
    m0: dict[str, list[float]],
    u: dict[str, list[float]],
    fixed: frozenset[str] = frozenset(),
    lam: float = 0.1,
    update_m: bool = True,
) -> tuple[dict[str, list[float]], float]:
    """EM over distinct level patterns (weighted by their counts), u held fixed.

    Fields in ``fixed`` (those the training pairs were selected on) are left out of the
    posterior and their m is not updated. Returns (m, share of pairs that match).
    Deterministic: patterns are visited in sorted order.
    """
    items = sorted(patterns.items())
    names = [name for name, _ in COMPARISONS]
    used = [f for f, name in enumerate(names) if name not in fixed]
    miss = [len(levels) - 1 for _, levels in COMPARISONS]
    m = {k: list(v) for k, v in m0.items()}
    for _ in range(EM_MAX_ITER):
        acc = [[0.0] * (len(levels) - 1) for _, levels in COMPARISONS]
        tot_r = 0.0
        total = 0
        for pattern, count in items:
            pm, pu = lam, 1.0 - lam
            for f in used:
                lv = pattern[f]
                if lv != miss[f]:
                    pm *= m[names[f]][lv]
                    pu *= u[names[f]][lv]
            r = pm / (pm + pu) if pm + pu > 0 else 0.0
            rc = r * count
            tot_r += rc
            total += count
            for f in used:
                lv = pattern[f]
                if lv != miss[f]:
                    acc[f][lv] += rc
        new_lam = min(max(tot_r / total if total else lam, 1e-9), 1 - 1e-9)
        new_m = dict(m)
        if update_m:
            for f in used:
                name = names[f]
                s = sum(acc[f]) + M_PSEUDO_COUNT
                vals = [
                    max((a + M_PSEUDO_COUNT * x) / s, 1e-6)
                    for a, x in zip(acc[f], m0[name], strict=True)
                ]
                t = sum(vals)
                new_m[name] = [x / t for x in vals]
        delta = abs(new_lam - lam) + max(
            abs(x - y) for name in names for x, y in zip(new_m[name], m[name], strict=True)
        )
        m, lam = new_m, new_lam
        if delta < EM_TOL:
            break
    return m, lam


def _patterns(
    records: Sequence[Prepared],
    pairs: Iterable[tuple[int, int]],
    known: Mapping[tuple[int, int], tuple[int, ...]] | None = None,
) -> Counter:
    """Level-pattern counts over ``pairs``; ``known`` holds levels already computed."""
    c: Counter = Counter()
    known = known or {}
    for pair in pairs:
        levels = known.get(pair)
        if levels is None:
            levels = compare_levels(records[pair[0]], records[pair[1]])[0]
        c[levels] += 1
    return c


_NAME_FIELDS = frozenset({"surname", "first_names"})
_OTHER_FIELDS = frozenset(name for name, _ in COMPARISONS) - _NAME_FIELDS


def _fit(
    records: Sequence[Prepared],
    patterns: Counter,
    n_pairs: int,
    base: Model | None = None,
    seed: int = SEED,
    max_block_size: int = MAX_BLOCK_SIZE,
    known: Mapping[tuple[int, int], tuple[int, ...]] | None = None,
) -> Model:
    """u by random sampling; m by two EM sessions (Splink's recipe):

    1. pairs with the same first name and surname: m of every other field, names left out;
    2. pairs with the same full birth date: m of the name fields, the others left out.

    Conditioning each session on the fields it was selected by keeps EM from mistaking
    homonyms (same name, different people) for a cluster of matches. Finally the share of
    matches among the candidate ``patterns`` is estimated with m and u fixed, and rescaled to
    a prior over all record pairs.
    """
    base = base or Model.default()
    u = _estimate_u(records, base, seed)
    m = {k: list(v) for k, v in base.m.items()}
    by_names = _patterns(records, candidate_pairs(records, max_block_size, (names_key,)), known)
    if sum(by_names.values()) >= MIN_EM_PAIRS:
        m1, _ = _em(by_names, base.m, u, fixed=_NAME_FIELDS, lam=0.5)
        m.update({k: m1[k] for k in _OTHER_FIELDS})
    by_date = _patterns(records, candidate_pairs(records, max_block_size, (birth_date_key,)), known)
    if sum(by_date.values()) >= MIN_EM_PAIRS:
        m2, _ = _em(by_date, base.m, u, fixed=_OTHER_FIELDS, lam=0.1)
        m.update({k: m2[k] for k in _NAME_FIELDS})
    _, lam = _em(patterns, m, u, lam=0.1, update_m=False)
    n = len(records)
    total_pairs = max(n * (n - 1) // 2, 1)
    prior = min(max(lam * n_pairs / total_pairs, 1e-12), 0.5)
    model = Model(m=m, u=u, prior=prior, thresholds=dict(base.thresholds))
    return model.with_term_frequencies(records)


def estimate(
    prepared_records: Sequence[Prepared],
    pairs: Iterable[tuple[int, int]],
    base: Model | None = None,
    seed: int = SEED,
) -> Model:
    """Estimate a model from records and candidate index pairs (usually blocked pairs).

    u comes from random record pairs (seeded), m and the share of matches among ``pairs``
    from EM with u fixed; the prior is rescaled to all record pairs; term frequencies come
    from ``prepared_records``. Deterministic for given inputs and seed.
    """
    recs = list(prepared_records)
    patterns = _patterns(recs, pairs)
    return _fit(recs, patterns, sum(patterns.values()), base, seed)


def train(
    records: Iterable[Mapping | Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    base: Model | None = None,
) -> Model:
    """Unsupervised training (EM on blocked pairs) of a model for these records."""
    recs = _as_prepared(records)
    return estimate(recs, candidate_pairs(recs, max_block_size), base)


def deduplicate(
    records: Iterable[Mapping | Prepared],
    model: Model | None = None,
    threshold: float | None = None,
    max_block_size: int = MAX_BLOCK_SIZE,
) -> list[Pair]:
    """Predicted duplicate pairs with ``score >= threshold``, sorted by ``(id_a, id_b)``.

    Without ``model``, a model is trained on the records themselves by EM (from
    ``MIN_TRAIN_RECORDS`` records up), else the cold-start ``Model.default()`` is used.
    ``threshold`` defaults to the model's ``possible`` threshold. Raises ``ValueError`` on a
    duplicated id or a malformed field.
    """
    recs = _as_prepared(records)
    pairs = candidate_pairs(recs, max_block_size)
    compared = [compare_levels(recs[i], recs[j]) for i, j in pairs]
    if model is None:
        if len(recs) >= MIN_TRAIN_RECORDS:
            known = {pair: c[0] for pair, c in zip(pairs, compared, strict=True)}
            patterns = Counter(known.values())
            model = _fit(recs, patterns, len(pairs), max_block_size=max_block_size, known=known)
            del known
        else:
            model = Model.default()
    cut = model.thresholds["possible"] if threshold is None else threshold
    out: list[Pair] = []
    for (i, j), (levels, s_val, f_val) in zip(pairs, compared, strict=True):
        score = model.probability(model.weight_of(levels, s_val, f_val))
        if score >= cut:
            a, b = recs[i].id, recs[j].id
            if b < a:
                a, b = b, a
            out.append(Pair(a, b, score, model.grade(score) or "possible"))
    out.sort()
    return out
