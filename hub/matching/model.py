"""Fellegi-Sunter model: m/u probabilities per comparison level, prior, term frequencies.

* ``m`` = P(level | same person), ``u`` = P(level | different persons). A level's weight is
  ``log2(m / u)`` bits; ``missing`` weighs 0.
* The pair's match weight is ``log2(prior / (1 - prior))`` plus the level weights, where
  ``prior`` is the probability that two records drawn at random are the same person; the
  score is the matching probability ``2**w / (1 + 2**w)``.
* Term frequencies: an exact surname or first-name agreement is worth ``log2(m / f)`` where
  ``f`` is the frequency of that name (MARTIN agrees by chance far more often than a rare
  name), bounded to [u/20, 20u] around the level's average ``u``.
* Household fields (city, address, phone) are shared by relatives living together and
  depend on each other: when first names differ (a relative's pattern), their disagreements
  all count, only their strongest agreement does.
* Household hypothesis (``household.py``): the evidence is also weighed against "two members
  of one household", so that twins, siblings and spouses (same surname, address, sometimes
  birth date, other first names) are not read as one person; its share of pairs is estimated
  on the data.
* Grades are probability thresholds chosen on principle, not fitted: ``possible`` = more
  likely than not (0.5), ``probable`` = 9 chances in 10, ``certain`` = 99 in 100.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .compare import COMPARISONS, compare_levels
from .household import DEFAULT_HOUSEHOLD_SHARE, DEFAULT_SHARING, household_levels
from .record import Prepared

__all__ = ["Comparison", "DEFAULT_THRESHOLDS", "Model"]

DEFAULT_THRESHOLDS: dict[str, float] = {"certain": 0.99, "probable": 0.9, "possible": 0.5}
TF_FIELDS = ("surname", "first_names")
HOUSEHOLD = ("city", "address", "phone")
_FIRST_INDEX = [name for name, _ in COMPARISONS].index("first_names")
_FIRST_DIFFERENT = frozenset(
    i for i, lv in enumerate(COMPARISONS[_FIRST_INDEX][1]) if lv in ("different", "different_sex")
)
_HOUSEHOLD_INDEX = tuple(i for i, (name, _) in enumerate(COMPARISONS) if name in HOUSEHOLD)
TF_BOUND = 20.0
_TF_MAX = 2 * math.log2(TF_BOUND)
MAX_TF_VALUES = 20_000
#: Cold-start prior: about one duplicate pair per 100,000 random pairs of records.
DEFAULT_PRIOR = 1e-5

# Cold-start m and u for the non-missing levels, in the order of ``COMPARISONS``. They are
# order-of-magnitude judgements about French administrative data, normalised to sum to 1.
_DEFAULT_M: dict[str, tuple[float, ...]] = {
    "surname": (0.82, 0.01, 0.05, 0.04, 0.03, 0.02, 0.03),
    # exact, swapped, partial, usual_form, phonetic, typo, fuzzy, crossed, different,
    # different_sex
    "first_names": (0.85, 0.01, 0.05, 0.005, 0.03, 0.03, 0.01, 0.005, 0.02, 0.002),
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
    "first_names": (0.01, 0.00005, 0.005, 0.0002, 0.005, 0.002, 0.02, 0.0003, 0.4797, 0.47775),
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


def _levels_of(
    doc: Mapping, levels: tuple[str, ...], key: str, default: Iterable[float]
) -> list[float]:
    """Probabilities of ``levels`` (missing excluded) read from a model document; a level the
    document does not know (a model saved before that level existed) takes its default value
    and the whole is renormalised."""
    vals = []
    for lvl, d in zip(levels[:-1], default, strict=True):
        if lvl in doc:
            vals.append(float(doc[lvl][key]))
        else:
            vals.append(float(d))
    return _norm(vals)


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
    household_share: float = DEFAULT_HOUSEHOLD_SHARE
    sharing: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARING))

    def __post_init__(self) -> None:
        self._weights: list[list[float]] = []
        self._h_weights: list[list[float]] = []
        for name, levels in COMPARISONS:
            m, u = self.m[name], self.u[name]
            if len(m) != len(levels) - 1 or len(u) != len(levels) - 1:
                raise ValueError(f"{name}: expected {len(levels) - 1} m/u values")
            self._weights.append([math.log2(mi / ui) for mi, ui in zip(m, u, strict=True)] + [0.0])
        self.household = household_levels(self.m, self.u, self.sharing)
        for name, _ in COMPARISONS:
            m, h = self.m[name], self.household[name]
            self._h_weights.append([math.log2(a / b) for a, b in zip(m, h, strict=True)] + [0.0])
        self._prior_weight = math.log2(self.prior / (1.0 - self.prior))
        # prior odds of a match against a household pair; None: no household hypothesis
        self._h_prior_weight = (
            math.log2(self.prior / self.household_share) if self.household_share > 0 else None
        )
        self._pattern_cache: dict[tuple[int, ...], tuple[float, float | None]] = {}
        self._bound_cache: dict[tuple[int, ...], float] = {}

    # --- construction -----------------------------------------------------------------

    @classmethod
    def default(cls) -> Model:
        """Cold-start model: documented m/u judgements, no term frequencies."""
        return cls(
            m={k: _norm(v) for k, v in _DEFAULT_M.items()},
            u={k: _norm(v) for k, v in _DEFAULT_U.items()},
        )

    def _copy(self, **changes) -> Model:
        fields = {
            "m": self.m,
            "u": self.u,
            "prior": self.prior,
            "thresholds": self.thresholds,
            "tf": self.tf,
            "tf_floor": self.tf_floor,
            "household_share": self.household_share,
            "sharing": self.sharing,
        }
        return Model(**{**fields, **changes})

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
            "household": {"share": self.household_share, "sharing": dict(self.sharing)},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Model:
        """Inverse of ``to_dict``. Raises ``ValueError`` on a malformed document."""
        try:
            comps = data["comparisons"]
            m = {n: _levels_of(comps[n], lv, "m", _DEFAULT_M[n]) for n, lv in COMPARISONS}
            u = {n: _levels_of(comps[n], lv, "u", _DEFAULT_U[n]) for n, lv in COMPARISONS}
            tfs = data.get("term_frequencies", {})
            hh = data.get("household") or {}
            sharing = {**DEFAULT_SHARING, **{k: float(v) for k, v in hh.get("sharing", {}).items()}}
            return cls(
                m=m,
                u=u,
                prior=float(data["prior"]),
                thresholds={k: float(v) for k, v in data["thresholds"].items()},
                tf={f: {str(k): float(v) for k, v in t["values"].items()} for f, t in tfs.items()},
                tf_floor={f: float(t["floor"]) for f, t in tfs.items()},
                household_share=float(hh.get("share", DEFAULT_HOUSEHOLD_SHARE)),
                sharing=sharing,
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
        return self._copy(tf=tf, tf_floor=floor)

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

    def field_weights(self, levels: tuple[int, ...]) -> list[float]:
        """Weight each field contributes (before term frequencies).

        The household fields (``HOUSEHOLD``: city, address, phone) are strongly dependent and
        are shared by relatives living together. When the first names are different (the
        pattern of a relative), their disagreements all count but only the strongest of their
        agreements does.
        """
        ws = [table[lv] for table, lv in zip(self._weights, levels, strict=True)]
        if levels[_FIRST_INDEX] not in _FIRST_DIFFERENT:
            return ws
        positive = [i for i in _HOUSEHOLD_INDEX if ws[i] > 0]
        if len(positive) > 1:
            keep = max(positive, key=lambda i: (ws[i], -i))
            for i in positive:
                if i != keep:
                    ws[i] = 0.0
        return ws

    def _pattern(self, levels: tuple[int, ...]) -> tuple[float, float | None]:
        """(weight against random pairs, weight against household pairs), priors included,
        before term frequencies; the second is None without a household hypothesis."""
        w = self._pattern_cache.get(levels)
        if w is None:
            w_rand = self._prior_weight + sum(self.field_weights(levels))
            w_home = None
            if self._h_prior_weight is not None:
                w_home = self._h_prior_weight + sum(
                    t[lv] for t, lv in zip(self._h_weights, levels, strict=True)
                )
            w = (w_rand, w_home)
            self._pattern_cache[levels] = w
        return w

    @staticmethod
    def _combine(w_rand: float, w_home: float | None) -> float:
        """Match weight against both kinds of non-match: -log2(2^-w_rand + 2^-w_home)."""
        if w_home is None or w_home - w_rand > 40:
            return w_rand
        if w_rand - w_home > 40:
            return w_home
        lo, hi = (w_rand, w_home) if w_rand < w_home else (w_home, w_rand)
        return lo - math.log2(1.0 + 2.0 ** (lo - hi))

    def weight_bound(self, levels: tuple[int, ...]) -> float:
        """An upper bound of ``weight_of(levels, ...)`` whatever the agreed names (term
        frequencies raise a weight by at most ``log2(TF_BOUND)`` per name field)."""
        w = self._bound_cache.get(levels)
        if w is None:
            w_rand, w_home = self._pattern(levels)
            w = self._combine(w_rand + (_TF_MAX if self.tf else 0.0), w_home)
            self._bound_cache[levels] = w
        return w

    def pattern_weight(self, levels: tuple[int, ...]) -> float:
        """Match weight (priors included) of a level pattern, before term frequencies."""
        return self._combine(*self._pattern(levels))

    def weight_of(self, levels: tuple[int, ...], surname: str, first: str) -> float:
        """Match weight of a pair. Term frequencies adjust the weight against random pairs
        only: a common surname is shared by chance, a household shares any surname."""
        w_rand, w_home = self._pattern(levels)
        if surname:
            w_rand += self._tf_adjust("surname", 0, surname)
        if first:
            w_rand += self._tf_adjust("first_names", 1, first)
        return self._combine(w_rand, w_home)

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
        weights = self.field_weights(levels)
        for (name, names), fw, lv in zip(COMPARISONS, weights, levels, strict=True):
            w = fw + tf_adj.get(name, 0.0)
            explanation.append({"field": name, "level": names[lv], "weight": round(w, 2)})
        w_rand, w_home = self._pattern(levels)
        w_rand += tf_adj["surname"] + tf_adj["first_names"]
        weight = self._combine(w_rand, w_home)
        if weight < w_rand - 0.005:
            # the pair looks like two members of one household: the weight it loses for that
            explanation.append(
                {"field": "household", "level": "relatives", "weight": round(weight - w_rand, 2)}
            )
        score = self.probability(weight)
        return Comparison(
            score=score, weight=weight, grade=self.grade(score), explanation=explanation
        )
