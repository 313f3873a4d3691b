"""``manage.py rebuild_indicators``: recompute every aggregate of the observatory."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from territory import refresh
from territory.models import Cell, PersonZone


class Command(BaseCommand):
    help = "Recalcule tous les agrégats de l'observatoire à partir des données sources."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh", action="store_true", help="only apply the pending outbox events"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["refresh"]:
            read = refresh.refresh()
            self.stdout.write(f"{read} events applied in {time.perf_counter() - started:.1f} s")
            return
        refresh.rebuild()
        self.stdout.write(
            f"{Cell.objects.count()} cells for {PersonZone.objects.count()} placed beneficiaries "
            f"in {time.perf_counter() - started:.1f} s"
        )
