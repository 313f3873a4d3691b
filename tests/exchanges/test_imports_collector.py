"""The garbage collector paused during an import's chunks (``hub.collector.Chunks``).

Inside a chunk no automatic collection runs; after it the young generations are collected, so
what a chunk leaves in reference cycles is reclaimed at once, and every ``full_every`` chunks
the whole heap is. The collector is left as it was found.
"""

import gc
import json
import weakref

import pytest

from exchanges import imports
from hub.collector import Chunks
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.factories import record_payload


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_chunk_runs_without_automatic_collection_and_its_cycles_are_freed_after(
    collector_enabled,
):
    chunks = Chunks()
    with chunks.chunk():
        assert not gc.isenabled()
        node = Node()
        ref = weakref.ref(node)
        del node
        assert ref() is not None  # nothing collected inside the chunk
    assert gc.isenabled()
    assert ref() is None  # the young generations were collected after it


def test_the_whole_heap_is_collected_every_full_every_chunks(collector_enabled):
    full = []

    def count(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.append(info)

    chunks = Chunks(full_every=3)
    gc.callbacks.append(count)
    try:
        for _ in range(2):
            with chunks.chunk():
                pass
        assert full == []
        with chunks.chunk():
            pass
        assert len(full) == 1
    finally:
        gc.callbacks.remove(count)


def test_a_disabled_collector_stays_disabled():
    was = gc.isenabled()
    gc.disable()
    try:
        with Chunks().chunk():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.django_db
def test_an_import_of_several_chunks_leaves_the_collector_on(
    partner_a, collector_enabled, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK", 2)
    organization = partner_a.organization
    actor = Actor(organization_id=organization.pk, organization_ids=(organization.pk,))
    rows = [
        {"external_id": f"C-{i}", **record_payload(birth_name=name, first_names="Léa")}
        for i, name in enumerate(["Arnaud", "Brunet", "Carpentier", "Dumas", "Escoffier"])
    ]
    content = "".join(json.dumps(row) + "\n" for row in rows).encode()
    job = imports.create_job(actor=actor, content=content, format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.processed, job.created + job.linked + job.review, job.rejected) == (5, 5, 0)
    assert PartnerRecord.objects.filter(organization=partner_a.organization).count() == 5
    assert gc.isenabled()
