"""Warming a new view with recently asked kits: answered on the new view's own parts, and a
kit whose part left the catalog is skipped (never an error in the background swap)."""

from __future__ import annotations

from configurator.domain.artifact import compact_parts
from configurator.domain.options import CatalogIndex, slot_options
from configurator.domain.warm import rebound, warm
from tests.unit.configurator import synthetic


def test_a_recent_kit_is_answered_on_the_new_views_parts_and_one_whose_part_left_is_skipped():
    parts = list(synthetic.demo_parts())
    snapshot = synthetic.family_snapshot("CK48-8", {p.sku: p for p in parts})
    magnet = next(ln.part.sku for ln in snapshot.lines if ln.slot == "magnet")
    new = CatalogIndex.build(compact_parts(parts))
    kit = rebound(snapshot, new)
    assert kit is not None and all(ln.part is new.get(ln.part.sku) for ln in kit.lines)
    without = CatalogIndex.build(compact_parts(p for p in parts if p.sku != magnet))
    assert rebound(snapshot, without) is None
    assert warm(without, [(snapshot, "magnet")]) == 0
    assert warm(new, [(snapshot, "magnet"), (snapshot, None)]) == 2
    assert slot_options(kit, new, "magnet", offset=0, limit=20, include_excluded=True).items
