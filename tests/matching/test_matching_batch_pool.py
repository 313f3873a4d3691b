"""The batch's worker pool: it closes whatever state its workers are in, and the run
directory in RAM is removed even when closing fails."""

import pytest

import hub.matching.batch_run as batch_run
from hub.matching import deduplicate
from hub.matching.batch_pool import Pool
from hub.matching.batch_shared import SharedDir

PEOPLE = [
    {"id": f"r{k}", "first_names": "Marie", "birth_name": name, "birth_date": "1984-05-12"}
    for k, name in enumerate(["Martin", "Martin", "Martine", "Bernard", "Bernard"])
]


def test_a_pool_whose_workers_never_started_closes(monkeypatch):
    monkeypatch.setattr(Pool, "_start", lambda self: None)  # the starting thread failed
    shared = SharedDir()
    try:
        Pool(2, shared).close()
    finally:
        shared.remove()


def test_the_run_directory_goes_when_closing_fails(monkeypatch):
    made = []
    init = SharedDir.__init__

    def recorded(self) -> None:  # the class itself is sent to the workers: patched in place
        init(self)
        made.append(self.path)

    def failing_close(self):
        close(self)  # the workers are done, then something fails
        raise RuntimeError("closing failed")

    close = Pool.close
    monkeypatch.setattr(batch_run, "PARALLEL_MIN_RECORDS", 1)
    monkeypatch.setattr(SharedDir, "__init__", recorded)
    monkeypatch.setattr(Pool, "close", failing_close)
    with pytest.raises(RuntimeError, match="closing failed"):
        deduplicate(PEOPLE, workers=2)
    assert made
    assert not any(path.exists() for path in made)
