from django.core.management.base import BaseCommand, CommandError

from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.services import configurations_revalidate_for_policy


class Command(BaseCommand):
    help = ("Re-check saved configurations against today's catalog and rule packs (run after "
            "releasing a rule-pack change); lists those that became invalid.")

    def add_arguments(self, parser):
        parser.add_argument("--policy", help="only configurations under this sourcing policy")

    def handle(self, *args, policy: str | None, **options):
        if policy and policy not in BUILTIN_POLICIES:
            raise CommandError(f"unknown policy {policy!r} ({', '.join(BUILTIN_POLICIES)})")
        invalid = configurations_revalidate_for_policy(
            policy_code=policy, reason=f"rule pack {policy or 'all'} re-check"
        )
        self.stdout.write(f"{len(invalid)} configuration(s) became invalid: "
                          f"{', '.join(map(str, invalid)) or '—'}")
