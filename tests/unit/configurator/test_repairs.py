"""Repair suggestions for the Prius kit broken in several ways."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from configurator.domain import Stage, evaluate
from configurator.domain.options import CatalogIndex
from configurator.domain.repairs import apply_repair, suggest_repairs
from tests.hypothesis_profiles import examples
from tests.unit.configurator import prius, synthetic
from tests.unit.configurator.prius import D
from tests.unit.configurator.test_options import catalog_and_kit

CN_CHAIN = (
    Stage("mining", "CN", "China Northern Rare Earth"),
    Stage("separation", "CN", "China Northern Rare Earth"),
    Stage("metal_alloy", "CN", "Ningbo East Sea Magnetics"),
    Stage("magnet_manufacturing", "CN", "Ningbo East Sea Magnetics"),
    Stage("component_manufacturing", "CN", "Ningbo East Sea Magnetics"),
)
VN_CHAIN = tuple(dataclasses.replace(s, country="VN") for s in CN_CHAIN)
US_CHAIN = tuple(dataclasses.replace(s, country="US", company="MP Materials") for s in CN_CHAIN)


def magnet(sku: str, price: str, *, supplier=("SGI", "Star Group Ind."), chain=None, **specs):
    return dataclasses.replace(
        prius.with_specs(prius.MAGNET, **specs),
        sku=sku,
        supplier_code=supplier[0],
        supplier_name=supplier[1],
        provenance=chain if chain is not None else prius.MAGNET.provenance,
        reference_unit_price=D(price),
    )


NESM = ("NESM", "Ningbo East Sea Magnetics")
MPM = ("MPM", "MP Materials")
N45H = magnet("MAG-N45H-4930", "2.90", grade="N45H", max_operating_temp_c=D(120))
N48SH = magnet("MAG-N48SH-4930", "3.82", grade="N48SH", max_operating_temp_c=D(150))
CN_MAGNET = magnet("MAG-N45SH-4930-CN", "2.60", supplier=NESM, chain=CN_CHAIN)
# The same Chinese supplier's Vietnamese plant: compliant, and the cheapest of all.
NESM_VN = magnet("MAG-N45SH-4930-NESM-VN", "2.70", supplier=NESM, chain=VN_CHAIN)
US_MAGNET = magnet("MAG-N42UH-4930-MPM", "4.50", supplier=MPM, chain=US_CHAIN, grade="N42UH")
SHORT = magnet("MAG-N45SH-2460", "1.80", length_mm=D("24.6"))
WIDE_ROTOR = dataclasses.replace(
    prius.with_specs(prius.ROTOR_CORE, outer_diameter_mm=D("161.5")), sku="RC-WIDE"
)
SPARE_RESOLVER = dataclasses.replace(
    prius.RESOLVER, sku="RS-1PP", specs={"pole_pairs": 1}, reference_unit_price=D(5)
)

CATALOG = [
    *prius.PARTS.values(),
    N45H,
    N48SH,
    CN_MAGNET,
    NESM_VN,
    US_MAGNET,
    SHORT,
    WIDE_ROTOR,
    SPARE_RESOLVER,
]


@pytest.fixture(scope="module")
def index():
    return CatalogIndex.build(CATALOG)


def test_a_valid_kit_needs_no_repair(index):
    assert evaluate(prius.snapshot()).valid
    assert suggest_repairs(prius.snapshot(), index) == ()


def test_too_cool_a_magnet_is_swapped_for_the_cheapest_hot_enough_one(index):
    snapshot = prius.snapshot(magnet=N45H)
    best = suggest_repairs(snapshot, index)[0]
    assert (best.kind, best.slot, best.from_sku, best.to_sku, best.quantity) == (
        "swap",
        "magnet",
        "MAG-N45H-4930",
        "MAG-N45SH-4930-NESM-VN",
        16,
    )
    assert (best.fixes, best.errors_before, best.errors_after) == (("MAGNET_TEMP",), 1, 0)
    assert best.added_cost == (D("2.70") - D("2.90")) * 16
    assert best.message == (
        "Swap magnet MAG-N45H-4930 for MAG-N45SH-4930-NESM-VN (Ningbo East Sea Magnetics, VN): "
        "removes MAGNET_TEMP; -3.20 USD per kit; lead time 90 d"
    )
    # Every suggestion for the magnet is hot enough; none is the cool magnet again.
    swaps = [r for r in suggest_repairs(snapshot, index) if r.slot == "magnet"]
    assert {r.to_sku for r in swaps} <= {
        "MAG-N45SH-4930-NESM-VN",
        "MAG-N45SH-4930",
        "MAG-N48SH-4930",
        "MAG-N45SH-2460",
        "MAG-N42UH-4930-MPM",
    }


def test_a_chinese_magnet_is_swapped_for_a_compliant_one_from_another_supplier(index):
    snapshot = prius.snapshot(magnet=CN_MAGNET, policy="china-excluded")
    assert {v.code for v in evaluate(snapshot).errors} == {"ORIGIN_EXCLUDED"}
    repairs = suggest_repairs(snapshot, index)
    magnet_swaps = [r for r in repairs if r.slot == "magnet"]
    # NESM's own Vietnamese plant is cheaper, but other suppliers are proposed.
    assert [r.to_sku for r in magnet_swaps] == ["MAG-N45SH-4930", "MAG-N45SH-2460", "MAG-N48SH-4930"]
    assert all(r.other_supplier for r in magnet_swaps)
    best = magnet_swaps[0]
    assert (best.fixes, best.errors_after, best.added_cost) == (("ORIGIN_EXCLUDED",), 0, D("12.80"))
    assert best.message == (
        "Swap magnet MAG-N45SH-4930-CN for MAG-N45SH-4930 (Star Group Ind., VN; another supplier): "
        "removes ORIGIN_EXCLUDED; +12.80 USD per kit; lead time 90 d"
    )


def test_the_same_suppliers_compliant_part_is_proposed_when_no_other_qualifies():
    index = CatalogIndex.build([prius.ROTOR_CORE, CN_MAGNET, NESM_VN, N45H])
    snapshot = prius.snapshot(magnet=CN_MAGNET, policy="china-excluded")
    (repair,) = suggest_repairs(snapshot, index)
    assert (repair.to_sku, repair.other_supplier, repair.errors_after) == ("MAG-N45SH-4930-NESM-VN", False, 0)
    assert "another supplier" not in repair.message
    # Another supplier's magnet would trade the error for MAGNET_TEMP: a kit that can no
    # longer be completed without an error, so it is not proposed.


def test_a_wrong_magnet_count_is_fixed_by_the_formula(index):
    snapshot = prius.set_quantity(prius.snapshot(), "magnet", 18)
    repairs = suggest_repairs(snapshot, index)
    # A cheaper magnet would fix the count too, but the fix that keeps the part comes first.
    assert repairs[1].kind == "swap" and repairs[1].added_cost < repairs[0].added_cost
    best = repairs[0]
    assert (best.kind, best.slot, best.quantity, best.fixes, best.errors_after) == (
        "quantity",
        "magnet",
        16,
        ("SLOT_QUANTITY",),
        0,
    )
    assert best.added_cost == D("-6.80")
    assert best.message == (
        "Set the magnet quantity of MAG-N45SH-4930 from 18 to 16: removes SLOT_QUANTITY; "
        "-6.80 USD per kit; lead time 90 d"
    )


def test_a_kit_broken_three_ways_gets_the_swap_that_removes_all_three_first(index):
    hot_cn = dataclasses.replace(N45H, sku="MAG-N45H-CN", provenance=CN_CHAIN)
    snapshot = prius.set_quantity(
        prius.snapshot(magnet=hot_cn, policy="china-excluded", kit_lines=None), "magnet", 18
    )
    index = CatalogIndex.build([*CATALOG, hot_cn])
    errors = evaluate(snapshot).errors
    assert Counter(v.code for v in errors) == Counter(
        {"ORIGIN_EXCLUDED": 5, "MAGNET_TEMP": 1, "SLOT_QUANTITY": 1}
    )
    repairs = suggest_repairs(snapshot, index)
    best = repairs[0]
    assert (best.kind, best.errors_before, best.errors_after) == ("swap", 7, 0)
    assert best.fixes == ("MAGNET_TEMP", "ORIGIN_EXCLUDED", "SLOT_QUANTITY")
    # Fixing only the count would leave a Chinese, too-cool magnet that no complete kit
    # can hold: not a repair any more (every suggestion ends completable).
    assert not [r for r in repairs if r.kind == "quantity"]


def test_an_air_gap_is_repaired_on_either_side(index):
    snapshot = prius.snapshot(rotor_core=WIDE_ROTOR)
    repairs = suggest_repairs(snapshot, index)
    assert ("rotor_core", "RC-PR10-16044") in {(r.slot, r.to_sku) for r in repairs}
    assert all(r.fixes == ("AIR_GAP",) for r in repairs)


def test_an_empty_required_slot_is_filled_and_an_optional_one_is_not(index):
    snapshot = prius.without(prius.snapshot(), "shaft", "resolver")
    (repair,) = suggest_repairs(snapshot, index)
    assert (repair.kind, repair.slot, repair.from_sku, repair.to_sku, repair.fixes) == (
        "add",
        "shaft",
        None,
        "SH-PR10-5105",
        ("SLOT_REQUIRED",),
    )
    assert repair.added_cost == D("18.00")
    assert repair.message.startswith(
        "Add shaft SH-PR10-5105 (Hyundai Shaft Works, KR) x 1: removes SLOT_REQUIRED"
    )


def test_a_new_rotor_core_says_the_magnet_count_follows(index):
    alternative = dataclasses.replace(prius.ROTOR_CORE, sku="RC-ALT", reference_unit_price=D("40.00"))
    index = CatalogIndex.build([*CATALOG, alternative])
    snapshot = prius.set_quantity(prius.snapshot(), "magnet", 18)
    (rotor,) = [r for r in suggest_repairs(snapshot, index) if r.slot == "rotor_core"]
    assert (rotor.to_sku, rotor.follow_ups, rotor.errors_after) == ("RC-ALT", (("magnet", 18, 16),), 0)
    # The rotor's price difference and two magnets fewer.
    assert rotor.added_cost == D("-1.00") - 2 * D("3.40")
    assert rotor.message == (
        "Swap rotor core RC-PR10-16044 for RC-ALT (POSCO International, KR), magnet quantity 18 -> 16: "
        "removes SLOT_QUANTITY; -7.80 USD per kit; lead time 60 d"
    )


def test_repairs_are_ranked_and_their_figures_are_the_engines(index):
    snapshot = prius.set_quantity(prius.snapshot(magnet=N45H, rotor_core=WIDE_ROTOR), "end_plate", 3)
    repairs = suggest_repairs(snapshot, index, limit=20)
    assert repairs
    keys = [
        (-r.errors_removed, r.kind != "quantity", r.added_cost is None, r.added_cost or 0, r.lead_time_days)
        for r in repairs
    ]
    assert keys == sorted(keys)
    for repair in repairs:
        after = evaluate(apply_repair(snapshot, repair, index))
        assert len(after.errors) == repair.errors_after < repair.errors_before
        assert not set(repair.fixes) & {v.code for v in after.errors} or repair.errors_after


def test_limit_bounds_the_answer(index):
    snapshot = prius.snapshot(magnet=N45H, rotor_core=WIDE_ROTOR)
    assert len(suggest_repairs(snapshot, index, limit=2)) == 2
    assert suggest_repairs(snapshot, index, limit=0) == ()


def test_an_unknown_price_gives_an_unknown_cost(index):
    unpriced = dataclasses.replace(N48SH, sku="MAG-UNPRICED", reference_unit_price=None)
    index = CatalogIndex.build([unpriced, N45H, prius.ROTOR_CORE])
    (repair,) = suggest_repairs(prius.snapshot(magnet=N45H), index)
    assert repair.added_cost is None
    assert "cost per kit unknown" in repair.message


def test_the_demo_families_broken_get_repairs_that_remove_errors():
    parts = synthetic.demo_parts()
    index = CatalogIndex.build(parts)
    by_sku = {p.sku: p for p in parts}
    for family in synthetic.FAMILIES:
        cool = next(
            sku
            for sku, miss in synthetic.NEAR_MISSES.items()
            if miss["family"] == family and miss["rule"] == "MAGNET_TEMP"
        )
        snapshot = synthetic.family_snapshot(family, by_sku, magnet=cool)
        repairs = suggest_repairs(snapshot, index)
        assert repairs[0].errors_after == 0 and repairs[0].slot == "magnet", family


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog_and_kit())
def test_every_suggestion_leaves_fewer_errors_when_applied(case):
    parts, snapshot = case
    index = CatalogIndex.build(parts)
    repairs = suggest_repairs(snapshot, index)
    if evaluate(snapshot).errors == ():
        assert repairs == ()
    for repair in repairs:
        after = evaluate(apply_repair(snapshot, repair, index))
        assert len(after.errors) == repair.errors_after < repair.errors_before
        assert isinstance(repair.added_cost, Decimal | None)


def test_when_no_single_swap_will_do_a_multi_step_repair_frees_and_refills_the_culprits():
    from configurator.domain.completion import completable

    parts = synthetic.demo_parts()
    demo = CatalogIndex.build(parts)
    by_sku = {p.sku: p for p in parts}
    family = next(iter(synthetic.FAMILIES))
    snapshot = synthetic.family_snapshot(family, by_sku, schedule=False)
    # An end plate and a shaft from another family: each fits the other's wrong partner only.
    other = synthetic.FAMILIES[sorted(synthetic.FAMILIES)[-1]]["skus"]
    lines = tuple(
        dataclasses.replace(ln, part=by_sku[other[ln.slot]]) if ln.slot in ("shaft", "end_plate") else ln
        for ln in snapshot.lines
    )
    broken = dataclasses.replace(snapshot, lines=lines)
    assert not completable(broken, demo)
    repairs = suggest_repairs(broken, demo)
    assert repairs
    for repair in repairs:
        assert completable(apply_repair(broken, repair, demo), demo), repair.message
    assert any(r.kind == "multi" and len(r.steps) >= 2 for r in repairs) or all(
        r.errors_after == 0 for r in repairs)
