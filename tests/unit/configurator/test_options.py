"""Guided options: the index's verdicts are the engine's, for every candidate.

The property tests build random catalogs and kits (specs near the Prius
numbers so that fits and misfits are both common, some specs missing or odd,
Chinese and undeclared stages, a restricted supplier, inactive parts, tight
capacities and long lead times, several parts in one slot, misfiled lines) and
check every candidate of every slot against the full engine.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.domain import (
    BUILTIN_POLICIES,
    BUILTIN_TEMPLATES,
    Line,
    Part,
    Requirements,
    ScheduleYear,
    Snapshot,
    Stage,
    evaluate,
)
from configurator.domain.options import (
    CatalogIndex,
    candidate_snapshot,
    cost_key,
    default_quantity,
)
from configurator.domain.options import all_slot_options as _all_slot_options
from configurator.domain.options import cheapest_feasible as _cheapest_feasible
from configurator.domain.options import slot_options as _slot_options
from configurator.domain.sourcing import STAGES
from tests.hypothesis_profiles import examples
from tests.unit.configurator import prius, synthetic
from tests.unit.configurator.prius import D

# These tests pin the forward check (the first stage of guided options) to the engine,
# part by part; dead ends (a whole-kit question) are tested in test_completion.py.


def slot_options(*args, **kwargs):
    return _slot_options(*args, dead_ends=False, **kwargs)


def all_slot_options(*args, **kwargs):
    return _all_slot_options(*args, dead_ends=False, **kwargs)


def cheapest_feasible(*args, **kwargs):
    return _cheapest_feasible(*args, dead_ends=False, **kwargs)


# --------------------------------------------------------------------------- random catalogs


def _decimals(*values: str) -> st.SearchStrategy:
    numbers = [D(v) for v in values]
    # Floats too: to_decimal reads them through repr, and so must the index.
    return st.sampled_from(numbers) | st.sampled_from(numbers).map(float)


SPECS: dict[str, dict[str, st.SearchStrategy]] = {
    "rotor_core": {
        "outer_diameter_mm": _decimals("160.44", "161.0", "161.4", "158.9", "156.9", "200"),
        "bore_diameter_mm": _decimals("51.00", "51.04", "50.95", "51.1", "51.05"),
        "stack_length_mm": _decimals("50.8", "52.8", "53.0", "48.7"),
        "poles": st.sampled_from([8, 6, 12, 4, 10, 7, 0, "8"]),
        "magnets_per_pole": st.sampled_from([1, 2, 3, 0]),
        "pocket_length_mm": _decimals("50.8", "100", "30", "49.3"),
        "pocket_width_mm": _decimals("18.0", "17.92", "17.91", "17.5"),
        "pocket_thickness_mm": _decimals("7.3", "7.22", "7.21"),
        "lamination_grade": st.sampled_from(["M250-35A", "HS-1200", "NO20"]),
        "lamination_thickness_mm": _decimals("0.35", "0.30"),
        "max_speed_rpm": st.sampled_from([14_000, 12_000, 13_500, "15000"]),
    },
    "magnet": {
        "grade": st.sampled_from(["N45SH", "N45H", "N48UH"]),
        "max_operating_temp_c": _decimals("120", "150", "140", "180"),
        "length_mm": _decimals("49.3", "24.6", "16.8", "50.8", "51", "100", "0"),
        "width_mm": _decimals("17.9", "17.98", "17.99", "18.0", "17.5"),
        "thickness_mm": _decimals("7.2", "7.28", "7.3", "7.0"),
    },
    "shaft": {
        "seat_diameter_mm": _decimals("51.05", "51.0", "50.98", "51.2", "51.01", "51.10", "50.95"),
        "fit": st.sampled_from(["press", "keyed", "glued"]),
        "max_speed_rpm": st.sampled_from([14_000, 12_000, 13_500]),
    },
    "end_plate": {
        "outer_diameter_mm": _decimals("158", "160.44", "161", "170"),
        # Around the shaft seats above: inside, at and beyond 0..1.0 mm of clearance.
        "bore_diameter_mm": _decimals("51.5", "50.9", "51.05", "51.0", "52.0", "52.05", "52.06", "52.2"),
    },
    "resolver": {
        "pole_pairs": st.sampled_from([1, 2, 3, 4, 6, 5]),
        "bore_diameter_mm": _decimals("51.0", "50.95", "50.94", "51.1", "51.11", "51.15", "45"),
    },
    "stator_core": {
        "inner_diameter_mm": _decimals("161.9", "160.94", "161.0", "165.0", "163.44", "162.4", "163.5"),
        "stack_length_mm": _decimals("50.8", "52.0", "52.8", "51.3", "53.5"),
        "slots": st.sampled_from([48, 72, 54, 12, 50, 9, 0]),
        "slot_type": st.sampled_from(["round_wire", "rectangular", None, ["x"]]),
        "lamination_thickness_mm": _decimals("0.35", "0.30"),
    },
    "winding": {
        "type": st.sampled_from(["hairpin", "round_wire", "litz"]),
        "slots": st.sampled_from([48, 72, 54, 12, 9]),
        "poles": st.sampled_from([8, 12, 6, 4, 2, 16]),
        "phases": st.sampled_from([3, 5]),
        "insulation_class": st.sampled_from(["F", "H", "N", "R", "X", None]),
        "voltage_class_v": st.sampled_from([400, 800, 650]),
        "stack_length_mm": _decimals("50.8", "51.2", "51.3", "52"),
    },
    "insulation": {
        "insulation_class": st.sampled_from(["F", "H", "N", "R", "Z"]),
        "voltage_class_v": st.sampled_from([400, 800]),
        "pd_free": st.sampled_from([True, False, "yes"]),
        "slots": st.sampled_from([48, 72, 54, "48", 48.0]),
        "stack_length_mm": _decimals("50.8", "50.3", "50.29", "51.3", "51.31", "52.5", "53.0"),
    },
    "busbar": {
        "phases": st.sampled_from([3, 6]),
        "voltage_class_v": st.sampled_from([400, 800, 650]),
        "slots": st.sampled_from([48, 72, 54, "72"]),
    },
    "temperature_sensor": {"max_temp_c": _decimals("155", "180")},
}

SUPPLIERS = [
    ("SGI", "Star Group Ind."),
    ("NESM", "Ningbo East Sea Magnetics"),
    ("TWMC", "Tianshan Western Metals Co."),
    ("PMS", "POSCO Mobility Solution"),
]
RESTRICTED = frozenset({"TWMC", "TIANSHAN WESTERN METALS CO."})

stages = st.lists(
    st.builds(
        Stage,
        stage=st.sampled_from(STAGES),
        country=st.sampled_from(["KR", "VN", "AU", "CN", "cn", "US", "RU"]),
        company=st.sampled_from(["Lynas", "Baosteel", "Tianshan Western Metals Co.", "POSCO"]),
    ),
    max_size=5,
)


@st.composite
def parts_of(draw, category: str) -> list[dict]:
    rows = draw(st.lists(st.fixed_dictionaries({}, optional=SPECS[category]), min_size=0, max_size=7))
    out = []
    for specs in rows:
        code, name = draw(st.sampled_from(SUPPLIERS))
        out.append(
            {
                "category": category,
                "supplier_code": code,
                "supplier_name": name,
                "active": draw(st.booleans() | st.just(True)),
                "specs": specs,
                "provenance": tuple(draw(stages)),
                "lead_time_days": draw(st.sampled_from([30, 90, 200, 500])),
                "annual_capacity": draw(st.sampled_from([0, 1_000, 100_000, 2_000_000, 50_000_000])),
                "reference_unit_price": draw(st.none() | st.sampled_from([D("1.10"), D("3.40"), D("41")])),
                "rare_earth_kg": draw(st.sampled_from([D(0), D("0.0148")])),
            }
        )
    return out


@st.composite
def catalogs(draw) -> list[Part]:
    parts: list[Part] = []
    for category in SPECS:
        for n, fields in enumerate(draw(parts_of(category))):
            parts.append(Part(sku=f"{category[:3].upper()}-{n}", **fields))
    return parts


@st.composite
def kits(draw, parts: list[Part]) -> Snapshot:
    template = BUILTIN_TEMPLATES[draw(st.sampled_from(sorted(BUILTIN_TEMPLATES)))]
    by_category: dict[str, list[Part]] = {}
    for part in parts:
        by_category.setdefault(part.category, []).append(part)
    lines = []
    for slot in template.slots:
        pool = by_category.get(slot.category, [])
        how = draw(st.sampled_from(["empty", "one", "one", "one", "two", "misfiled"]))
        if how == "misfiled" and parts:
            chosen = [draw(st.sampled_from(parts))]
        elif how == "two" and len(pool) >= 2:
            chosen = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2, unique_by=lambda p: p.sku))
        elif how in ("one", "two") and pool:
            chosen = [draw(st.sampled_from(pool))]
        else:
            chosen = []
        for part in chosen:
            lines.append(Line(slot.code, part, draw(st.sampled_from([1, 2, 16, 0, 3, 32]))))
    schedule = draw(
        st.lists(
            st.builds(
                ScheduleYear,
                year=st.integers(2025, 2029),
                kits=st.sampled_from([0, 1_000, 100_000, 2_000_000]),
            ),
            max_size=3,
        )
    )
    return Snapshot(
        template=template,
        requirements=Requirements(
            dc_bus_voltage_v=draw(st.none() | st.sampled_from([400, 650, 800])),
            max_speed_rpm=draw(st.none() | st.sampled_from([12_000, 13_500, 14_000])),
            max_magnet_temp_c=draw(st.none() | st.sampled_from([D(140), D(150), D("150.5")])),
            max_winding_temp_c=draw(st.none() | st.sampled_from([D(155), D(180), D(200)])),
        ),
        lines=tuple(lines),
        policy=BUILTIN_POLICIES[draw(st.sampled_from(sorted(BUILTIN_POLICIES)))],
        schedule=tuple(schedule),
        today=draw(st.sampled_from([date(2025, 9, 1), date(2026, 12, 31), date(2027, 3, 1)])),
        restricted_entities=draw(st.sampled_from([frozenset(), RESTRICTED])),
        # Units other orders booked, for a few parts in a few years (shared capacity).
        booked=draw(st.dictionaries(
            st.tuples(st.sampled_from(sorted({p.sku for p in parts}) or ["NONE"]), st.integers(2025, 2029)),
            st.sampled_from([1, 900_000, 5_000_000]), max_size=3,
        )),
    )


@st.composite
def catalog_and_kit(draw):
    parts = draw(catalogs())
    return parts, draw(kits(parts))


def engine_codes(snapshot: Snapshot, slot: str, part: Part) -> set[str]:
    """The error codes the full engine gives the kit with `part` chosen for `slot`, involving `slot`."""
    chosen = candidate_snapshot(snapshot, slot, part)
    return {v.code for v in evaluate(chosen).errors if slot in v.slots}


def check_against_engine(snapshot: Snapshot, index: CatalogIndex, slot: str) -> None:
    options = slot_options(snapshot, index, slot, limit=len(index) + 1, confirm=False)
    candidates = index.parts_in(options.category)
    assert options.total == len(candidates) == len(options.items)
    assert {o.part.sku for o in options.items} == {p.sku for p in candidates}
    counted: Counter = Counter()
    for option in options.items:
        expected = engine_codes(snapshot, slot, option.part)
        assert set(option.codes) == expected, (slot, option.part)
        assert option.feasible == (not expected)
        assert option.quantity == default_quantity(snapshot, slot, option.part)
        counted.update(expected)
    assert dict(options.excluded_by_code) == dict(counted)
    assert options.feasible_count == sum(o.feasible for o in options.items)
    # Page order: feasible first, cheapest per kit at the first year's volume, then lead
    # time and SKU; then the excluded, fewest codes first, in the index's order.
    order = {p.sku: i for i, p in enumerate(candidates)}
    kits = next((y.kits for y in sorted(snapshot.schedule, key=lambda y: y.year) if y.kits > 0), 0)
    feasible = [o for o in options.items if o.feasible]
    costs = [cost_key(o.part, o.quantity, kits) for o in feasible]
    assert costs == sorted(costs)
    keys = [(len(o.codes), order[o.part.sku]) for o in options.items if not o.feasible]
    assert keys == sorted(keys)
    assert options.items[: len(feasible)] == tuple(feasible)


# --------------------------------------------------------------------------- properties


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog_and_kit())
def test_every_candidate_gets_exactly_the_engines_error_codes(case):
    parts, snapshot = case
    index = CatalogIndex.build(parts)
    for slot in snapshot.template.slots:
        check_against_engine(snapshot, index, slot.code)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog_and_kit())
def test_feasible_options_add_no_error_and_excluded_ones_reproduce_their_codes(case):
    parts, snapshot = case
    index = CatalogIndex.build(parts)
    for slot, options in all_slot_options(snapshot, index, limit=50).items():
        for option in options.items:
            chosen = candidate_snapshot(snapshot, slot, option.part, option.quantity)
            involved = [v for v in evaluate(chosen).errors if slot in v.slots]
            if option.feasible:
                assert involved == [] and option.codes == () and option.violations == ()
            else:
                assert set(option.codes) == {v.code for v in involved}
                # Confirmed items carry the engine's violations, numbers and all.
                assert set(option.violations) == set(involved)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog_and_kit(), st.integers(0, 12), st.integers(0, 6), st.booleans())
def test_pages_are_slices_of_one_list(case, offset, limit, include_excluded):
    parts, snapshot = case
    index = CatalogIndex.build(parts)
    for slot in snapshot.template.slots:
        everything = slot_options(
            snapshot, index, slot.code, limit=1000, include_excluded=include_excluded, confirm=False
        )
        page = slot_options(
            snapshot,
            index,
            slot.code,
            offset=offset,
            limit=limit,
            include_excluded=include_excluded,
            confirm=False,
        )
        assert page.items == everything.items[offset : offset + limit]
        assert (page.total, page.feasible_count, page.excluded_by_code) == (
            everything.total,
            everything.feasible_count,
            everything.excluded_by_code,
        )
        if not include_excluded:
            assert all(o.feasible for o in everything.items)
            assert len(everything.items) == everything.feasible_count


# --------------------------------------------------------------------------- the demo catalog


@pytest.fixture(scope="module")
def demo():
    parts = synthetic.demo_parts()
    return CatalogIndex.build(parts).warm(), {p.sku: p for p in parts}


@pytest.mark.parametrize("policy", ["china-excluded", "dfars-7052", "uflpa", "eu-crma", "none"])
@pytest.mark.parametrize("family", sorted(synthetic.FAMILIES))
def test_counts_per_code_equal_a_brute_force_count_over_the_demo_catalog(demo, family, policy):
    index, by_sku = demo
    snapshot = synthetic.family_snapshot(
        family, by_sku, policy=policy, restricted=synthetic.restricted_entities()
    )
    for slot in snapshot.template.slots:
        check_against_engine(snapshot, index, slot.code)


def test_the_demo_near_misses_are_excluded_by_their_documented_rule(demo):
    index, by_sku = demo
    restricted = synthetic.restricted_entities()
    checked = 0
    for sku, miss in synthetic.NEAR_MISSES.items():
        if miss["severity"] != "error":
            continue
        snapshot = synthetic.family_snapshot(
            miss["family"], by_sku, policy=miss["policy"] or "china-excluded", restricted=restricted
        )
        options = slot_options(snapshot, index, miss["slot"], limit=500)
        (option,) = [o for o in options.items if o.part.sku == sku]
        assert option.codes == (miss["rule"],), sku
        checked += 1
    assert checked > 40


def test_every_demo_family_default_part_is_a_feasible_option_of_its_slot(demo):
    index, by_sku = demo
    for family, spec in synthetic.FAMILIES.items():
        snapshot = synthetic.family_snapshot(family, by_sku)
        assert evaluate(snapshot).valid
        for slot, options in all_slot_options(snapshot, index, limit=500, include_excluded=False).items():
            assert spec["skus"][slot] in {o.part.sku for o in options.items}, (family, slot)
            assert options.current == (spec["skus"][slot],)


def test_a_synthetic_catalog_agrees_with_the_engine_and_logs_no_disagreement(caplog):
    parts = synthetic.synthetic_parts(1500, seed=3)
    index = CatalogIndex.build(parts)
    by_sku = {p.sku: p for p in parts}
    snapshot = synthetic.family_snapshot("CK72-8", by_sku)
    with caplog.at_level(logging.WARNING, logger="configurator.domain.options"):
        for slot in ("rotor_core", "magnet", "winding"):
            check_against_engine(snapshot, index, slot)
        all_slot_options(snapshot, index, limit=40)
    assert caplog.records == []


# --------------------------------------------------------------------------- semantics


@pytest.fixture
def prius_index():
    hot = dataclasses.replace(
        prius.with_specs(prius.MAGNET, max_operating_temp_c=D(180), grade="N42UH"),
        sku="MAG-N42UH-4930",
        reference_unit_price=D("4.10"),
    )
    short = dataclasses.replace(
        prius.with_specs(prius.MAGNET, length_mm=D("24.6")),
        sku="MAG-N45SH-2460",
        reference_unit_price=D("1.60"),
    )
    cool = dataclasses.replace(
        prius.with_specs(prius.MAGNET, max_operating_temp_c=D(120), grade="N45H"),
        sku="MAG-N45H-4930",
        reference_unit_price=D("2.90"),
    )
    wide_rotor = dataclasses.replace(
        prius.with_specs(prius.ROTOR_CORE, outer_diameter_mm=D("161.5")), sku="RC-WIDE"
    )
    return CatalogIndex.build([*prius.PARTS.values(), hot, short, cool, wide_rotor])


def test_a_magnet_takes_the_formula_quantity_with_the_chosen_rotor(prius_index):
    options = slot_options(prius.snapshot(), prius_index, "magnet")
    quantities = {o.part.sku: o.quantity for o in options.items}
    assert quantities == {
        "MAG-N45SH-2460": 32,
        "MAG-N45H-4930": 16,
        "MAG-N45SH-4930": 16,
        "MAG-N42UH-4930": 16,
    }
    without_rotor = slot_options(prius.without(prius.snapshot(), "rotor_core"), prius_index, "magnet")
    assert {o.quantity for o in without_rotor.items} == {1}


def test_feasible_parts_come_cheapest_first_then_the_excluded(prius_index):
    options = slot_options(prius.snapshot(), prius_index, "magnet")
    assert [(o.part.sku, o.codes) for o in options.items] == [
        ("MAG-N45SH-2460", ()),
        ("MAG-N45SH-4930", ()),
        ("MAG-N42UH-4930", ()),
        ("MAG-N45H-4930", ("MAGNET_TEMP",)),
    ]
    (violation,) = options.items[-1].violations
    assert "rated 120 °C, below the required 140 °C" in violation.message
    assert (options.total, options.feasible_count, dict(options.excluded_by_code)) == (
        4,
        3,
        {"MAGNET_TEMP": 1},
    )


def test_a_magnet_whose_free_capacity_others_booked_is_excluded_by_capacity(prius_index):
    # 100,000 kits x 16 magnets = 1,600,000 a year; the magnet's capacity is 4,000,000.
    snapshot = prius.snapshot()
    booked = {("MAG-N45SH-4930", 2029): 2_400_001, ("MAG-N42UH-4930", 2029): 2_400_000}
    options = slot_options(dataclasses.replace(snapshot, booked=booked), prius_index, "magnet")
    codes = {o.part.sku: o.codes for o in options.items}

    assert codes["MAG-N45SH-4930"] == ("CAPACITY",)  # 1,599,999 free in 2029
    assert codes["MAG-N42UH-4930"] == ()  # exactly 1,600,000 free
    (violation,) = next(o for o in options.items if o.part.sku == "MAG-N45SH-4930").violations
    assert "2029 needs 1,600,000, 1,599,999 free" in violation.message


def test_a_wrong_magnet_count_is_not_blamed_on_a_rotor_candidate(prius_index):
    snapshot = prius.set_quantity(prius.snapshot(), "magnet", 18)
    options = slot_options(snapshot, prius_index, "rotor_core")
    assert {o.part.sku: o.codes for o in options.items} == {"RC-PR10-16044": (), "RC-WIDE": ("AIR_GAP",)}
    # Choosing the rotor core re-derives the magnet count.
    chosen = candidate_snapshot(snapshot, "rotor_core", prius.ROTOR_CORE)
    assert [ln.quantity for ln in chosen.lines if ln.slot == "magnet"] == [16]


def test_an_empty_slot_elsewhere_hides_no_option(prius_index):
    snapshot = prius.without(prius.snapshot(), "stator_core", "magnet", "shaft")
    options = slot_options(snapshot, prius_index, "rotor_core")
    assert options.feasible_count == 2  # no stator: the wide rotor's air gap is not judged yet
    assert "SLOT_REQUIRED" not in options.excluded_by_code


def test_a_filled_slot_lists_its_alternatives_with_the_current_part_removed(prius_index):
    snapshot = prius.snapshot(magnet=prius.with_specs(prius.MAGNET, max_operating_temp_c=D(100)))
    options = all_slot_options(snapshot, prius_index)
    assert list(options) == [s.code for s in snapshot.template.slots]
    assert options["magnet"].feasible_count == 3
    assert options["magnet"].current == ("MAG-N45SH-4930",)


def test_cheapest_feasible_compares_cost_per_kit(prius_index):
    found = cheapest_feasible(prius.snapshot(), prius_index, "magnet")
    # Per kit: 32 x 1.60 = 51.20, 16 x 3.40 = 54.40, 16 x 4.10 = 65.60.
    assert [(o.part.sku, o.quantity) for o in found] == [
        ("MAG-N45SH-2460", 32),
        ("MAG-N45SH-4930", 16),
        ("MAG-N42UH-4930", 16),
    ]
    avoided = cheapest_feasible(prius.snapshot(), prius_index, "magnet", avoid_suppliers={"SGI"})
    assert avoided == []


def test_the_index_orders_by_reference_price_then_lead_time_then_sku():
    a = dataclasses.replace(prius.MAGNET, sku="B", reference_unit_price=D(2), lead_time_days=10)
    b = dataclasses.replace(prius.MAGNET, sku="A", reference_unit_price=D(2), lead_time_days=10)
    c = dataclasses.replace(prius.MAGNET, sku="C", reference_unit_price=D(1), lead_time_days=99)
    d = dataclasses.replace(prius.MAGNET, sku="D", reference_unit_price=None, lead_time_days=1)
    e = dataclasses.replace(prius.MAGNET, sku="E", reference_unit_price=D(2), lead_time_days=5)
    index = CatalogIndex.build([a, b, c, d, e, prius.SHAFT])
    assert [p.sku for p in index.parts_in("magnet")] == ["C", "E", "A", "B", "D"]
    assert (len(index), index.get("A"), index.get("nope")) == (6, b, None)
    assert index.parts_in("stator_core") == ()
    with pytest.raises(ValueError, match="duplicate SKU"):
        CatalogIndex.build([a, a])


def test_an_unknown_slot_or_a_negative_page_is_refused(prius_index):
    with pytest.raises(KeyError):
        slot_options(prius.snapshot(template="stator-kit"), prius_index, "magnet")
    with pytest.raises(ValueError):
        slot_options(prius.snapshot(), prius_index, "magnet", offset=-1)


def test_a_category_without_parts_gives_an_empty_answer():
    index = CatalogIndex.build([prius.MAGNET])
    options = slot_options(prius.snapshot(), index, "resolver")
    assert (options.total, options.feasible_count, options.items, dict(options.excluded_by_code)) == (
        0,
        0,
        (),
        {},
    )


def test_non_finite_spec_values_are_judged_by_the_engine():
    odd = dataclasses.replace(prius.with_specs(prius.MAGNET, width_mm=Decimal("NaN")), sku="MAG-NAN")
    index = CatalogIndex.build([prius.MAGNET, odd, prius.ROTOR_CORE])
    snapshot = prius.without(prius.snapshot(), "rotor_core")  # NaN is never compared without a rotor
    options = slot_options(snapshot, index, "magnet")
    assert options.feasible_count == 2


# --------------------------------------------------------------------------- thresholds


def _variants(part: Part, field: str, *values) -> list[Part]:
    return [
        dataclasses.replace(prius.with_specs(part, **{field: value}), sku=f"{part.sku}-{field}-{value}")
        for value in values
    ]


def _boundary_catalog() -> list[Part]:
    """The Prius parts and copies with one spec at, just under and just over each limit."""
    d = D
    rotor, magnet, shaft, plate = prius.ROTOR_CORE, prius.MAGNET, prius.SHAFT, prius.END_PLATE
    stator, winding = prius.STATOR_CORE, prius.WINDING
    keyed = dataclasses.replace(prius.with_specs(shaft, fit="keyed"), sku="SH-KEYED")
    parts = [
        *prius.PARTS.values(),
        keyed,
        *_variants(
            rotor, "outer_diameter_mm", *map(d, ["161.39", "161.4", "161.41", "158.89", "158.9", "158.91"])
        ),
        *_variants(rotor, "outer_diameter_mm", d("157.99"), d("158")),
        *_variants(rotor, "stack_length_mm", *map(d, ["48.79", "48.8", "52.8", "52.81"])),
        *_variants(rotor, "pocket_width_mm", *map(d, ["17.91", "17.92", "17.93"])),
        *_variants(rotor, "pocket_thickness_mm", *map(d, ["7.21", "7.22", "7.23"])),
        *_variants(rotor, "pocket_length_mm", *map(d, ["49.29", "49.3", "98.6", "98.59"])),
        *_variants(
            rotor, "bore_diameter_mm", *map(d, ["50.94", "50.95", "50.96", "51.04", "51.05", "51.06"])
        ),
        *_variants(rotor, "max_speed_rpm", 13_499, 13_500, 13_501),
        *_variants(rotor, "poles", 6, 10, 16),
        *_variants(magnet, "width_mm", *map(d, ["17.97", "17.98", "17.99"])),
        *_variants(magnet, "thickness_mm", *map(d, ["7.27", "7.28", "7.29"])),
        *_variants(magnet, "length_mm", *map(d, ["50.8", "50.81", "25.4", "25.41", "16.93", "16.94"])),
        *_variants(magnet, "max_operating_temp_c", *map(d, ["139.9", "140", "140.1"])),
        *_variants(shaft, "seat_diameter_mm", *map(d, ["51.00", "51.01", "51.02", "51.09", "51.1", "51.11"])),
        *_variants(shaft, "seat_diameter_mm", *map(d, ["51.49", "51.5", "51.51"])),
        *_variants(keyed, "seat_diameter_mm", *map(d, ["50.94", "50.95", "50.96", "50.99", "51.0", "51.01"])),
        *_variants(shaft, "max_speed_rpm", 13_499, 13_500),
        *_variants(plate, "outer_diameter_mm", *map(d, ["160.43", "160.44", "160.45"])),
        *_variants(plate, "bore_diameter_mm", *map(d, ["51.04", "51.05", "51.06"])),
        *_variants(plate, "bore_diameter_mm", *map(d, ["52.04", "52.05", "52.06"])),
        *_variants(shaft, "seat_diameter_mm", *map(d, ["50.49", "50.5", "50.51", "50.9", "50.89"])),
        *_variants(prius.RESOLVER, "bore_diameter_mm", *map(d, ["50.94", "50.95", "51.15", "51.16", "45"])),
        *_variants(prius.INSULATION, "stack_length_mm", *map(d, ["50.29", "50.3", "51.3", "51.31"])),
        *_variants(prius.INSULATION, "slots", 72, 54),
        *_variants(prius.BUSBAR, "slots", 72, 54),
        *_variants(stator, "slots", 72),
        *_variants(
            stator, "inner_diameter_mm", *map(d, ["160.93", "160.94", "160.95", "163.43", "163.44", "163.45"])
        ),
        *_variants(stator, "stack_length_mm", *map(d, ["48.79", "48.8", "51.3", "51.31", "52.81"])),
        *_variants(winding, "stack_length_mm", *map(d, ["50.29", "50.3", "51.3", "51.31"])),
        *_variants(winding, "voltage_class_v", 649, 650),
        *_variants(prius.INSULATION, "voltage_class_v", 649, 650),
        *_variants(prius.BUSBAR, "voltage_class_v", 649, 650),
    ]
    # Capacity and lead time at the limit of the Prius program (100,000 kits a year,
    # first delivery 2026-01-01, 122 days after today).
    for base, per_kit in ((prius.RESOLVER, 1), (magnet, 16), (plate, 2)):
        for capacity in (100_000 * per_kit - 1, 100_000 * per_kit):
            parts.append(
                dataclasses.replace(base, sku=f"{base.sku}-cap-{capacity}", annual_capacity=capacity)
            )
        for lead in (122, 123):
            parts.append(dataclasses.replace(base, sku=f"{base.sku}-lead-{lead}", lead_time_days=lead))
    return parts


@pytest.mark.parametrize(
    "snapshot",
    [
        prius.snapshot(),
        prius.snapshot(
            kit_lines=prius.lines(shaft=dataclasses.replace(prius.with_specs(prius.SHAFT, fit="keyed")))
        ),
        prius.without(prius.snapshot(), "stator_core", "rotor_core"),
        prius.without(prius.snapshot(schedule=()), "winding", "shaft", "magnet"),
    ],
    ids=["prius", "keyed-shaft", "no-cores", "no-schedule"],
)
def test_every_limit_is_judged_exactly_as_the_engine_does(snapshot):
    index = CatalogIndex.build(_boundary_catalog())
    for slot in snapshot.template.slots:
        check_against_engine(snapshot, index, slot.code)
