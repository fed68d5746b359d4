from django.core.management.base import BaseCommand, CommandError

from core.models import Membership, Organization
from core.services import api_key_create, organization_get_or_create


class Command(BaseCommand):
    help = "Print a new API key for an organization. Only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization name")
        parser.add_argument(
            "--create-org", action="store_true", help="create the organization (as a partner)"
        )
        parser.add_argument(
            "--role", default=Membership.Role.PARTNER, choices=Membership.Role.values
        )
        parser.add_argument("--name", default="", help="a label for the key")

    def handle(self, *args, org: str, create_org: bool, role: str, name: str, **options):
        organization = Organization.objects.filter(name=org).first()
        if organization is None:
            if not create_org:
                raise CommandError(f"no organization named {org!r} (use --create-org)")
            organization = organization_get_or_create(name=org, kind=Organization.Kind.PARTNER)
        issued = api_key_create(
            organization=organization, name=name or f"{role} key", role=role
        )
        self.stderr.write(
            f"API key for {organization.name} ({role}); shown once, store it now:"
        )
        self.stdout.write(issued.raw_key)
