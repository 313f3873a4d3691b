"""Import a list transmitted by the département or the CARSAT into a commune's register."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crisis.imports import ImportRejected, import_transmitted
from hub.registry.actors import Actor
from hub.registry.models import Organization


class Command(BaseCommand):
    help = (
        "Register the persons of a transmitted list (NDJSON or CSV, with an 'opposed' column) in "
        "the register of vulnerable persons of ORG (CASF L121-6-1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="name or id of the commune")
        parser.add_argument("--from", dest="source", required=True, help="département or CARSAT")

    def handle(self, *args, file, org, source, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        organization = (
            Organization.objects.filter(name=org).first()
            or Organization.objects.filter(pk=org if len(org) == 36 else None).first()
        )
        if organization is None:
            raise CommandError(f"{org}: no such organization")
        actor = Actor(organization_id=organization.pk, organization_ids=(organization.pk,))
        fmt = "csv" if path.suffix.lower() == ".csv" else "ndjson"
        try:
            report = import_transmitted(
                actor=actor, content=path.read_bytes(), format=fmt, transmitted_by=source
            )
        except ImportRejected as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        first_line = 2 if fmt == "csv" else 1  # a CSV's first line is its header
        for index, outcome, errors in report.rows:
            if errors:
                reasons = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
                self.stdout.write(f"line {index + first_line}: {outcome} ({reasons})")
        self.stdout.write(
            f"{report.total} row(s): {report.registered} registered, {report.opposed} opposed "
            f"(not registered), {report.already} already registered, {report.rejected} rejected"
        )
