"""Set-wise intake: a chunk of new partner records matched and written in a few statements.

The same decisions as ``services.record_upsert`` applied row after row, in the same order, but:
one sorted advisory-lock set for the chunk's blocking keys and, in the same round trip, one
statement for the block sizes and the records of the usable blocks, then one for the
candidates' stored features (``hub.registry.pool``, which keeps them for the job's next
chunks); scoring in memory, where each row also meets the rows before it in the chunk
(duplicates inside a file), while the server writes the new records' blocking keys (sent
before the scoring: they do not depend on it); then ``bulk_create`` of beneficiaries,
records, decisions and review items, and each touched golden record refreshed once.

What a row needs before it meets the registry (its NIR digest, prepared features and blocking
keys: ``Ahead``) touches no table, so an import works it out for the next chunk while this one
waits on the database (``exchanges.imports``) and hands it over (``upsert_many``'s ``ready``).

``upsert_many`` keeps the row order exactly: a row about a record that already exists (in the
database, or earlier in the chunk) and changes it is written through ``record_upsert`` after
the new records before it have been written, so every row sees what the rows before it wrote.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from hub import bulkwrite, matching
from hub.registry import intake
from hub.registry.golden import GOLDEN_FIELDS, survive
from hub.registry.intake import Candidate, IntakeDecision, MatchOutcome
from hub.registry.keywrite import keys_written_meanwhile
from hub.registry.lookups import batches
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    LinkDecision,
    Organization,
    PartnerRecord,
    ReviewItem,
)
from hub.registry.pool import Features, Pool
from hub.registry.services import UpsertResult, record_upsert, split_nir


@dataclass
class _New:
    """A new record of the segment being matched."""

    position: int
    external_id: str
    clean: dict
    nir_digest: str
    prepared: matching.Prepared
    keys: list
    record_id: uuid.UUID = field(default_factory=uuid.uuid4)
    beneficiary_id: object = None
    decision: IntakeDecision | None = None


@dataclass(frozen=True)
class Ahead:
    """A validated, normalised payload made ready for matching, without any query."""

    clean: dict  # the payload without its NIR
    nir_digest: str
    prepared: matching.Prepared
    keys: list


def ahead(payload: dict) -> Ahead:
    """``Ahead`` of a normalised payload: pure computation, safe in a helper thread."""
    clean, nir_digest = split_nir(payload)
    prepared = intake.prepared_for("new", clean, nir_digest)
    return Ahead(clean, nir_digest, prepared, matching.blocking_keys(prepared))


def _decide(candidates: list[Candidate]) -> IntakeDecision:
    """``intake.match_new_record``'s decision, the linked beneficiary left as an id."""
    graded = [c for c in candidates if c.grade]
    if not graded:
        return IntakeDecision(outcome=MatchOutcome.CREATED)
    best = graded[0]
    if intake.safe_to_link(best):
        return IntakeDecision(
            outcome=MatchOutcome.LINKED,
            beneficiary=best.beneficiary_id,
            score=best.score,
            grade=best.grade,
            explanation=best.explanation,
        )
    return IntakeDecision(
        outcome=MatchOutcome.REVIEW,
        score=best.score,
        grade=best.grade,
        explanation=best.explanation,
        review_candidates=graded,
    )


def _match(segment: list[_New], features: Features | None) -> None:
    held = Counter(key for new in segment for key in new.keys)
    pool = Pool(intake.current_model(), features)
    if held:
        pool.load(sorted(held), held)  # one sorted lock set for the segment, then its look-ups
    # The segment's own keys do not depend on its decisions: the server writes them while
    # the rows are scored (the records follow in ``_write``).
    with keys_written_meanwhile([(new.record_id, key) for new in segment for key in new.keys]):
        for new in segment:
            new.decision = _decide(pool.candidates(new.prepared, new.keys))
            new.beneficiary_id = new.decision.beneficiary or uuid.uuid4()
            pool.add(new)


def _refresh_existing(roots: set, now) -> None:
    """``services.refresh_golden`` once per touched existing cluster, in a few statements."""
    if not roots:
        return
    root_of = {pk: pk for pk in roots}
    frontier = list(roots)
    while frontier:  # every beneficiary merged into a root, directly or not
        found = []
        for batch in batches(frontier):
            for pk, parent in Beneficiary.objects.filter(merged_into__in=batch).values_list(
                "id", "merged_into_id"
            ):
                if pk not in root_of:
                    root_of[pk] = root_of[parent]
                    found.append(pk)
        frontier = found
    members = defaultdict(list)
    for batch in batches(list(root_of)):
        for record in PartnerRecord.objects.filter(beneficiary_id__in=batch).select_related(
            "organization"
        ):
            members[root_of[record.beneficiary_id]].append(record)
    beneficiaries = []
    for batch in batches(list(roots)):
        beneficiaries.extend(Beneficiary.objects.filter(pk__in=batch))
    for beneficiary in beneficiaries:
        for name, value in survive(members[beneficiary.pk]).items():
            setattr(beneficiary, name, value)
        beneficiary.last_contact_at = now
        beneficiary.updated_at = now
    bulkwrite.update(Beneficiary, beneficiaries, [*GOLDEN_FIELDS, "last_contact_at", "updated_at"])


def _write(organization: Organization, segment: list[_New]) -> list[PartnerRecord]:
    records = [
        PartnerRecord(
            id=new.record_id,
            organization=organization,
            external_id=new.external_id,
            beneficiary_id=new.beneficiary_id,
            payload=new.clean,
            nir_hash=new.nir_digest,
            match_features=intake.stored_features(new.prepared, 1),
        )
        for new in segment
    ]
    bulkwrite.insert(PartnerRecord, records)
    now = timezone.now()
    fresh = {new.beneficiary_id for new in segment if new.decision.outcome != MatchOutcome.LINKED}
    members: dict = defaultdict(list)  # beneficiary id -> the segment's records, in order
    for new, record in zip(segment, records, strict=True):
        members[new.beneficiary_id].append(record)
    # A beneficiary created here has no record but the segment's: its golden record is
    # computed before its row is written (foreign keys are checked at commit).
    bulkwrite.insert(
        Beneficiary,
        [
            Beneficiary(
                id=pk, status=BeneficiaryStatus.ACTIVE, last_contact_at=now, **survive(rows)
            )
            for pk, rows in members.items()
            if pk in fresh
        ],
    )
    bulkwrite.insert(
        LinkDecision,
        [
            LinkDecision(
                record_id=new.record_id,
                beneficiary_id=new.beneficiary_id,
                outcome=new.decision.outcome,
                score=new.decision.score,
                grade=new.decision.grade or "",
                explanation=new.decision.explanation,
            )
            for new in segment
        ],
    )
    reviews: dict = {}
    for new in segment:
        for candidate in new.decision.review_candidates:
            if candidate.beneficiary_id == new.beneficiary_id:
                continue
            pair = tuple(sorted([new.beneficiary_id, candidate.beneficiary_id], key=str))
            reviews.setdefault(pair, candidate)
    _file_reviews(reviews)
    _refresh_existing(set(members) - fresh, now)
    return records


def _file_reviews(reviews: dict) -> None:
    """The review items of the segment. One side of each pair is a beneficiary the segment
    has just created, so no pair can be on file already (``get_or_create`` would create)."""
    bulkwrite.insert(
        ReviewItem,
        [
            ReviewItem(
                beneficiary_a_id=a,
                beneficiary_b_id=b,
                score=candidate.score,
                grade=candidate.grade,
                explanation=candidate.explanation,
                source="intake",
            )
            for (a, b), candidate in reviews.items()
        ],
    )


def _flush(organization, segment: list[_New], results: list, current: dict, features) -> None:
    if not segment:
        return
    _match(segment, features)
    records = _write(organization, segment)
    for new, record in zip(segment, records, strict=True):
        current[record.external_id] = record
        decision = new.decision
        results[new.position] = UpsertResult(
            record=record,
            created=True,
            changed=True,
            outcome=decision.outcome,
            score=decision.score,
            grade=decision.grade,
            review_candidates=decision.review_candidates,
        )
    segment.clear()


def upsert_many(
    *,
    organization: Organization,
    items: list[tuple[str, dict]],
    features: Features | None = None,
    ready: list[Ahead] | None = None,
) -> list:
    """``record_upsert`` of every (external_id, validated payload), in order, set-wise.

    Runs in the caller's transaction; returns one ``UpsertResult`` per item. ``features``: the
    candidates' prepared form kept from the previous chunks of the same job (``pool.Features``);
    ``ready``: the ``ahead`` of each item's payload, when the caller worked it out already.
    """
    results: list = [None] * len(items)
    if ready is None:
        split = [split_nir(payload) for _external_id, payload in items]
    else:
        split = [(done.clean, done.nir_digest) for done in ready]
    current = {}
    external_ids = sorted({external_id for external_id, _payload in items})
    for batch in batches(external_ids):
        for record in PartnerRecord.objects.select_for_update().filter(
            organization=organization, external_id__in=batch
        ):
            current[record.external_id] = record
    segment: list[_New] = []
    in_segment: set = set()
    for position, ((external_id, _payload), (clean, nir_digest)) in enumerate(
        zip(items, split, strict=True)
    ):
        record = current.get(external_id)
        if record is not None and record.payload == clean and record.nir_hash == nir_digest:
            results[position] = UpsertResult(
                record=record, created=False, changed=False, outcome=MatchOutcome.UNCHANGED
            )
            continue
        if record is not None or external_id in in_segment:
            # An update: written in its turn, once what the rows before it wrote is written.
            _flush(organization, segment, results, current, features)
            in_segment.clear()
            result = record_upsert(
                organization=organization, external_id=external_id, payload=items[position][1]
            )
            current[external_id] = result.record
            results[position] = result
            continue
        if ready is None:
            prepared = intake.prepared_for("new", clean, nir_digest)
            keys = matching.blocking_keys(prepared)
        else:
            prepared, keys = ready[position].prepared, ready[position].keys
        segment.append(_New(position, external_id, clean, nir_digest, prepared, keys))
        in_segment.add(external_id)
    _flush(organization, segment, results, current, features)
    return results
