"""``python manage.py reindex_keys``: rewrite the blocking keys of every partner record.

Run after an upgrade that changes the blocking-key families (a migration does it once; this
command does it again at any time, for instance after restoring an older dump). Idempotent and
safe while partners write: one transaction per chunk of records.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from hub.registry.keyindex import CHUNK, reindex


class Command(BaseCommand):
    help = "Rewrite the blocking keys of every partner record that are not current."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHUNK, help="records per transaction")

    def handle(self, *args, chunk: int, verbosity: int = 1, **options):
        def progress(done: int, changed: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"{done} fiches lues, {changed} clés modifiées")

        added, removed = reindex(chunk=max(1, chunk), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Clés de blocage : {added} ajoutées, {removed} retirées.")
        )
