"""``python manage.py dedupe``: re-score the whole registry (after a model update, an import).

The work is planned as a run of chunks (``exchanges.dedupe.plan_run``) and each chunk is a
Celery task (``hub.registry.tasks.dedupe_chunk``). Without a broker (embedded mode) the tasks
run inline, one after the other, under a progress bar; with a broker they are queued and the
command follows the run's counters until the workers are done (``--no-wait`` to leave at once).

An interrupted run is continued by the next ``dedupe`` (or ``dedupe --resume``): only the chunks
not done yet are processed. ``--restart`` abandons it and plans a new run; ``--train`` fits a new
model on every record first (and then always plans a new run).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from exchanges.dedupe import latest_unfinished_run, plan_run, train_model
from hub.registry.models import DedupeChunk, DedupeRun
from hub.registry.tasks import dedupe_chunk

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Re-score the whole registry for duplicates, in resumable chunks (Celery tasks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--train",
            action="store_true",
            help="Fit a new matching model on all records first (stored as a MatchingModel).",
        )
        parser.add_argument(
            "--chunks", type=int, default=None, help="Number of chunks (default: from the data)."
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--resume",
            action="store_true",
            help="Only continue the latest unfinished run (do nothing if there is none).",
        )
        mode.add_argument(
            "--restart",
            action="store_true",
            help="Abandon an unfinished run and plan a new one.",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="With a broker: queue the chunks and return without following the workers.",
        )

    def handle(self, *args, **options):
        if options["chunks"] is not None and options["chunks"] < 1:
            raise CommandError("--chunks must be at least 1")
        if options["resume"] and options["train"]:
            raise CommandError("--train plans a new run; it cannot be combined with --resume")
        run = latest_unfinished_run()
        if options["train"]:
            model = train_model()
            self.stdout.write(f"Model {model.pk} trained on {model.trained_on} records.")
        if run is not None and not (options["restart"] or options["train"]):
            self.stdout.write(
                f"Resuming run {run.pk}: {run.done_chunks}/{run.total_chunks} chunks done."
            )
        elif options["resume"]:
            self.stdout.write("No unfinished run to resume.")
            return
        else:
            run = plan_run(chunks=options["chunks"])
            self.stdout.write(
                f"Run {run.pk}: {run.total_chunks} chunks, "
                f"{len(run.skipped_keys)} blocking keys skipped (blocks too large)."
            )
        pending = list(
            DedupeChunk.objects.filter(run=run, done=False)
            .order_by("number")
            .values_list("number", flat=True)
        )
        quiet = options["verbosity"] == 0
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self._run_inline(run, pending, quiet)
        else:
            for number in pending:
                dedupe_chunk.delay(str(run.pk), number)
            if options["no_wait"]:
                self.stdout.write(f"{len(pending)} chunks queued.")
                return
            self._follow(run, quiet)
        run.refresh_from_db()
        self.stdout.write(
            f"Run {run.pk} {run.status}: {run.done_chunks}/{run.total_chunks} chunks, "
            f"{run.pairs_scored} pairs scored, {run.review_items} review items, "
            f"{run.merges} automatic merges."
        )

    def _run_inline(self, run: DedupeRun, pending: list[int], quiet: bool) -> None:
        with tqdm(
            total=run.total_chunks,
            initial=run.total_chunks - len(pending),
            unit="chunk",
            disable=quiet,
        ) as bar:
            for number in pending:
                dedupe_chunk.delay(str(run.pk), number)  # eager: runs here
                bar.update(1)

    def _follow(self, run: DedupeRun, quiet: bool) -> None:
        with tqdm(
            total=run.total_chunks, initial=run.done_chunks, unit="chunk", disable=quiet
        ) as bar:
            try:
                while True:
                    run.refresh_from_db(fields=["done_chunks", "status"])
                    bar.update(run.done_chunks - bar.n)
                    if run.done_chunks >= run.total_chunks or run.status != "running":
                        return
                    time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                raise CommandError(
                    "Stopped following the run; the workers go on. "
                    "`dedupe --resume` queues again whatever is left."
                ) from None
