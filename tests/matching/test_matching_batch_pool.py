"""The batch's worker pool: it closes whatever state its workers are in, the run directory in
RAM is removed even when closing fails, and a job the workers cannot be sent fails the run
instead of hanging it."""

import threading

import pytest

import hub.matching.batch_run as batch_run
from hub.matching import deduplicate
from hub.matching.batch_pool import Pool
from hub.matching.batch_shared import SharedDir
from hub.matching.model import Model

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


def test_a_job_that_cannot_be_sent_fails_the_run_instead_of_hanging(monkeypatch):
    def unpicklable(self):
        raise TypeError("this model cannot be pickled")

    monkeypatch.setattr(batch_run, "PARALLEL_MIN_RECORDS", 1)
    # Only this process's pickling is patched: the model is sent to the workers with the job.
    monkeypatch.setattr(Model, "__reduce_ex__", lambda self, protocol: unpicklable(self))
    outcome: dict = {}

    def run() -> None:
        try:
            deduplicate(PEOPLE, workers=2)
        except BaseException as exc:  # noqa: BLE001 (reported to the test's thread)
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the run waited for a job its workers never received"
    assert isinstance(outcome.get("error"), TypeError)
    assert "cannot be pickled" in str(outcome["error"])
