"""No dead ends: every offered option has a completion, every DEAD_END has none.

Small random catalogs drawn from the demo catalog (its families and near
misses make fits and misfits common), random partial kits, policies and
schedules; the reference answer is an exhaustive search over every complete
kit the small catalog allows, judged by the full engine.
"""

from __future__ import annotations

import dataclasses
import itertools
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.domain import BUILTIN_POLICIES, BUILTIN_TEMPLATES, Line, Part, Snapshot, evaluate
from configurator.domain.completion import DEAD_END, completion_status, tables
from configurator.domain.options import CatalogIndex, all_slot_options, default_quantity, slot_options
from configurator.domain.repairs import apply_repair, suggest_repairs
from tests.unit.configurator import synthetic

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def _by_category() -> dict[str, list[Part]]:
    out: dict[str, list[Part]] = {}
    for part in synthetic.demo_parts():
        out.setdefault(part.category, []).append(part)
    return out


BY_CATEGORY = _by_category()
BY_SKU = {p.sku: p for p in synthetic.demo_parts()}


def _kit_lines(snapshot: Snapshot, chosen: dict[str, Part]) -> tuple[Line, ...]:
    """Lines with the kit's quantities (magnets: the formula with the rotor core)."""
    rotor = tuple(Line(s, p, 1) for s, p in chosen.items() if s == "rotor_core")
    base = dataclasses.replace(snapshot, lines=rotor)
    return tuple(Line(s, p, default_quantity(base, s, p)) for s, p in chosen.items())


def completable_by_search(snapshot: Snapshot, index: CatalogIndex, held: dict[str, Part]) -> bool:
    """Exhaustive: some complete kit with no error holds `held` (one part per slot)."""
    free = [s.code for s in snapshot.template.slots if s.required and s.code not in held]
    pools = [index.parts_in(snapshot.template.slot(s).category) for s in free]
    for combo in itertools.product(*pools):
        chosen = {**held, **dict(zip(free, combo, strict=True))}
        kit = dataclasses.replace(snapshot, lines=_kit_lines(snapshot, chosen))
        if not evaluate(kit).errors:
            return True
    return False


@st.composite
def cases(draw):
    template = draw(
        st.sampled_from(["rotor-kit", "stator-kit", "rotor-kit", "stator-kit", "motor-core-package"])
    )
    family = draw(st.sampled_from(sorted(synthetic.FAMILIES)))
    base = synthetic.family_snapshot(
        family, BY_SKU, policy=draw(st.sampled_from(["china-excluded", "dfars-7052", "none"])),
        schedule=draw(st.booleans()), restricted=synthetic.restricted_entities(),
    )
    snapshot = dataclasses.replace(base, template=BUILTIN_TEMPLATES[template])
    per_category = 2 if template == "motor-core-package" else 3
    catalog: list[Part] = []
    for slot in snapshot.template.slots:
        pool = BY_CATEGORY.get(slot.category, [])
        family_part = next((ln.part for ln in base.lines if ln.slot == slot.code), None)
        picks = draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=per_category, unique_by=lambda p: p.sku)
        )
        if family_part is not None and draw(st.booleans()):
            picks = [family_part, *[p for p in picks if p.sku != family_part.sku]][:per_category]
        catalog.extend(picks)
    index = CatalogIndex.build(catalog).warm()
    if snapshot.schedule and draw(st.booleans()):
        # Other orders' bookings: the capacity still free is what a kit may use (the
        # options ignored them where the magnet count depends on the rotor core).
        booked = {}
        for part in draw(st.lists(st.sampled_from(catalog), max_size=3, unique_by=lambda p: p.sku)):
            share = draw(st.sampled_from([0.3, 0.6, 0.9, 1.0]))
            for year in snapshot.schedule:
                booked[(part.sku, year.year)] = int(part.annual_capacity * share)
        snapshot = dataclasses.replace(snapshot, booked=MappingProxyType(booked))
    held: dict[str, Part] = {}
    for slot in snapshot.template.slots:
        if draw(st.integers(0, 3)) == 0:
            held[slot.code] = draw(st.sampled_from(list(index.parts_in(slot.category))))
    snapshot = dataclasses.replace(snapshot, lines=_kit_lines(snapshot, held))
    return snapshot, index, held


@SETTINGS
@given(cases())
def test_offered_options_have_a_completion_and_dead_ends_have_none(case):
    snapshot, index, held = case
    for slot, options in all_slot_options(snapshot, index, limit=12).items():
        for option in options.items:
            others = {s: p for s, p in held.items() if s != slot}
            if option.feasible:
                assert completable_by_search(snapshot, index, {**others, slot: option.part}), (
                    slot, option.part.sku)
            elif option.codes == (DEAD_END,):
                assert not completable_by_search(snapshot, index, {**others, slot: option.part}), (
                    slot, option.part.sku)
                (dead,) = [v for v in option.violations if v.code == DEAD_END]
                assert option.part.sku in dead.message


@SETTINGS
@given(cases())
def test_completion_status_agrees_with_exhaustive_search(case):
    snapshot, index, held = case
    status = completion_status(snapshot, index)
    assert status.possible == completable_by_search(snapshot, index, held)
    if not status.possible:
        assert status.reason


@SETTINGS
@given(cases())
def test_every_repair_ends_in_a_completable_kit(case):
    snapshot, index, _held = case
    for repair in suggest_repairs(snapshot, index):
        after = apply_repair(snapshot, repair, index)
        held = {}
        for line in after.lines:
            held[line.slot] = line.part
        assert completable_by_search(after, index, held), repair.message


# --------------------------------------------------------------------------- examples


@pytest.fixture(scope="module")
def demo():
    parts = synthetic.demo_parts()
    return CatalogIndex.build(parts).warm()


def test_the_tables_read_the_rules_not_a_list(demo):
    t = tables(demo, BUILTIN_TEMPLATES["motor-core-package"])
    # Fields no rule reads do not split classes: magnets differ in mass and grade, not in fit.
    assert "mass_g" not in t.classes["magnet"].fields
    assert {"width_mm", "thickness_mm", "length_mm"} <= set(t.classes["magnet"].fields)
    assert ("end_plate", "shaft") in t.pairs and ("rotor_core", "stator_core") in t.pairs
    assert t.engine_calls < 5000


def test_an_end_plate_no_shaft_can_hold_is_a_dead_end_with_its_reason(demo):
    family = next(iter(synthetic.FAMILIES))
    snapshot = synthetic.family_snapshot(family, BY_SKU, schedule=False)
    rotor = next(ln for ln in snapshot.lines if ln.slot == "rotor_core")
    partial = dataclasses.replace(snapshot, template=BUILTIN_TEMPLATES["rotor-kit"], lines=(rotor,))
    forward = slot_options(partial, demo, "end_plate", limit=200, dead_ends=False)
    guided = slot_options(partial, demo, "end_plate", limit=200)
    assert guided.feasible_count < forward.feasible_count
    dead = [o for o in guided.items if DEAD_END in o.codes]
    assert dead
    for option in dead[:2]:
        assert not completable_by_search(partial, demo, {"rotor_core": rotor.part, "end_plate": option.part})
        message = next(v.message for v in option.violations if v.code == DEAD_END)
        assert "could no longer be filled" in message or "no complete kit" in message


def test_an_impossible_schedule_says_why_and_what_would_relax_it(demo):
    family = next(iter(synthetic.FAMILIES))
    snapshot = synthetic.family_snapshot(family, BY_SKU)
    huge = tuple(dataclasses.replace(y, kits=y.kits * 10_000) for y in snapshot.schedule)
    rotor = next(ln for ln in snapshot.lines if ln.slot == "rotor_core")
    kit = dataclasses.replace(snapshot, schedule=huge, lines=(rotor,))
    status = completion_status(kit, demo)
    assert not status.possible
    assert status.relax and any("volume" in r for r in status.relax)
    assert all(not o.feasible for o in slot_options(kit, demo, "shaft", limit=50).items)


def test_a_complete_valid_kit_is_completable_and_offers_its_own_parts(demo):
    for family in synthetic.FAMILIES:
        snapshot = synthetic.family_snapshot(family, BY_SKU)
        assert completion_status(snapshot, demo).possible
        for slot, options in all_slot_options(snapshot, demo, limit=500, include_excluded=False).items():
            assert options.current[0] in {o.part.sku for o in options.items}, (family, slot)


def test_policy_none_is_known():
    assert "none" in BUILTIN_POLICIES


def test_options_rank_by_cost_per_kit_at_the_first_years_volume():
    from decimal import Decimal

    family = next(iter(synthetic.FAMILIES))
    snapshot = synthetic.family_snapshot(family, BY_SKU)
    kept = tuple(ln for ln in snapshot.lines if ln.slot != "magnet")
    without_magnet = dataclasses.replace(snapshot, lines=kept)
    index = CatalogIndex.build(synthetic.demo_parts())
    offered = slot_options(without_magnet, index, "magnet", include_excluded=False).items
    first, second = [o.part for o in offered[:2]]
    # The second gets a volume tier that makes it the cheapest at the program's volume.
    tiered = dataclasses.replace(
        second, reference_unit_price=first.reference_unit_price + Decimal(1),
        price_tiers=((1, first.reference_unit_price + Decimal(1)), (1000, Decimal("0.01"))),
    )
    parts = [tiered if p.sku == second.sku else p for p in synthetic.demo_parts()]
    index = CatalogIndex.build(parts)
    at_volume = slot_options(without_magnet, index, "magnet", include_excluded=False).items
    assert at_volume[0].part.sku == second.sku
    no_schedule = dataclasses.replace(without_magnet, schedule=())
    page = slot_options(no_schedule, index, "magnet", include_excluded=False, limit=100)
    listed = [o.part.sku for o in page.items]
    assert listed.index(first.sku) < listed.index(second.sku)
    # Quantities are the kit's: the formula with the chosen rotor core, not one magnet.
    assert at_volume[0].quantity > 1


def test_search_narrows_the_list_and_its_counts():
    index = CatalogIndex.build(synthetic.demo_parts())
    family = next(iter(synthetic.FAMILIES))
    snapshot = synthetic.family_snapshot(family, BY_SKU)
    everything = slot_options(snapshot, index, "magnet", limit=500)
    found = slot_options(snapshot, index, "magnet", limit=500, search="n48sh")
    assert 0 < found.total < everything.total
    assert all("N48SH" in o.part.sku.upper() or "N48SH" in o.part.name.upper() for o in found.items)


# --------------------------------------------------------------------------- capacity booked by orders


def _family(code: str = "CK48-8") -> dict[str, Part]:
    return {slot: BY_SKU[sku] for slot, sku in synthetic.FAMILIES[code]["skus"].items() if sku}


def _rotor_kit(lines=(), *, booked=None, schedule=((2028, 100_000),)) -> Snapshot:
    from configurator.domain import Requirements, ScheduleYear

    return Snapshot(template=BUILTIN_TEMPLATES["rotor-kit"], requirements=Requirements(),
                    lines=tuple(lines), policy=BUILTIN_POLICIES["none"],
                    schedule=tuple(ScheduleYear(y, k) for y, k in schedule), today=synthetic.TODAY,
                    booked=MappingProxyType(booked or {}))


def test_a_rotor_core_whose_magnet_count_the_booked_magnet_cannot_deliver_is_a_dead_end():
    """The options compared the magnet count with the magnet's whole capacity, not what other
    orders left of it: a rotor core taking 24 magnets a kit was offered while the one magnet,
    half booked, could deliver 20."""
    fam = _family()
    r16, magnet = fam["rotor_core"], fam["magnet"]
    r24 = dataclasses.replace(r16, sku="RC-24", specs={**r16.specs, "magnets_per_pole": 3})
    index = CatalogIndex.build([r16, r24, magnet, fam["shaft"], fam["end_plate"]])
    kits = magnet.annual_capacity // 40  # 24 a kit fits the whole capacity, not the half left
    booked = {(magnet.sku, 2028): magnet.annual_capacity // 2}
    for chosen in ((), (Line("magnet", magnet, 16),)):
        snapshot = _rotor_kit(chosen, booked=booked, schedule=((2028, kits),))
        options = {o.part.sku: o for o in slot_options(snapshot, index, "rotor_core").items}
        assert options[r16.sku].feasible
        assert options["RC-24"].codes == (DEAD_END,), options["RC-24"].violations
        (dead,) = options["RC-24"].violations
        assert "24 magnets a kit" in dead.message and "less what other orders booked" in dead.message
        assert not completable_by_search(snapshot, index, {**dict((ln.slot, ln.part) for ln in chosen),
                                                           "rotor_core": options["RC-24"].part})
    free = _rotor_kit(schedule=((2028, kits),))  # without the booking, both are offered
    assert all(o.feasible for o in slot_options(free, index, "rotor_core").items)
    kit = _kit_lines(free, {"rotor_core": r24, "magnet": magnet, "shaft": fam["shaft"],
                            "end_plate": fam["end_plate"]})
    assert completion_status(dataclasses.replace(free, lines=kit), index).possible
    assert not completion_status(_rotor_kit(kit, booked=booked, schedule=((2028, kits),)), index).possible


def test_options_asked_before_an_order_booked_capacity_are_not_answered_after_it():
    """The verdicts were kept per requirements, policy, schedule and day, not bookings: a
    process that had answered before an order took the busbar's capacity went on offering a
    winding no complete kit could hold any more."""
    from configurator.domain import Requirements, ScheduleYear

    fam = _family()
    stator, winding, insulation, busbar = (fam[s] for s in ("stator_core", "winding", "insulation", "busbar"))
    index = CatalogIndex.build([stator, winding, insulation, busbar])

    def winding_option(booked):
        snapshot = Snapshot(template=BUILTIN_TEMPLATES["stator-kit"], requirements=Requirements(),
                            lines=(Line("stator_core", stator, 1),), policy=BUILTIN_POLICIES["none"],
                            schedule=(ScheduleYear(2028, 100_000),), today=synthetic.TODAY,
                            booked=MappingProxyType(booked))
        return slot_options(snapshot, index, "winding").items[0]

    assert winding_option({}).feasible
    taken = winding_option({(busbar.sku, 2028): busbar.annual_capacity})
    assert taken.codes == (DEAD_END,)
    assert winding_option({}).feasible  # and back when the booking is gone


def test_a_dead_end_reason_told_for_a_twin_part_names_only_parts_of_the_catalog():
    """The reason, found once per class, was told for the next part by replacing the first
    part's SKU everywhere: "K1-PLATE" became "K2-PLATE", a part that does not exist."""
    fam = _family()
    shaft = fam["shaft"]
    k1 = dataclasses.replace(shaft, sku="K1")
    k2 = dataclasses.replace(shaft, sku="K2", reference_unit_price=shaft.reference_unit_price + 1)
    plate = dataclasses.replace(fam["end_plate"], sku="K1-PLATE",
                                specs={**fam["end_plate"].specs,
                                       "bore_diameter_mm": shaft.specs["seat_diameter_mm"] - 1})
    index = CatalogIndex.build([fam["rotor_core"], fam["magnet"], k1, k2, plate])
    snapshot = _rotor_kit((Line("rotor_core", fam["rotor_core"], 1),), schedule=())
    options = {o.part.sku: o for o in slot_options(snapshot, index, "shaft").items}
    for sku in ("K1", "K2"):
        (dead,) = options[sku].violations
        assert f"shaft {sku} fits" in dead.message and "end plate K1-PLATE" in dead.message
        assert "K2-PLATE" not in dead.message
