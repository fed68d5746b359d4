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


def test_a_background_load_pauses_every_step_and_loads_the_same_view():
    from configurator.domain.artifact import pack, unpack
    from configurator.domain.completion import completion_status

    parts = list(synthetic.demo_parts())
    index = CatalogIndex.build(compact_parts(parts)).warm()
    blob = pack(index, b"k" * 32)
    pauses = []
    loaded = unpack(blob, b"k" * 32, pause=lambda: pauses.append(1))
    plain = unpack(blob, b"k" * 32)
    assert len(pauses) >= 2  # between inflated chunks and while the parts are filled
    snapshot = synthetic.family_snapshot("CK48-8", {p.sku: p for p in parts})
    answers = [(slot_options(kit, view, "magnet", offset=0, limit=20, include_excluded=True),
                completion_status(kit, view).to_dict())
               for view in (loaded, plain) for kit in [rebound(snapshot, view)]]
    assert answers[0] == answers[1]
    warmed = []
    assert warm(loaded, [(snapshot, "magnet"), (snapshot, None)], lambda: warmed.append(1)) == 2
    assert len(warmed) == 2  # before each kit


def test_a_warmed_kit_is_answered_from_the_new_views_memory(monkeypatch):
    """The first request on a new view finds the answer the warm-up left there: the same kit
    rebuilt as a request builds it (the new view's parts and templates, the same bookings)."""
    from dataclasses import replace

    from configurator.domain.options import memo

    parts = list(synthetic.demo_parts())
    asked = synthetic.family_snapshot("CK48-8", {p.sku: p for p in parts})
    new = CatalogIndex.build(compact_parts(parts))
    assert warm(new, [(asked, "magnet"), (asked, None)]) == 2
    answered = []
    monkeypatch.setattr(memo, "slot_options", lambda *a, **k: answered.append(a[2]))
    request_kit = replace(
        asked, template=replace(asked.template),
        lines=tuple(replace(ln, part=new.get(ln.part.sku)) for ln in asked.lines))
    every = memo.remembered_all_slot_options(request_kit, new)
    assert memo.remembered_slot_options(request_kit, new, "magnet") is every["magnet"]
    assert answered == [] and all(every.values())  # nothing computed: all from the warm-up
