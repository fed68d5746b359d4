"""Sorting a slot's options (configurator.domain.option_order): the same parts as the engine's
cost-per-kit listing, the parts that fit in the asked order (ties cheapest per kit first), the
excluded ones after them in the engine's order, and pages that add up to the whole list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.domain.option_order import KEY_SPECS, SORTS, sort_choices, sorted_slot_options
from configurator.domain.options import CatalogIndex, slot_options
from tests.hypothesis_profiles import examples
from tests.unit.configurator.test_options import catalog_and_kit


def key_of(sort: str, option) -> tuple:
    part = option.part
    if sort == "lead_time":
        return (part.lead_time_days,)
    if sort == "name":
        return ((part.name or part.sku).casefold(), part.sku)
    if sort == "sku":
        return (part.sku,)
    if sort == "spec":
        spec = KEY_SPECS[part.category]
        value = part.specs.get(spec.field)
        if value is None:
            return (True, 0)
        return (False, -Decimal(str(value)) if spec.descending else Decimal(str(value)))
    return ()


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog_and_kit(), st.sampled_from(SORTS), st.integers(1, 5))
def test_a_sorted_listing_is_the_engines_listing_reordered_and_pages_add_up(case, sort, page_size):
    parts, snapshot = case
    index = CatalogIndex.build(parts)
    for slot in snapshot.template.slots:
        every = len(index.parts_in(slot.category)) + 1
        engine = slot_options(snapshot, index, slot.code, limit=every)
        whole = sorted_slot_options(snapshot, index, slot.code, sort=sort, limit=every)
        assert (whole.total, whole.feasible_count, dict(whole.excluded_by_code)) == \
            (engine.total, engine.feasible_count, dict(engine.excluded_by_code))
        assert sorted(o.part.sku for o in whole.items) == sorted(o.part.sku for o in engine.items)
        fits = [o for o in whole.items if o.feasible]
        assert whole.items[:len(fits)] == tuple(fits)
        # The asked order; equal keys keep the engine's (cost per kit) order.
        engine_rank = {o.part.sku: i for i, o in enumerate(engine.items)}
        ranked = [(key_of(sort, o), engine_rank[o.part.sku]) for o in fits]
        assert ranked == sorted(ranked)
        # The excluded parts follow in the engine's order.
        assert [o.part.sku for o in whole.items[len(fits):]] == \
            [o.part.sku for o in engine.items if not o.feasible]
        paged = []
        for offset in range(0, len(whole.items), page_size):
            paged += sorted_slot_options(snapshot, index, slot.code, sort=sort, offset=offset,
                                         limit=page_size).items
        assert [o.part.sku for o in paged] == [o.part.sku for o in whole.items]


def test_an_unknown_sort_is_refused_and_every_category_offers_its_key_spec():
    with pytest.raises(ValueError, match="unknown sort"):
        sorted_slot_options(None, None, "magnet", sort="price")  # type: ignore[arg-type]
    for category, spec in KEY_SPECS.items():
        values = [value for value, _label in sort_choices(category)]
        assert values[0] == "cost" and "spec" in values
        assert spec.name in dict(sort_choices(category)).values()
    assert "spec" not in [value for value, _label in sort_choices("gearbox")]
