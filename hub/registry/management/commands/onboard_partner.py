import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hub.registry.partners import OnboardingError, onboard_partner, parse_scopes


class Command(BaseCommand):
    help = "Create a partner organization (if needed) and an OAuth2 client limited to the given scopes."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Organization name")
        parser.add_argument(
            "--kind",
            required=True,
            help="commune, ccas, cias, departement, association, siao, other",
        )
        parser.add_argument(
            "--scopes", required=True, help='Space-separated, e.g. "records:read records:write"'
        )
        parser.add_argument("--siret", default="", help="SIRET (14 digits, Luhn key)")
        parser.add_argument("--client-name", default="", help="Name of the OAuth2 application")
        parser.add_argument("--json", action="store_true", help="Print a JSON document")

    def handle(self, *args, **options):
        try:
            scopes = parse_scopes(options["scopes"])
            result = onboard_partner(
                name=options["name"],
                kind=options["kind"],
                scopes=scopes,
                siret=options["siret"],
                client_name=options["client_name"],
            )
        except OnboardingError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        payload = {
            "organization": str(result.organization.pk),
            "client_id": result.client_id,
            "client_secret": result.client_secret,
            "scopes": scopes,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload))
        else:
            self.stdout.write(
                f"organization {result.organization.name} ({payload['organization']})\n"
                f"client_id     {result.client_id}\nclient_secret {result.client_secret}\n"
                f"scopes        {' '.join(scopes)}\n(the secret is shown once; only its hash is stored)"
            )
