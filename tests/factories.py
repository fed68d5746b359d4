"""Builders for test data on top of the demo catalog."""

from __future__ import annotations

from django.core.management import call_command

from configurator.services import ConfigurationInput, LineInput, configuration_create
from parts.demo.catalog_builder import FAMILIES


def load_demo_catalog() -> None:
    call_command("import_catalog", "parts/data/demo_catalog.json", verbosity=0)


def family_configuration(organization, code: str = "CK48-8", *, user=None, swap: dict | None = None,
                         schedule=None, policy: str | None = None):
    """A saved configuration of one demo family (valid unless `swap` breaks it)."""
    family = FAMILIES[code]
    skus = {**family["skus"], **(swap or {})}
    return configuration_create(
        organization=organization, user=user,
        data=ConfigurationInput(
            template=family["template"], name=family["title"],
            sourcing_policy=policy or family["sourcing_policy"],
            requirements=family["requirements"],
            schedule=schedule if schedule is not None
            else [(s["year"], s["kits"]) for s in family["schedule"]],
            lines=[LineInput(slot=slot, sku=sku,
                             quantity=None if slot in (swap or {}) else family["quantities"][slot])
                   for slot, sku in skus.items()],
        ),
    )


# What a buyer sends to place an order (a PO number and the confirmation of the terms).
PLACE_ORDER = {"po_number": "PO-4711", "terms_accepted": True}


def accept(quote, user=None):
    """Accept a quote as a buyer would: with a PO number and the terms confirmed."""
    from orders.services import quote_accept

    return quote_accept(quote=quote, user=user, **PLACE_ORDER)
