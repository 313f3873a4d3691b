"""Load the demo territory (idempotent) and print the demo logins and partner credentials."""

import time

from django.core.management.base import BaseCommand

from fixtures.demo import PERSONS, SEED, load_demo


class Command(BaseCommand):
    help = (
        "Load the synthetic demo territory (Villeurbanne): organizations, staff, demo OAuth2 "
        "clients and ~300 persons. Idempotent. DEMO ONLY: the credentials printed are public."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument("--persons", type=int, default=PERSONS)

    def handle(self, *args, **options):
        started = time.monotonic()
        summary = load_demo(seed=options["seed"], persons=options["persons"])
        elapsed = time.monotonic() - started
        out = self.stdout.write
        out(
            f"Demo data: {summary.records_created} partner record(s) submitted, "
            f"{summary.records_existing} already present ({elapsed:.1f} s)."
        )
        out("")
        out("DEMO ONLY - these credentials are public; never expose this instance.")
        out("Admin: http://127.0.0.1:8000/admin/")
        username, password = summary.admin
        out(f"  superuser  {username} / {password}")
        for username, password, organization, role in summary.staff:
            out(f"  {username:<17} {password}   {role}, {organization}")
        out("")
        out("Partner API clients (POST /o/token/, grant_type=client_credentials, HTTP Basic):")
        for organization, client_id, client_secret, scopes in summary.clients:
            out(f"  {organization}")
            out(f"    client_id     {client_id}")
            out(f"    client_secret {client_secret}")
            out(f"    scopes        {scopes}")
