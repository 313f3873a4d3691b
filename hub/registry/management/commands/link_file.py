"""``python manage.py link_file IN.csv --output OUT.csv``: the matching engine on a CSV file.

No database is used. A malformed file gives a one-line error naming the line and exit code 2.
"""

from django.core.management.base import BaseCommand, CommandError

from hub.matching.cli import EXIT_BAD_INPUT, LinkFileError, link_file


class Command(BaseCommand):
    help = (
        "Find duplicate persons in a UTF-8 CSV (column id required; first_names, birth_name, "
        "usage_name, sex, birth_date, birth_place, postcode, city, address, phone, email, nir "
        "optional) and write id_a,id_b,score,grade."
    )
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("input", help="CSV file of person records")
        parser.add_argument("--output", required=True, help="CSV file of predicted pairs")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="minimum matching probability (default: the 'possible' grade, 0.5)",
        )
        parser.add_argument(
            "--columns",
            default=None,
            help="rename input columns: src=dst,... (e.g. given_name=first_names)",
        )

    def handle(self, *args, **options):
        try:
            n = link_file(
                options["input"], options["output"], options["threshold"], options["columns"]
            )
        except LinkFileError as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        if options["verbosity"] >= 1:
            self.stdout.write(f"{n} pair{'s' if n != 1 else ''} written to {options['output']}")
