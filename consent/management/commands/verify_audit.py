"""``python manage.py verify_audit``: exit 0 when the audit chains are intact, else 1.

The access-log rows committed so far are sealed first (on demand), so the verification covers
them; rows committed during the walk are counted as pending.
"""

from django.core.management.base import BaseCommand, CommandError

from consent.integrity import CHAINS, id_gaps, pending_rows, verify_chain
from consent.seal import CHAIN as ACCESS_CHAIN
from consent.seal import seal_pending


class Command(BaseCommand):
    help = "Seal the pending access-log rows, then verify the hash chains of the access log and of the grant ledger."

    def handle(self, *args, **options):
        seal_pending(wait=True)
        broken = []
        for chain in CHAINS.values():
            problem = verify_chain(chain)
            if problem is None:
                count = chain.sealed().count()
                self.stdout.write(f"{chain.name}: intact ({count} rows)")
            else:
                broken.append(problem)
                self.stdout.write(str(problem))
            if chain.name == ACCESS_CHAIN:
                if pending := pending_rows():
                    self.stdout.write(
                        f"{chain.name}: {pending} rows committed since, not sealed yet"
                    )
                if gaps := id_gaps():
                    self.stdout.write(
                        f"{chain.name}: {gaps} ids never sealed (rolled-back transactions, "
                        "or rows removed before their seal)"
                    )
        if broken:
            raise CommandError("audit chain broken: " + str(broken[0]), returncode=1)
