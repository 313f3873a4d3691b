"""Batch entry points: ``train`` (EM), ``estimate``, ``deduplicate``."""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from .batch import Encoded, columns
from .batch_keys import Parts, parts_of, sampled_date_codes, training_codes
from .batch_levels import levels as pair_levels
from .batch_levels import pattern_counts
from .batch_run import scored
from .blocking import MAX_BLOCK_SIZE, birth_date_key, candidate_codes, names_key
from .compare import COMPARISONS
from .household import estimate_household_share, household_codes, household_levels
from .model import Model
from .record import Prepared, prepare

__all__ = ["Pair", "deduplicate", "estimate", "train", "MIN_TRAIN_RECORDS"]

#: Below this many records, ``deduplicate`` keeps the cold-start model (EM needs data).
MIN_TRAIN_RECORDS = 500
U_SAMPLE_PAIRS = 60_000
U_MIN_COUNT = 10  # fewer observations of a level than this: keep the cold-start u
EM_MAX_ITER = 100
EM_TOL = 1e-7
M_PSEUDO_COUNT = 1.0
MIN_EM_PAIRS = 50
EM_MAX_PAIRS = 100_000  # fewer training pairs than this: keep the cold-start m
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
    # sorted by id, a duplicated id is two neighbours (the first such pair: the smallest id)
    for a, b in pairwise(out):
        if a.id == b.id:
            raise ValueError(f"duplicated record id {a.id!r}")
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


def _arrays(pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs as two arrays."""
    flat = np.fromiter((k for pair in pairs for k in pair), np.int64, 2 * len(pairs))
    return flat[0::2], flat[1::2]


def _estimate_u(
    records: Sequence[Prepared], base: Model, seed: int, e: Encoded
) -> dict[str, list[float]]:
    """u from random pairs (nearly all non-matches); rarely seen levels keep the prior u."""
    lv = pair_levels(e, *_arrays(_random_pairs(len(records), U_SAMPLE_PAIRS, seed)))
    counts = [
        np.bincount(lv[:, f], minlength=len(names)).tolist()
        for f, (_, names) in enumerate(COMPARISONS)
    ]
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


def _sampled(records: Sequence[Prepared], codes) -> tuple[np.ndarray, np.ndarray]:
    """The evenly spaced subset of sorted pair ``codes`` that ``_patterns`` would take of the
    same pairs, as index arrays (no tuple of all: 18M same-date pairs at 1M)."""
    n = max(len(records), 1)
    sub = np.asarray(codes, dtype=np.int64)[:: max(1, -(-len(codes) // EM_MAX_PAIRS))]
    return sub // n, sub % n


def _patterns(records: Sequence[Prepared], pairs, e: Encoded) -> Counter:
    """Level-pattern counts over ``pairs`` (index arrays ``(i, j)`` or a list of pairs; an
    evenly spaced subset of at most ``EM_MAX_PAIRS``: EM needs pattern frequencies, not
    every pair)."""
    i, j = pairs if isinstance(pairs, tuple) else _arrays(pairs)
    step = max(1, -(-len(i) // EM_MAX_PAIRS))
    return pattern_counts(pair_levels(e, i[::step], j[::step]))


_NAME_FIELDS = frozenset({"surname", "first_names"})
# sex follows the first name, so it is not evidence among same-name pairs: its m stays the
# cold-start one.
_SESSION1_FIXED = _NAME_FIELDS | {"sex"}
_OTHER_FIELDS = frozenset(name for name, _ in COMPARISONS) - _NAME_FIELDS
#: A crossed first name (one's first name is the other's surname) cannot be learnt by the
#: same-birth-date session: it reads matches from the names alone, and a crossed pair's names
#: disagree on the other side, so EM files every such pair with the non-matches (m -> 0). Its
#: m keeps the cold-start value; its u is measured like any other.
_F_CROSSED = dict(COMPARISONS)["first_names"].index("crossed")


def _keep_level(m: list[float], base: Sequence[float], index: int) -> list[float]:
    """``m`` with level ``index`` set back to ``base``'s value, the others rescaled."""
    rest = 1.0 - m[index]
    scale = (1.0 - base[index]) / rest if rest > 0 else 0.0
    return [base[index] if i == index else v * scale for i, v in enumerate(m)]


#: EM starts from few matches: starting high lets a large homonym cluster capture the match
#: class (with many homonyms, a 50 % start converges to "match = anything"); a true match
#: pattern has such a Bayes factor that a low start does not hide it.
EM_START_SHARE = 0.01


def _fit(
    records: Sequence[Prepared],
    candidates: Callable[[Encoded], tuple[Counter, int]],
    base: Model | None = None,
    seed: int = SEED,
    max_block_size: int = MAX_BLOCK_SIZE,
    parts: Parts | None = None,
    e: Encoded | None = None,
) -> Model:
    """u by random sampling; m by two EM sessions (Splink's recipe):

    1. pairs with the same first name and surname: m of every other field, names left out;
    2. pairs with the same full birth date: m of the name fields, the others left out.

    Conditioning each session on the fields it was selected by keeps EM from mistaking
    homonyms (same name, different people) for a cluster of matches.

    The prior (share of matching pairs among all pairs) is the number of matches session 1
    found among same-name pairs divided by that rule's recall, which the model itself gives:
    P(first name and surname both exact | match) = m_first[exact] * m_surname[exact] (the
    "deterministic rule / recall" estimate of Splink, with the recall estimated rather than
    guessed). EM over all candidate pairs would overstate it: thousands of weakly similar
    candidates each add a little posterior mass. Small data (too few same-name pairs) falls
    back to that EM over the candidate ``patterns``.

    The household share (pairs of two people living together, ``household.py``) is counted
    on the records; the sharing rates are the base model's.

    Every pair's levels come from ``batch_levels.levels`` (``e``: the records' codes, made
    here unless given), the same as ``compare_levels``'.
    """
    base = base or Model.default()
    if e is None:
        e = Encoded(columns(records, parts))
    u = _estimate_u(records, base, seed, e)
    m = {k: list(v) for k, v in base.m.items()}
    if parts is None:
        names_codes = candidate_codes(records, max_block_size, (names_key,))
    else:  # the same codes, from the batch's integer parts
        names_codes = training_codes(parts, "names", max_block_size)
    by_names = _patterns(records, _sampled(records, names_codes), e)
    n_names = len(names_codes)
    del names_codes
    lam_names = None
    if sum(by_names.values()) >= MIN_EM_PAIRS:
        m1, lam_names = _em(by_names, base.m, u, fixed=_SESSION1_FIXED, lam=EM_START_SHARE)
        m.update({k: m1[k] for k in _OTHER_FIELDS - {"sex"}})
    if parts is None:
        date_pairs = _sampled(records, candidate_codes(records, max_block_size, (birth_date_key,)))
    else:  # the same sample, drawn from the ranks of the pairs (none of them is built)
        sample, _ = sampled_date_codes(parts, EM_MAX_PAIRS, max_block_size)
        date_pairs = _sampled(records, sample)
    by_date = _patterns(records, date_pairs, e)
    if sum(by_date.values()) >= MIN_EM_PAIRS:
        m2, _ = _em(by_date, base.m, u, fixed=_OTHER_FIELDS, lam=EM_START_SHARE)
        m.update({k: m2[k] for k in _NAME_FIELDS})
        m["first_names"] = _keep_level(m["first_names"], base.m["first_names"], _F_CROSSED)
    n = len(records)
    total_pairs = max(n * (n - 1) // 2, 1)
    if lam_names is not None:
        recall = m["first_names"][0] * m["surname"][0]
        matches = lam_names * n_names / max(recall, 0.05)
    else:
        patterns, n_pairs = candidates(e)
        _, lam = _em(patterns, m, u, lam=EM_START_SHARE, update_m=False)
        matches = lam * n_pairs
    prior = min(max(matches / total_pairs, 1e-12), 0.5)
    household = household_levels(m, u, base.sharing)
    share = estimate_household_share(
        records,
        m,
        household,
        prior,
        max_block_size,
        lambda i, j: pair_levels(e, i, j),
        None if parts is None else household_codes(parts, max_block_size),
    )
    model = Model(
        m=m,
        u=u,
        prior=prior,
        thresholds=dict(base.thresholds),
        household_share=share,
        sharing=dict(base.sharing),
    )
    return model.with_term_frequencies(records)


def estimate(
    prepared_records: Sequence[Prepared],
    pairs: Iterable[tuple[int, int]],
    base: Model | None = None,
    seed: int = SEED,
) -> Model:
    """Estimate a model from records and candidate index pairs (usually blocked pairs).

    u comes from random record pairs (seeded); m from two EM sessions with u fixed (see
    ``_fit``); the prior from the same-name session, or, on data too small for it, from EM
    over ``pairs``; term frequencies from ``prepared_records``. Deterministic for given inputs
    and seed.
    """
    recs = list(prepared_records)
    pairs = list(pairs)
    return _fit(recs, lambda e: (_patterns(recs, pairs, e), len(pairs)), base, seed)


def train(
    records: Iterable[Mapping | Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    base: Model | None = None,
) -> Model:
    """Unsupervised training (EM on blocked pairs) of a model for these records."""
    recs = _as_prepared(records)
    patterns = _candidate_patterns(recs, max_block_size)  # only read on small data
    return _fit(recs, patterns, base, SEED, MAX_BLOCK_SIZE, parts_of(recs))


def _candidate_patterns(
    recs: Sequence[Prepared], max_block_size: int
) -> Callable[[Encoded], tuple[Counter, int]]:
    def patterns(e: Encoded) -> tuple[Counter, int]:
        codes = candidate_codes(recs, max_block_size)
        return _patterns(recs, _sampled(recs, codes), e), len(codes)

    return patterns


def deduplicate(
    records: Iterable[Mapping | Prepared],
    model: Model | None = None,
    threshold: float | None = None,
    max_block_size: int = MAX_BLOCK_SIZE,
    workers: int = 1,
) -> list[Pair]:
    """Predicted duplicate pairs with ``score >= threshold``, sorted by ``(id_a, id_b)``.

    Without ``model``, a model is trained on the records themselves by EM (from
    ``MIN_TRAIN_RECORDS`` records up), else the cold-start ``Model.default()`` is used.
    ``threshold`` defaults to the model's ``possible`` threshold. ``workers`` > 1 scores
    candidate pairs in that many forked processes (same result; ignored where forking is
    not possible). Raises ``ValueError`` on a duplicated id or a malformed field.

    Candidate pairs are made task by task from integer arrays (``batch_run``: each pair
    once, no set of all pairs), bounded by ``batch.bounded`` (in the workers when there are
    several), and the pairs that may reach the cut are compared.
    """
    enabled = gc.isenabled()
    gc.disable()  # the batch makes no reference cycles; scans of its records cost ~10 %
    try:
        return _deduplicate(records, model, threshold, max_block_size, workers)
    finally:
        if enabled:
            gc.enable()


def _deduplicate(
    records: Iterable[Mapping | Prepared],
    model: Model | None,
    threshold: float | None,
    max_block_size: int,
    workers: int,
) -> list[Pair]:
    recs = _as_prepared(records)
    parts = parts_of(recs)
    base = columns(recs, parts)  # the records' codes, for training and scoring
    if model is None:
        if len(recs) >= MIN_TRAIN_RECORDS:
            patterns = _candidate_patterns(recs, max_block_size)
            model = _fit(recs, patterns, None, SEED, max_block_size, parts, Encoded(base))
        else:
            model = Model.default()
    cut = model.thresholds["possible"] if threshold is None else threshold
    out: list[Pair] = []
    grade = model.grade
    results = scored(recs, model, cut, max_block_size, workers, parts, base=base)
    del parts, base  # ``scored`` lets them go once the blocks and codes are made
    for i, j, score in results:
        a, b = recs[i].id, recs[j].id
        if b < a:
            a, b = b, a
        out.append(Pair(a, b, score, grade(score) or "possible"))
    out.sort()
    return out
