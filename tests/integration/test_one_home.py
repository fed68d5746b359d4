"""One home each, where Django is involved: the default sourcing policy and a line's
default quantity are the domain's, whatever door a configuration comes through."""

from __future__ import annotations

import pytest

from configurator.api.serializers import ConfigurationInputSerializer
from configurator.domain.options import default_quantity
from configurator.domain.sourcing import BUILTIN_POLICIES, DEFAULT_POLICY
from configurator.forms import NewConfigurationForm
from configurator.models import Configuration
from configurator.services import ConfigurationInput, LineInput, configuration_resolve
from demo.catalog import FAMILIES
from tests.factories import load_demo_catalog

pytestmark = pytest.mark.django_db


def test_every_door_starts_with_the_one_default_policy():
    assert DEFAULT_POLICY in BUILTIN_POLICIES
    assert ConfigurationInput(template="t").sourcing_policy == DEFAULT_POLICY
    assert Configuration._meta.get_field("sourcing_policy").default == DEFAULT_POLICY
    assert NewConfigurationForm.base_fields["sourcing_policy"].initial == DEFAULT_POLICY
    serializer = ConfigurationInputSerializer(data={"template": "motor-core-package"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.to_input().sourcing_policy == DEFAULT_POLICY


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_a_blank_quantity_takes_the_domains_default(code, make_org):
    load_demo_catalog()
    family = FAMILIES[code]
    data = ConfigurationInput(
        template=family["template"], sourcing_policy=family["sourcing_policy"],
        requirements=family["requirements"],
        lines=[LineInput(slot=slot, sku=sku) for slot, sku in family["skus"].items()],
    )
    snapshot = configuration_resolve(data, organization=make_org("Aurora")).snapshot
    for line in snapshot.lines:
        assert line.quantity == default_quantity(snapshot, line.slot, line.part)
        assert line.quantity == family["quantities"][line.slot]
