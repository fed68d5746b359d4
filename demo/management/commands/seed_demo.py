from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from configurator.services import kit_templates_seed
from core.models import ApiKey, Membership, Organization, User
from core.services import (
    api_key_create,
    commercial_terms_ensure,
    organization_get_or_create,
    user_upsert,
)
from parts.services import catalog_import_text

DEMO_CATALOG = Path(settings.BASE_DIR) / "parts" / "data" / "demo_catalog.json"

# (organization, kind, country, [(username, password, role, email, first, last)])
DEMO_ORGANIZATIONS = [
    ("corekit", Organization.Kind.INTERNAL, "KR", [
        ("sales", "corekit-sales-2026", Membership.Role.SALES_REP, "sales@corekit.example",
         "Minji", "Park"),
        # A second rep: terms one rep sets in a re-quote are approved by another.
        ("sales.lead", "corekit-sales-2026", Membership.Role.SALES_REP, "sales.lead@corekit.example",
         "Jae-won", "Choi"),
    ]),
    ("Aurora Motors", Organization.Kind.AUTOMAKER, "US", [
        ("aurora.buyer", "corekit-demo-2026", Membership.Role.BUYER, "buyer@aurora.example",
         "Dana", "Whitfield"),
    ]),
    ("Nordwerk Automobil AG", Organization.Kind.AUTOMAKER, "DE", [
        ("nordwerk.buyer", "corekit-demo-2026", Membership.Role.BUYER, "einkauf@nordwerk.example",
         "Jonas", "Keller"),
    ]),
    ("Voltline Integrations", Organization.Kind.PARTNER, "KR", [
        ("voltline.partner", "corekit-demo-2026", Membership.Role.PARTNER,
         "api@voltline.example", "Seo-yeon", "Han"),
    ]),
]


# The demo customers' supply agreements (kept by sales reps in the admin afterwards).
DEMO_TERMS = {
    "Aurora Motors": {
        "legal_name": "Aurora Motors, Inc.", "default_currency": "USD",
        "address": "1200 Innovation Drive\nFremont, CA 94538\nUnited States",
        "incoterms": "FCA", "incoterms_place": "Busan port", "payment_terms_days": 60,
    },
    "Nordwerk Automobil AG": {
        "legal_name": "Nordwerk Automobil AG", "default_currency": "EUR",
        "address": "Werkstraße 1\n38440 Wolfsburg\nGermany",
        "incoterms": "FCA", "incoterms_place": "Busan port", "payment_terms_days": 60,
    },
}


class Command(BaseCommand):
    help = "Load the demo catalog, organizations and users (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--catalog", default=str(DEMO_CATALOG), help="catalog file to load")

    def handle(self, *args, catalog: str, **options):
        if not settings.COREKIT_ALLOW_DEMO_DATA:
            raise CommandError(
                "seed_demo creates users with published passwords and refuses to run under "
                f"{settings.SETTINGS_MODULE or 'these settings'}. For a development database use "
                "DJANGO_SETTINGS_MODULE=config.settings.local (what `make run` selects)."
            )
        kit_templates_seed()
        report = catalog_import_text(text=Path(catalog).read_bytes())
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"{error.path}: {error.message}")
            raise CommandError("the demo catalog is invalid; nothing was loaded")
        self.stdout.write(f"Catalog: {report.summary()}")

        logins = []
        new_key = None
        with transaction.atomic():
            for name, kind, country, users in DEMO_ORGANIZATIONS:
                org = organization_get_or_create(name=name, kind=kind, country=country)
                if name in DEMO_TERMS:
                    commercial_terms_ensure(organization=org, **DEMO_TERMS[name])
                for username, password, role, email, first, last in users:
                    user_upsert(
                        username=username, password=password, organization=org, role=role,
                        email=email, first_name=first, last_name=last,
                    )
                    logins.append((username, password, org.name, role))
                if kind == Organization.Kind.PARTNER and not ApiKey.objects.filter(
                    organization=org, revoked_at__isnull=True
                ).exists():
                    new_key = (org.name, api_key_create(organization=org, name="demo key").raw_key)

            operator, _ = User.objects.get_or_create(username="admin")
            operator.is_staff = operator.is_superuser = True
            operator.set_password("corekit-admin-2026")
            operator.save()
            logins.append(("admin", "corekit-admin-2026", "corekit", "operator (superuser)"))

        self.stdout.write("Demo logins (username / password — organization, role):")
        for username, password, org_name, role in logins:
            self.stdout.write(f"  {username} / {password} — {org_name}, {role}")
        if new_key:
            self.stdout.write(f"Partner API key for {new_key[0]} (shown once): {new_key[1]}")
        else:
            self.stdout.write(
                "Partner API key: already issued; make a new one with "
                "`python manage.py create_api_key --org \"Voltline Integrations\"`"
            )
