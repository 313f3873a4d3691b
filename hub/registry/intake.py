"""Identity matching at intake: is the person of a new record already known to the hub?

The new record's blocking keys find candidate records through the ``RecordKey`` index; the
matching engine (``hub.matching``) scores each candidate; scores are kept per beneficiary (the
root of its merge chain). ``certain`` links the record to that beneficiary; ``probable`` or
``possible`` creates a new beneficiary and files review items; otherwise a new beneficiary.

One look-up (``lookups.intake_candidates``) answers the usable keys (block sizes read from the
``BlockSize`` table, not counted), the records of those blocks and the features stored when
each record was written (``PartnerRecord.match_features``): nothing is normalised again per
probe. Candidates that cannot reach a grade are not explained field by field.

On PostgreSQL, a transaction-scoped advisory lock on each blocking key (taken in sorted order,
in the same round trip as the look-up) serialises concurrent intakes that could describe the
same person, so twenty simultaneous requests about one new person create exactly one
beneficiary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings

from hub import matching
from hub.matching import stored
from hub.registry import lookups
from hub.registry.golden import IDENTITY, flat_identity, mask_payload
from hub.registry.models import (
    Beneficiary,
    LinkDecision,
    MatchingModel,
    RecordKey,
    ReviewItem,
)

MAX_CANDIDATE_RECORDS = 500


class MatchOutcome:
    CREATED = "created"  # nobody alike: a new beneficiary
    LINKED = "linked"  # certain match: linked to the existing beneficiary
    REVIEW = "review"  # probable/possible: new beneficiary plus review items
    UPDATED = "updated"  # an existing record replaced
    UNCHANGED = "unchanged"  # an existing record sent again identical


@dataclass
class Candidate:
    beneficiary_id: object
    score: float
    grade: str | None
    explanation: list


@dataclass
class IntakeDecision:
    outcome: str
    beneficiary: object | None = None
    score: float | None = None
    grade: str | None = None
    explanation: list = field(default_factory=list)
    review_candidates: list = field(default_factory=list)


MODEL_CHECK_SECONDS = 30.0
_model_cache: dict = {"id": None, "model": None, "checked": 0.0}


def current_model() -> matching.Model:
    """The newest trained model, or the cold-start defaults.

    Cached per process; whether a newer model was stored is checked at most every 30 seconds.
    """
    now = time.monotonic()
    if _model_cache["model"] is not None and now - _model_cache["checked"] < MODEL_CHECK_SECONDS:
        return _model_cache["model"]
    latest = MatchingModel.objects.order_by("-created_at").values_list("id", flat=True).first()
    if _model_cache["model"] is None or latest != _model_cache["id"]:
        params = MatchingModel.objects.get(pk=latest).params if latest else None
        _model_cache["model"] = (
            matching.Model.from_dict(params) if params else matching.Model.default()
        )
        _model_cache["id"] = latest
    _model_cache["checked"] = now
    return _model_cache["model"]


def forget_model() -> None:
    """Drop the cached model (after storing a new one in this process, and in tests)."""
    _model_cache.update(id=None, model=None, checked=0.0)


def engine_record(identifier, payload: dict, nir_digest: str) -> dict:
    flat = flat_identity(payload, nir_digest)
    return {
        "id": str(identifier),
        "first_names": flat["first_names"],
        "birth_name": flat["birth_name"],
        "usage_name": flat["usage_name"],
        "sex": flat["sex"],
        "birth_date": flat["birth_date"],
        "birth_place": flat["birth_place"],
        "postcode": flat["postcode"],
        "city": flat["city"],
        "address": flat["address_line"],
        "phone": flat["phone"],
        "email": flat["email"],
        "nir": flat["nir_hash"],
    }


def prepared_for(identifier, payload: dict, nir_digest: str) -> matching.Prepared:
    return matching.prepare(engine_record(identifier, payload, nir_digest))


def stored_features(prepared: matching.Prepared, version: int) -> dict:
    """What ``PartnerRecord.match_features`` holds for a record at ``version``."""
    return {"v": version, "e": stored.VERSION, "f": stored.dump(prepared)}


def features_current(features, version) -> bool:
    return bool(features) and features.get("v") == version and features.get("e") == stored.VERSION


def candidate_features(
    record_id, payload: dict, nir_digest: str, features, version
) -> matching.Prepared:
    """A stored record as the engine compares it: its stored features when they were written
    for its current version by the current normalisation, else prepared from its payload."""
    if features_current(features, version):
        try:
            return stored.load(record_id, features["f"])
        except (KeyError, TypeError, ValueError):
            pass
    return prepared_for(record_id, payload, nir_digest)


def root_of(beneficiary_id, parents: dict) -> object:
    seen = set()
    while parents.get(beneficiary_id) and beneficiary_id not in seen:
        seen.add(beneficiary_id)
        beneficiary_id = parents[beneficiary_id]
    return beneficiary_id


def _parents(ids) -> dict:
    """merged_into links for the given beneficiaries and their ancestors."""
    parents: dict = {}
    frontier = set(ids)
    while frontier:
        rows = list(Beneficiary.objects.filter(pk__in=frontier).values_list("id", "merged_into_id"))
        frontier = set()
        for pk, parent in rows:
            parents[pk] = parent
            if parent and parent not in parents:
                frontier.add(parent)
    return parents


def usable_keys(keys: list[str]) -> list[str]:
    """Drop keys shared by more records than the engine's cap for their family (a common name
    in a large town, JEAN MARTIN born in 1960): batch deduplication skips such blocks too.
    Block sizes are read from the block-size table, not counted."""
    if not keys:
        return []
    sizes = dict(lookups.large_blocks(keys, min(matching.block_cap(k) for k in keys)))
    return [key for key in keys if sizes.get(key, 0) <= matching.block_cap(key)]


def _features(record_id, features, payload, nir_digest) -> matching.Prepared:
    """A candidate as the engine compares it: its stored features, else its payload prepared."""
    if features is not None:
        try:
            return stored.load(record_id, features)
        except (TypeError, ValueError):
            payload, nir_digest = lookups.record_identity(record_id)
    return prepared_for(record_id, payload, nir_digest)


def _may_grade(model: matching.Model, a: matching.Prepared, b: matching.Prepared) -> bool:
    """Whether the pair reaches a grade: its weight from the agreement levels alone (the
    score ``model.compare`` gives), without building the field-by-field explanation."""
    levels, surname, first = matching.compare_levels(a, b)
    return model.grade(model.probability(model.weight_of(levels, surname, first))) is not None


def score_candidates(
    prepared: matching.Prepared,
    keys: list[str],
    *,
    restrict_to=None,
    reveal=None,
    graded_only: bool = False,
    lock: bool = False,
) -> list[Candidate]:
    """Best score per candidate beneficiary (merge roots), best first.

    ``restrict_to``: an optional queryset of beneficiary ids the candidates must belong to.
    ``reveal``: for a caller that may not see every record whole (``consent.gate``), a function
    of the candidate roots returning ``categories(organization_id, root)``: each record is
    compared only on those categories, and counts only if it shares a blocking key with the
    probe on them. The answer then depends on nothing the caller may not see.
    ``graded_only``: leave out the beneficiaries no record of which reaches a grade (what
    every caller drops anyway); candidates that cannot reach one are then not compared whole.
    ``lock``: first take the advisory locks of ``keys`` (``lookups.lock_ids``), in the same round
    trip as the look-up on PostgreSQL.
    """
    if not keys:
        return []
    keys, rows = lookups.intake_candidates(
        keys,
        [matching.block_cap(key) for key in keys],
        limit=MAX_CANDIDATE_RECORDS,
        engine=stored.VERSION,
        whole=reveal is not None,
        lock=lookups.lock_ids(keys) if lock and settings.USES_POSTGRES else None,
    )
    if not rows:
        return []
    merged = {row[1] for row in rows if row[2]}
    parents = _parents(merged) if merged else {}
    roots = {row[0]: root_of(row[1], parents) for row in rows}
    allowed = None
    if restrict_to is not None:
        allowed = set(restrict_to.filter(pk__in=set(roots.values())).values_list("pk", flat=True))
    categories_of = reveal(set(roots.values())) if reveal is not None else None
    wanted = set(keys)
    model = current_model()
    best: dict = {}
    for record_id, _beneficiary, _parent, organization_id, _v, features, payload, digest in rows:
        root = roots[record_id]
        if allowed is not None and root not in allowed:
            continue
        if categories_of is not None:
            categories = categories_of(organization_id, root)
            if IDENTITY not in categories:
                continue
            payload = mask_payload(payload, categories)
            candidate = prepared_for(record_id, payload, digest)
            if not wanted.intersection(matching.blocking_keys(candidate)):
                continue
        else:
            candidate = _features(record_id, features, payload, digest)
        if graded_only and not _may_grade(model, prepared, candidate):
            continue
        comparison = model.compare(prepared, candidate)
        current = best.get(root)
        if current is None or comparison.score > current.score:
            best[root] = Candidate(
                root, comparison.score, comparison.grade, list(comparison.explanation)
            )
    return sorted(best.values(), key=lambda c: (-c.score, str(c.beneficiary_id)))


IDENTIFIER_FIELDS = ("nir", "email", "phone")


# First-name levels that say "the same first name" rather than "a similar one".
SAME_FIRST_NAME = {"exact", "swapped", "partial", "missing"}


def safe_to_link(candidate: Candidate) -> bool:
    """An automatic link needs a certain grade AND, unless an identifier (NIR, e-mail, phone)
    agrees exactly: agreeing surnames, the same first name, and no disagreement on sex.

    A false link discloses one person's file to another person's partners, which is worse than a
    duplicate. A certain score reached despite different surnames (a marriage? a relative at the
    same address?), similar but different first names (twins: Jeanne and Jeannine, same birth
    date, same address) or different sexes goes to a social worker instead.
    """
    if candidate.grade != "certain":
        return False
    levels = {entry["field"]: entry["level"] for entry in candidate.explanation}
    if any(levels.get(name) == "exact" for name in IDENTIFIER_FIELDS):
        return True
    return (
        levels.get("surname") != "different"
        and levels.get("first_names") in SAME_FIRST_NAME
        and levels.get("sex") != "different"
    )


def match_new_record(*, organization, payload: dict, nir_digest: str) -> IntakeDecision:
    prepared = prepared_for("new", payload, nir_digest)
    keys = matching.blocking_keys(prepared)
    candidates = score_candidates(prepared, keys, graded_only=True, lock=True)
    if not candidates:
        return IntakeDecision(outcome=MatchOutcome.CREATED)
    best = candidates[0]
    if safe_to_link(best):
        return IntakeDecision(
            outcome=MatchOutcome.LINKED,
            beneficiary=Beneficiary.objects.get(pk=best.beneficiary_id),
            score=best.score,
            grade=best.grade,
            explanation=best.explanation,
        )
    return IntakeDecision(
        outcome=MatchOutcome.REVIEW,
        score=best.score,
        grade=best.grade,
        explanation=best.explanation,
        review_candidates=candidates,
    )


def index_record(record, prepared: matching.Prepared | None = None) -> None:
    """(Re)write the blocking keys of ``record`` (``prepared``: its features, if at hand).

    The block-size rows of the keys that change are locked first, in sorted order, so that
    this delete-then-insert cannot deadlock with another writer of the same keys (the
    triggers lock them one statement at a time)."""
    prepared = prepared or prepared_for(record.pk, record.payload, record.nir_hash)
    keys = matching.blocking_keys(prepared)
    existing = set(RecordKey.objects.filter(record=record).values_list("key", flat=True))
    gone = existing.difference(keys)
    added = [k for k in keys if k not in existing]
    if existing and (gone or added):
        lookups.lock_block_sizes(sorted(gone.union(added)))
    if gone:
        RecordKey.objects.filter(record=record, key__in=gone).delete()
    if added:
        RecordKey.objects.bulk_create([RecordKey(record=record, key=k) for k in added])


def file_review_items(*, record, decision: IntakeDecision) -> None:
    """Keep the intake decision; file review items for probable/possible candidates."""
    LinkDecision.objects.create(
        record=record,
        beneficiary_id=record.beneficiary_id,
        outcome=decision.outcome,
        score=decision.score,
        grade=decision.grade or "",
        explanation=decision.explanation,
    )
    for candidate in decision.review_candidates:
        if candidate.beneficiary_id == record.beneficiary_id:
            continue
        a, b = sorted([record.beneficiary_id, candidate.beneficiary_id], key=str)
        ReviewItem.objects.get_or_create(
            beneficiary_a_id=a,
            beneficiary_b_id=b,
            defaults={
                "score": candidate.score,
                "grade": candidate.grade,
                "explanation": candidate.explanation,
                "source": "intake",
            },
        )
