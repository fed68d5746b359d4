"""Which saved configurations a catalog change concerns: the same answer for one changed part
or a catalog-wide import, without sending every changed part to the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurator import selectors
from configurator.selectors import configurations_using
from demo.catalog import FAMILIES
from parts.models import Part
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_families(make_org):
    load_demo_catalog()
    org = make_org("Aurora Motors")
    return family_configuration(org), family_configuration(org, "CK72-12")


def _using(part_ids) -> tuple[set[int], int]:
    with CaptureQueriesContext(connection) as ctx:
        found = set(configurations_using(part_ids=part_ids).values_list("pk", flat=True))
    return found, max(len(q["sql"]) for q in ctx.captured_queries)


@pytest.mark.parametrize("narrowed_above", [500, 3])
def test_a_catalog_wide_change_finds_the_same_configurations_in_short_queries(
        two_families, monkeypatch, narrowed_above):
    monkeypatch.setattr(selectors, "PARTS_NARROWED_ABOVE", narrowed_above)
    ck48, ck72 = two_families
    magnet = Part.objects.get(sku=FAMILIES["CK48-8"]["skus"]["magnet"])
    unused = list(Part.objects.exclude(configuration_lines__isnull=False).values_list("pk", flat=True))
    assert len(unused) > 100
    assert _using([magnet.pk])[0] == {ck48.pk}
    assert _using(unused)[0] == set()
    everything = list(Part.objects.values_list("pk", flat=True))
    found, longest = _using(everything)
    assert found == {ck48.pk, ck72.pk}
    if narrowed_above < len(everything):  # not every changed part's id is in the SQL
        assert longest < 4 * len(everything)
