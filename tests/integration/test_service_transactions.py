"""Services that lock rows open their own transaction: a view calls them outside one.

The test database wraps ordinary tests in a transaction, which hides a service that
forgot `transaction.atomic` (PostgreSQL refuses SELECT ... FOR UPDATE outside one);
these run as a request would, in autocommit.
"""

from __future__ import annotations

import pytest

from configurator import services
from configurator.services import LineInput
from tests.factories import family_configuration, load_demo_catalog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_changing_and_deleting_a_configuration_lock_in_their_own_transaction(buyer):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    rotor = config.lines.get(slot="rotor_core")
    services.configuration_update(configuration=config, changes={
        "lines": [LineInput(slot="rotor_core", sku=rotor.part.sku, quantity=1)]})
    assert list(config.lines.values_list("slot", flat=True)) == ["rotor_core"]
    services.configuration_delete(configuration=config)
    assert not type(config).objects.filter(pk=config.pk).exists()
