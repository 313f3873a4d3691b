"""Identity-matching engine for Passerelle: pure Python (no Django), deterministic.

Public API::

    prepare(record) -> Prepared
    blocking_keys(prepared) -> list[str]
    Model.default() / Model.from_dict(d) / model.to_dict()
    model.compare(a, b) -> Comparison(score, weight, grade, explanation)
    train(records) -> Model
    estimate(prepared_records, pairs) -> Model
    deduplicate(records, model=None, threshold=None) -> list[Pair(id_a, id_b, score, grade)]
    nir_is_valid(nir) -> bool
"""

from .blocking import (
    KEY_MAX_LENGTH,
    block_cap,
    blocking_keys,
    candidate_codes,
    candidate_pairs,
    coarse_key,
    coarse_keys,
)
from .compare import COMPARISONS, LEVELS, compare_levels
from .engine import Pair, deduplicate, estimate, train
from .model import DEFAULT_THRESHOLDS, Comparison, Model
from .normalize import nir_is_valid
from .record import Prepared, prepare

__all__ = [
    "COMPARISONS",
    "DEFAULT_THRESHOLDS",
    "KEY_MAX_LENGTH",
    "LEVELS",
    "Comparison",
    "Model",
    "Pair",
    "Prepared",
    "block_cap",
    "coarse_key",
    "coarse_keys",
    "blocking_keys",
    "candidate_codes",
    "candidate_pairs",
    "compare_levels",
    "deduplicate",
    "estimate",
    "nir_is_valid",
    "prepare",
    "train",
]
