"""``python manage.py dispatch_webhooks``: the webhook dispatcher (``exchanges.dispatcher``).

Run one or more beside the Celery workers (they share the work through SKIP LOCKED claims);
SIGTERM or Ctrl-C stops it gracefully. ``--once`` fans out and delivers what is due, then exits.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from exchanges.dispatcher import Dispatcher


class Command(BaseCommand):
    help = "Livre les webhooks : processus de longue durée, à superviser (systemd)."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=None, help="requests in parallel")
        parser.add_argument("--once", action="store_true", help="deliver what is due and exit")

    def handle(self, *args, threads=None, once=False, **options):
        if once:
            sent = Dispatcher(threads=0).drain()
            self.stdout.write(f"{sent} delivery attempts")
            return
        dispatcher = Dispatcher(threads=threads)
        signal.signal(signal.SIGTERM, dispatcher.stop)
        signal.signal(signal.SIGINT, dispatcher.stop)
        self.stdout.write(
            f"dispatcher ready: {dispatcher.threads} threads, "
            f"{dispatcher.per_endpoint} per endpoint",
        )
        self.stdout.flush()
        dispatcher.run()
        self.stdout.write("dispatcher stopped")
