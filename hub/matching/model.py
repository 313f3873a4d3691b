"""Fellegi-Sunter model: m/u probabilities per comparison level, prior, term frequencies.

* ``m`` = P(level | same person), ``u`` = P(level | different persons). A level's weight is
  ``log2(m / u)`` bits; ``missing`` weighs 0.
* The pair's match weight is ``log2(prior / (1 - prior))`` plus the level weights, where
  ``prior`` is the probability that two records drawn at random are the same person; the
  score is the matching probability ``2**w / (1 + 2**w)``.
* Term frequencies: an exact surname or first-name agreement is worth ``log2(m / f)`` where
  ``f`` is the frequency of that name (MARTIN agrees by chance far more often than a rare
  name), bounded to [u/20, 20u] around the level's average ``u``.
* Grades are probability thresholds chosen on principle, not fitted: ``possible`` = more
  likely than not (0.5), ``probable`` = 9 chances in 10, ``certain`` = 99 in 100.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .compare import COMPARISONS, compare_levels
from .record import Prepared

__all__ = ["Comparison", "DEFAULT_THRESHOLDS", "Model"]

DEFAULT_THRESHOLDS: dict[str, float] = {"certain": 0.99, "probable": 0.9, "possible": 0.5}
TF_FIELDS = ("surname", "first_names")
TF_BOUND = 20.0
MAX_TF_VALUES = 20_000
#: Cold-start prior: about one duplicate pair per 100,000 random pairs of records.
DEFAULT_PRIOR = 1e-5

# Cold-start m and u for the non-missing levels, in the order of ``COMPARISONS``. They are
# order-of-magnitude judgements about French administrative data, normalised to sum to 1.
_DEFAULT_M: dict[str, tuple[float, ...]] = {
    "surname": (0.82, 0.01, 0.05, 0.04, 0.03, 0.02, 0.03),
    "first_names": (0.85, 0.01, 0.05, 0.03, 0.03, 0.01, 0.02),
    "sex": (0.98, 0.02),
    "birth_date": (0.88, 0.01, 0.02, 0.01, 0.04, 0.01, 0.03),
    "birth_place": (0.90, 0.03, 0.07),
    "city": (0.60, 0.05, 0.10, 0.25),
    "address": (0.50, 0.15, 0.35),
    "phone": (0.60, 0.02, 0.38),
    "email": (0.70, 0.05, 0.25),
    "nir": (0.90, 0.03, 0.07),
}
_DEFAULT_U: dict[str, tuple[float, ...]] = {
    "surname": (0.002, 0.00005, 0.001, 0.004, 0.0005, 0.01, 0.98245),
    "first_names": (0.01, 0.00005, 0.005, 0.005, 0.002, 0.02, 0.95795),
    "sex": (0.5, 0.5),
    "birth_date": (3e-5, 1e-3, 0.015, 3e-5, 1e-3, 7e-5, 0.98287),
    "birth_place": (0.02, 0.005, 0.975),
    "city": (0.01, 0.002, 0.01, 0.978),
    "address": (5e-4, 2e-3, 0.9975),
    "phone": (1e-4, 1e-4, 0.9998),
    "email": (1e-5, 1e-4, 0.99989),
    "nir": (1e-6, 1e-5, 0.999989),
}


def _norm(values: Iterable[float]) -> list[float]:
    v = list(values)
    s = sum(v)
    return [x / s for x in v]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Result of comparing two records.

    ``score`` is the matching probability (0..1), ``weight`` the match weight in bits
    (prior included), ``grade`` ``certain``/``probable``/``possible`` or ``None``,
    ``explanation`` one ``{"field", "level", "weight"}`` per compared field.
    """

    score: float
    weight: float
    grade: str | None
    explanation: list[dict]


@dataclass
class Model:
    """Fellegi-Sunter parameters. Build with ``Model.default()``, ``train()`` or
    ``Model.from_dict()``; treat as immutable once built."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float = DEFAULT_PRIOR
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    tf: dict[str, dict[str, float]] = field(default_factory=dict)
    tf_floor: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._weights: list[list[float]] = []
        for name, levels in COMPARISONS:
            m, u = self.m[name], self.u[name]
            if len(m) != len(levels) - 1 or len(u) != len(levels) - 1:
                raise ValueError(f"{name}: expected {len(levels) - 1} m/u values")
            self._weights.append([math.log2(mi / ui) for mi, ui in zip(m, u, strict=True)] + [0.0])
        self._prior_weight = math.log2(self.prior / (1.0 - self.prior))
        self._pattern_cache: dict[tuple[int, ...], float] = {}

    # --- construction -----------------------------------------------------------------

    @classmethod
    def default(cls) -> Model:
        """Cold-start model: documented m/u judgements, no term frequencies."""
        return cls(
            m={k: _norm(v) for k, v in _DEFAULT_M.items()},
            u={k: _norm(v) for k, v in _DEFAULT_U.items()},
        )

    def to_dict(self) -> dict:
        """JSON-serialisable parameters (levels named, so the file is readable)."""
        return {
            "version": 1,
            "prior": self.prior,
            "thresholds": dict(self.thresholds),
            "comparisons": {
                name: {
                    lvl: {"m": self.m[name][i], "u": self.u[name][i]}
                    for i, lvl in enumerate(levels[:-1])
                }
                for name, levels in COMPARISONS
            },
            "term_frequencies": {
                f: {"floor": self.tf_floor.get(f, 0.0), "values": dict(sorted(t.items()))}
                for f, t in self.tf.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Model:
        """Inverse of ``to_dict``. Raises ``ValueError`` on a malformed document."""
        try:
            comps = data["comparisons"]
            m = {n: [float(comps[n][lvl]["m"]) for lvl in lv[:-1]] for n, lv in COMPARISONS}
            u = {n: [float(comps[n][lvl]["u"]) for lvl in lv[:-1]] for n, lv in COMPARISONS}
            tfs = data.get("term_frequencies", {})
            return cls(
                m=m,
                u=u,
                prior=float(data["prior"]),
                thresholds={k: float(v) for k, v in data["thresholds"].items()},
                tf={f: {str(k): float(v) for k, v in t["values"].items()} for f, t in tfs.items()},
                tf_floor={f: float(t["floor"]) for f, t in tfs.items()},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed model document: {exc!r}") from exc

    def with_term_frequencies(self, records: Iterable[Prepared]) -> Model:
        """A copy whose exact name agreements are weighted by name frequency in ``records``."""
        counts = {"surname": Counter(), "first_names": Counter()}
        n = 0
        for p in records:
            n += 1
            counts["surname"].update(set(p.surnames))
            if p.first:
                counts["first_names"][p.first] += 1
        tf: dict[str, dict[str, float]] = {}
        floor: dict[str, float] = {}
        for f, c in counts.items():
            ranked = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            kept = [kv for kv in ranked[:MAX_TF_VALUES] if kv[1] >= 2]
            tf[f] = {k: v / n for k, v in kept}
            rest = ranked[len(kept)][1] if len(ranked) > len(kept) else 1
            floor[f] = max(rest, 1) / n if n else 0.0
        return Model(
            m=self.m, u=self.u, prior=self.prior, thresholds=self.thresholds, tf=tf, tf_floor=floor
        )

    # --- scoring ----------------------------------------------------------------------

    def grade(self, score: float) -> str | None:
        t = self.thresholds
        for g in ("certain", "probable", "possible"):
            if score >= t[g]:
                return g
        return None

    def _tf_adjust(self, name: str, index: int, value: str) -> float:
        """Weight correction for an exact agreement on ``value`` (0 without tables)."""
        table = self.tf.get(name)
        if table is None or not value:
            return 0.0
        u = self.u[name][0]
        f = table.get(value, self.tf_floor.get(name, u))
        f = min(max(f, u / TF_BOUND), u * TF_BOUND)
        return math.log2(u / f)

    def pattern_weight(self, levels: tuple[int, ...]) -> float:
        """Match weight (prior included) of a level pattern, before term frequencies."""
        w = self._pattern_cache.get(levels)
        if w is None:
            w = self._prior_weight + sum(
                ws[lv] for ws, lv in zip(self._weights, levels, strict=True)
            )
            self._pattern_cache[levels] = w
        return w

    def weight_of(self, levels: tuple[int, ...], surname: str, first: str) -> float:
        w = self.pattern_weight(levels)
        if surname:
            w += self._tf_adjust("surname", 0, surname)
        if first:
            w += self._tf_adjust("first_names", 1, first)
        return w

    @staticmethod
    def probability(weight: float) -> float:
        if weight > 60:
            return 1.0
        if weight < -60:
            return 0.0
        o = 2.0**weight
        return o / (1.0 + o)

    def compare(self, a: Prepared, b: Prepared) -> Comparison:
        """Score one pair and explain it field by field (symmetric in ``a``, ``b``)."""
        levels, s_val, f_val = compare_levels(a, b)
        tf_adj = {
            "surname": self._tf_adjust("surname", 0, s_val),
            "first_names": self._tf_adjust("first_names", 1, f_val),
        }
        explanation = []
        for (name, names), ws, lv in zip(COMPARISONS, self._weights, levels, strict=True):
            w = ws[lv] + tf_adj.get(name, 0.0)
            explanation.append({"field": name, "level": names[lv], "weight": round(w, 2)})
        weight = self.pattern_weight(levels) + tf_adj["surname"] + tf_adj["first_names"]
        score = self.probability(weight)
        return Comparison(
            score=score, weight=weight, grade=self.grade(score), explanation=explanation
        )
