"""The options answer is built directly (`slot_options_data`), not through the generic
serializers; `SlotOptionsOutput` stays its documented schema. The two give the same JSON on
real answers: every slot, excluded parts with their violations and years, sorted, paged,
searched, and a kit that cannot be completed."""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer

from configurator import selectors, services
from configurator.api.serializers import SlotOptionsOutput, slot_options_data
from configurator.catalog import version_label
from core.services import organization_get_or_create
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


def _json(data) -> object:
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("query", [
    {"slot": None, "include_excluded": True},
    {"slot": "magnet", "include_excluded": True, "limit": 200},
    {"slot": "end_plate", "include_excluded": True, "sort": "lead_time"},
    {"slot": None, "include_excluded": True, "sort": "spec", "offset": 1},
    {"slot": "magnet", "include_excluded": True, "search": "sgi"},
])
@pytest.mark.parametrize("swap", [{}, {"magnet": "MAG-N45H-D-4930-SGI-KR"}])
def test_the_direct_rendering_is_the_serializers_json(query, swap):
    load_demo_catalog()
    org = organization_get_or_create(name="Aurora Motors", kind="automaker")
    configuration = family_configuration(org, swap=swap, schedule=[(2028, 10_000), (2029, 900_000)])
    snapshot = selectors.configuration_snapshot_get(organization=org, pk=configuration.pk)
    options = selectors.configuration_options(
        snapshot=snapshot, slot=query["slot"], offset=query.get("offset", 0), limit=query.get("limit", 20),
        include_excluded=query["include_excluded"], search=query.get("search", ""),
        **({"sort": query["sort"]} if "sort" in query else {}))
    completion = services.completion_of(snapshot)
    version = version_label((7, None))
    direct = slot_options_data(options.values(), completion=completion, catalog_version=version)
    generic = SlotOptionsOutput(list(options.values()), many=True,
                                context={"completion": completion, "catalog_version": version}).data
    assert _json(direct) == _json(generic)
    # The answer exercises what could drift: excluded items with violations, and prices.
    items = [item for slot in direct for item in slot["items"]]
    assert items and any(item["reference_unit_price_usd"] for item in items)
    if query["include_excluded"]:
        assert any(item["violations"] for item in items)
