"""``python manage.py verify_audit``: exit 0 when the audit chains are intact, else 1."""

from django.core.management.base import BaseCommand, CommandError

from consent.integrity import CHAINS, verify_chain


class Command(BaseCommand):
    help = "Verify the hash chains of the access log and of the grant ledger."

    def handle(self, *args, **options):
        broken = []
        for chain in CHAINS.values():
            problem = verify_chain(chain)
            if problem is None:
                count = chain.model.objects.count()
                self.stdout.write(f"{chain.name}: intact ({count} rows)")
            else:
                broken.append(problem)
                self.stdout.write(str(problem))
        if broken:
            raise CommandError("audit chain broken: " + str(broken[0]), returncode=1)
