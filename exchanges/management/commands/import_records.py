"""python manage.py import_records FILE --org ORG: bulk import with a progress bar."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from exchanges import imports
from exchanges.models import ImportJob
from hub.registry.actors import Actor
from hub.registry.models import Organization


class Command(BaseCommand):
    help = "Import partner records from an NDJSON or CSV file for one organization."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of a .ndjson/.jsonl or .csv file")
        parser.add_argument("--org", required=True, help="organization id or exact name")
        parser.add_argument(
            "--format", choices=imports.FORMATS, help="default: from the file extension"
        )
        parser.add_argument("--resume", help="id of an interrupted import job to resume")

    def handle(self, *args, **options):
        organization = self._organization(options["org"])
        actor = Actor(organization_id=organization.pk, organization_ids=(organization.pk,))
        if options["resume"]:
            job = ImportJob.objects.filter(pk=options["resume"], organization=organization).first()
            if job is None:
                raise CommandError(f"no import {options['resume']} for {organization}")
        else:
            path = Path(options["file"])
            fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "ndjson")
            try:
                source = path.open("rb")  # read as a stream: a large file is never held whole
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from None
            try:
                with source:
                    job = imports.create_job(actor=actor, content=source, format=fmt)
            except imports.ImportRejected as exc:
                raise CommandError(f"{path}: {exc.field}: {exc.message}") from None
        self.stderr.write(f"import {job.pk} ({job.total} rows)")
        with tqdm(total=job.total, initial=job.processed, unit="row", file=self.stderr) as bar:

            def progress(processed, total):
                bar.update(processed - bar.n)

            imports.run_job(job_id=job.pk, progress=progress)
        job = ImportJob.objects.defer("content").get(pk=job.pk)
        report = imports.report(job)
        self.stdout.write(
            " ".join(
                f"{name}={report[name]}"
                for name in ("created", "linked", "review", "updated", "unchanged", "rejected")
            )
        )

    def _organization(self, value: str) -> Organization:
        queryset = Organization.objects.filter(name=value)
        with contextlib.suppress(ValueError):
            queryset = Organization.objects.filter(pk=uuid.UUID(value)) | queryset
        organization = queryset.first()
        if organization is None:
            raise CommandError(f"unknown organization {value!r}")
        return organization
