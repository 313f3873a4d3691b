"""The candidate pool of a set-wise intake segment (``hub.registry.bulk``).

``Pool.load`` reads, for every blocking key of the segment, the block's size and records, and
each candidate record's stored features (``hub.registry.chunkreads``): on PostgreSQL two round
trips (the advisory locks and the key look-up in one pipeline, then the candidates), whatever
the segment's size.

``Features`` keeps the candidates' prepared form from one segment to the next of the same job
(a common block meets most chunks of a file): a record met again at the same version is not
read, decoded nor prepared again. It is bounded (``Features.LIMIT`` records, then emptied), so a
file of any length holds at most that many.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from hub import matching
from hub.matching import stored, vector
from hub.registry import chunkreads, intake, lookups
from hub.registry.intake import Candidate


class Features:
    """Prepared candidate records by id, with the version they were prepared for."""

    LIMIT = 100_000

    def __init__(self):
        self.by_id: dict = {}  # record id -> (version, Prepared)

    def get(self, record_id, version):
        hit = self.by_id.get(record_id)
        if hit is not None and hit[0] == version:
            return hit[1]
        return None

    def put(self, record_id, version, prepared) -> None:
        if len(self.by_id) >= self.LIMIT and record_id not in self.by_id:
            self.by_id.clear()
        self.by_id[record_id] = (version, prepared)


class Pool:
    """Candidate records (from the database and from the segment) and their prepared form."""

    def __init__(self, model, features: Features | None = None):
        self.model = model
        self.cut = vector.cut_weight(model)
        self.by_key: dict[str, list] = defaultdict(list)  # key -> record ids (text), in order
        self.count: dict[str, int] = defaultdict(int)  # key -> records holding it
        self.prepared: dict = {}  # record id -> Prepared
        self.root: dict = {}  # record id -> root beneficiary id
        self.cache = features if features is not None else Features()

    def load(self, keys: list[str], extra: dict) -> None:
        """Lock the keys; block sizes, the records of every usable block, their features.
        ``extra``: how many of the segment's rows hold each key (``chunkreads.chunk_keys``)."""
        caps = [matching.block_cap(key) for key in keys]
        lock = lookups.lock_ids(keys) if settings.USES_POSTGRES else None
        large, rows = chunkreads.chunk_keys(keys, caps, extra, lock=lock)
        self.count.update(large)
        large = dict(large)
        record_ids = set()
        for key, record_id in rows:
            self.by_key[key].append(record_id)
            record_ids.add(record_id)
        for key, cap in zip(keys, caps, strict=True):
            if large.get(key, 0) <= cap:
                self.count[key] = len(self.by_key.get(key, ()))
        cached = self.cache.by_id
        known = sorted(pk for pk in record_ids if pk in cached)
        wanted = sorted(pk for pk in record_ids if pk not in cached)
        rows = chunkreads.chunk_candidates(wanted, known, engine=stored.VERSION)
        merged = {row[2] for row in rows if row[3]}
        parents = intake._parents(merged) if merged else {}
        again, stale = [], []
        for record_id, version, beneficiary_id, _parent, features, current in rows:
            self.root[record_id] = (
                intake.root_of(beneficiary_id, parents) if parents else beneficiary_id
            )
            prepared = self.cache.get(record_id, version)
            if prepared is None and features is not None:
                try:
                    prepared = vector.load_stored(record_id, features)
                except (KeyError, TypeError, ValueError):
                    prepared = None
            if prepared is None:
                if current is None:
                    again.append(record_id)  # held at another version: read its features
                else:
                    stale.append(record_id)
                continue
            self._keep(record_id, version, prepared)
        if again:
            for record_id, version, _b, _p, features, _c in chunkreads.chunk_candidates(
                sorted(again), [], engine=stored.VERSION
            ):
                try:
                    if features is None:
                        raise ValueError("no current features")
                    self._keep(record_id, version, vector.load_stored(record_id, features))
                except (KeyError, TypeError, ValueError):
                    stale.append(record_id)
        # Records written before features were stored, or whose features do not load.
        for record_id, payload, nir_digest, version in lookups.stale_identities(stale):
            prepared = intake.prepared_for(record_id, payload, nir_digest)
            self._keep(str(record_id), version, prepared)

    def _keep(self, record_id, version, prepared) -> None:
        self.prepared[record_id] = prepared
        self.cache.put(record_id, version, prepared)

    def usable(self, keys: list[str]) -> list[str]:
        return [key for key in keys if self.count[key] <= matching.block_cap(key)]

    def add(self, new) -> None:
        """The row is now a record of the registry (version 1): later rows meet it."""
        record_id = str(new.record_id)
        self._keep(record_id, 1, new.prepared._replace(id=record_id))
        self.root[record_id] = new.beneficiary_id
        for key in new.keys:
            self.by_key[key].append(record_id)
            self.count[key] += 1

    def candidates(self, prepared: matching.Prepared, keys: list[str]) -> list[Candidate]:
        """``intake.score_candidates`` against the pool, its ungraded candidates left out
        (they decide nothing); a candidate that cannot reach a grade is not compared in full
        (``vector.compare_graded``)."""
        seen: dict = {}
        for key in self.usable(keys):
            for record_id in self.by_key.get(key, ()):
                seen.setdefault(record_id, None)
        best: dict = {}
        model, cut, features, root_of = self.model, self.cut, self.prepared, self.root
        for record_id in list(seen)[: intake.MAX_CANDIDATE_RECORDS]:
            comparison = vector.compare_graded(model, prepared, features[record_id], cut)
            if comparison is None or not comparison.grade:
                continue
            root = root_of[record_id]
            current = best.get(root)
            if current is None or comparison.score > current.score:
                best[root] = Candidate(
                    root, comparison.score, comparison.grade, list(comparison.explanation)
                )
        return sorted(best.values(), key=lambda c: (-c.score, str(c.beneficiary_id)))
