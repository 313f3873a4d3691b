"""``python manage.py seal_audit``: the access log's sequencer, as a small loop.

Seals the committed access-log rows every ``--interval`` seconds (default 0.5) and signs each
new head. Run one beside the web processes (the Celery beat task
``consent.tasks.seal_access_log`` does the same every AUDIT_SEAL_SECONDS; both may run: the
advisory lock lets one seal at a time). ``--once`` seals what is pending and exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from consent.seal import seal_pending

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Seal the access log into its hash chain, in a loop (the sequencer)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between seals")
        parser.add_argument("--once", action="store_true", help="seal what is pending and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        if once:
            self.stdout.write(f"{seal_pending(wait=True)} rows sealed")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        total = 0
        while not stop.is_set():
            started = time.monotonic()
            close_old_connections()
            try:
                total += seal_pending(wait=False)
            except DatabaseError:  # the database restarts, a failover: seal on the next turn
                logger.exception("sealing the access log failed; retrying")
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
        self.stdout.write(f"{total} rows sealed")
