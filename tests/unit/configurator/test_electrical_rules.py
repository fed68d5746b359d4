"""SLOT_POLE, MAGNET_TEMP, INSULATION_CLASS, WINDING_SLOT_TYPE, VOLTAGE_CLASS,
LAMINATION_MATCH, ROTOR_SPEED, RESOLVER_POLES, BUSBAR_PHASES."""

import dataclasses

import pytest

from configurator.domain import evaluate
from tests.unit.configurator import prius
from tests.unit.configurator.prius import D


def _slot_pole(slots: int, poles: int, **overrides):
    return prius.snapshot(
        stator_core=prius.with_specs(prius.STATOR_CORE, slots=slots),
        winding=prius.with_specs(prius.WINDING, slots=slots, poles=poles),
        rotor_core=prius.with_specs(prius.ROTOR_CORE, poles=poles),
        **overrides,
    )


@pytest.mark.parametrize(("slots", "poles"), [(48, 8), (72, 12), (54, 6), (72, 8), (60, 4), (48, 4)])
def test_the_common_slot_pole_pairs_pass(slots, poles):
    assert prius.of_code(evaluate(_slot_pole(slots, poles)), "SLOT_POLE") == []


@pytest.mark.parametrize(("slots", "poles"), [(12, 8), (9, 6), (9, 8), (9, 12), (12, 16)])
def test_balanced_fractional_slot_pairs_pass(slots, poles):
    # 9/12 and 12/16 sit exactly on q = 0.25.
    assert prius.of_code(evaluate(_slot_pole(slots, poles)), "SLOT_POLE") == []


def test_slots_not_divisible_by_three_phases():
    (violation,) = prius.of_code(evaluate(_slot_pole(50, 8)), "SLOT_POLE")

    assert violation.severity == "error"
    assert violation.slots == ("rotor_core", "stator_core")
    assert violation.message == "50 slots is not divisible by 3 phases"


def test_q_below_a_quarter_is_rejected():
    (violation,) = prius.of_code(evaluate(_slot_pole(6, 10)), "SLOT_POLE")

    assert violation.message == "6 slots / 10 poles: q = 6/(3 x 10) = 0.20 is below 0.25"


def test_an_unbalanced_winding_is_rejected():
    (violation,) = prius.of_code(evaluate(_slot_pole(12, 12)), "SLOT_POLE")

    assert violation.message == (
        "12 slots / 12 poles is unbalanced: 12 / (3 x gcd(12, 6)) = 12/18 is not an integer"
    )
    assert violation.skus == ("RC-PR10-16044", "SC-PR10-1619")


def test_winding_must_match_stator_slots_and_rotor_poles():
    winding = prius.with_specs(prius.WINDING, slots=72, poles=12)
    found = prius.of_code(evaluate(prius.snapshot(winding=winding)), "SLOT_POLE")

    assert [(v.slots, v.message) for v in found] == [
        (("rotor_core", "winding"), "winding WD-RW48-8P-H800 is for 12 poles, rotor RC-PR10-16044 has 8"),
        (("stator_core", "winding"), "winding WD-RW48-8P-H800 is for 72 slots, stator SC-PR10-1619 has 48"),
    ]


def test_a_winding_stands_in_for_a_missing_rotor_in_the_slot_pole_combination():
    snap = prius.without(_slot_pole(12, 12), "rotor_core")
    (violation,) = prius.of_code(evaluate(snap), "SLOT_POLE")

    assert violation.slots == ("stator_core", "winding")


@pytest.mark.parametrize(
    ("required", "flagged"), [(None, False), ("140", False), ("150", False), ("151", True)]
)
def test_magnet_must_be_rated_for_the_required_temperature(required, flagged):
    requirements = dataclasses.replace(
        prius.REQUIREMENTS, max_magnet_temp_c=None if required is None else D(required)
    )
    found = prius.of_code(evaluate(prius.snapshot(requirements=requirements)), "MAGNET_TEMP")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("magnet",)
        assert found[0].skus == ("MAG-N45SH-4930",)
        assert found[0].message == "magnet MAG-N45SH-4930 (N45SH) is rated 150 °C, below the required 151 °C"


@pytest.mark.parametrize(("letter", "temp"), [("F", 155), ("H", 180), ("N", 200), ("R", 220)])
def test_each_insulation_class_covers_its_own_temperature_and_not_one_degree_more(letter, temp):
    winding = prius.with_specs(prius.WINDING, insulation_class=letter)
    insulation = prius.with_specs(prius.INSULATION, insulation_class=letter)
    at_limit = dataclasses.replace(prius.REQUIREMENTS, max_winding_temp_c=D(temp))
    above = dataclasses.replace(prius.REQUIREMENTS, max_winding_temp_c=D(temp + 1))

    ok = evaluate(prius.snapshot(requirements=at_limit, winding=winding, insulation=insulation))
    hot = evaluate(prius.snapshot(requirements=above, winding=winding, insulation=insulation))

    assert prius.of_code(ok, "INSULATION_CLASS") == []
    found = prius.of_code(hot, "INSULATION_CLASS")
    assert [v.slots for v in found] == [("winding",), ("insulation",)]
    assert found[0].message == (
        f"winding WD-RW48-8P-H800 class {letter} ({temp} °C) is below the required winding "
        f"temperature {temp + 1} °C"
    )


def test_insulation_class_must_not_be_below_the_windings():
    winding = prius.with_specs(prius.WINDING, insulation_class="N")
    (violation,) = prius.of_code(evaluate(prius.snapshot(winding=winding)), "INSULATION_CLASS")

    assert violation.slots == ("winding", "insulation")
    assert violation.skus == ("WD-RW48-8P-H800", "INS-H800-PDF")
    assert violation.message == (
        "insulation INS-H800-PDF class H (180 °C) is below winding WD-RW48-8P-H800 class N (200 °C)"
    )


def test_a_higher_insulation_class_than_the_winding_is_fine():
    insulation = prius.with_specs(prius.INSULATION, insulation_class="R")
    assert prius.of_code(evaluate(prius.snapshot(insulation=insulation)), "INSULATION_CLASS") == []


def test_an_unknown_insulation_class_is_an_error():
    insulation = prius.with_specs(prius.INSULATION, insulation_class="B")
    (violation,) = prius.of_code(evaluate(prius.snapshot(insulation=insulation)), "INSULATION_CLASS")

    assert "unknown insulation class 'B'" in violation.message


@pytest.mark.parametrize(
    ("winding_type", "slot_type", "flagged"),
    [
        ("hairpin", "rectangular", False),
        ("round_wire", "round_wire", False),
        ("hairpin", "round_wire", True),
        ("round_wire", "rectangular", True),
    ],
)
def test_winding_type_needs_its_slot_type(winding_type, slot_type, flagged):
    snap = prius.snapshot(
        winding=prius.with_specs(prius.WINDING, type=winding_type),
        stator_core=prius.with_specs(prius.STATOR_CORE, slot_type=slot_type),
    )
    found = prius.of_code(evaluate(snap), "WINDING_SLOT_TYPE")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("stator_core", "winding")
        assert found[0].message.startswith(f"{winding_type} winding WD-RW48-8P-H800 needs")


@pytest.mark.parametrize("slot", ["winding", "insulation", "busbar"])
def test_a_400_v_class_part_on_a_650_v_bus_is_rejected(slot):
    part = prius.with_specs(prius.PARTS[slot], voltage_class_v=400)
    (violation,) = prius.of_code(evaluate(prius.snapshot(**{slot: part})), "VOLTAGE_CLASS")

    assert violation.slots == (slot,)
    assert violation.skus == (part.sku,)
    assert violation.message == f"{slot} {part.sku} is rated for the 400 V class, below the 650 V DC bus"


@pytest.mark.parametrize(("bus", "flagged_slots"), [(800, []), (801, ["winding", "insulation", "busbar"])])
def test_voltage_class_must_reach_the_bus_voltage(bus, flagged_slots):
    requirements = dataclasses.replace(prius.REQUIREMENTS, dc_bus_voltage_v=bus)
    found = prius.of_code(evaluate(prius.snapshot(requirements=requirements)), "VOLTAGE_CLASS")

    assert [v.slots[0] for v in found] == flagged_slots


@pytest.mark.parametrize(("bus", "flagged"), [(400, False), (500, False), (501, True), (650, True)])
def test_insulation_must_be_pd_free_above_500_v(bus, flagged):
    insulation = prius.with_specs(prius.INSULATION, pd_free=False)
    requirements = dataclasses.replace(prius.REQUIREMENTS, dc_bus_voltage_v=bus)
    found = prius.of_code(
        evaluate(prius.snapshot(requirements=requirements, insulation=insulation)), "VOLTAGE_CLASS"
    )

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("insulation",)
        assert "not partial-discharge free" in found[0].message
        assert f"a {bus} V DC bus puts peaks of about {2 * bus} V on the terminals" in found[0].message


def test_voltage_checks_are_skipped_when_no_bus_voltage_is_stated():
    requirements = dataclasses.replace(prius.REQUIREMENTS, dc_bus_voltage_v=None)
    insulation = prius.with_specs(prius.INSULATION, pd_free=False, voltage_class_v=400)

    found = prius.of_code(
        evaluate(prius.snapshot(requirements=requirements, insulation=insulation)), "VOLTAGE_CLASS"
    )

    assert found == []


def test_different_lamination_gauges_are_a_warning():
    rotor = prius.with_specs(prius.ROTOR_CORE, lamination_thickness_mm=D("0.30"), lamination_grade="M235-30A")
    result = evaluate(prius.snapshot(rotor_core=rotor))
    (violation,) = prius.of_code(result, "LAMINATION_MATCH")

    assert result.valid is True
    assert violation.severity == "warning"
    assert violation.slots == ("rotor_core", "stator_core")
    assert violation.message.startswith(
        "rotor lamination 0.30 mm (M235-30A) differs from stator lamination 0.35 mm (M250-35A)"
    )


@pytest.mark.parametrize("grade", ["35HS600", "b27ahs1500", "NO20 High-Strength", "NO25 high strength"])
def test_a_high_strength_rotor_grade_is_the_accepted_exception(grade):
    rotor = prius.with_specs(prius.ROTOR_CORE, lamination_thickness_mm=D("0.30"), lamination_grade=grade)
    assert prius.of_code(evaluate(prius.snapshot(rotor_core=rotor)), "LAMINATION_MATCH") == []


@pytest.mark.parametrize(
    ("slot", "rated", "flagged"),
    [
        ("rotor_core", 13_500, False),
        ("rotor_core", 13_499, True),
        ("shaft", 13_500, False),
        ("shaft", 13_499, True),
    ],
)
def test_rotor_core_and_shaft_must_reach_the_required_speed(slot, rated, flagged):
    part = prius.with_specs(prius.PARTS[slot], max_speed_rpm=rated)
    found = prius.of_code(evaluate(prius.snapshot(**{slot: part})), "ROTOR_SPEED")

    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "error"
        assert found[0].slots == (slot,)
        assert found[0].message == f"{slot} {part.sku} is rated 13,499 rpm, below the required 13,500 rpm"


@pytest.mark.parametrize(("speed", "flagged"), [(14_284, False), (14_285, True)])
def test_surface_speed_above_120_m_s_is_a_warning(speed, flagged):
    # pi x 160.44 mm x n / 60 = 120 m/s at n = 14,284.9 rpm: no whole rpm lands on it exactly.
    requirements = dataclasses.replace(prius.REQUIREMENTS, max_speed_rpm=speed)
    rotor = prius.with_specs(prius.ROTOR_CORE, max_speed_rpm=16_000)
    shaft = prius.with_specs(prius.SHAFT, max_speed_rpm=16_000)
    result = evaluate(prius.snapshot(requirements=requirements, rotor_core=rotor, shaft=shaft))
    found = prius.of_code(result, "ROTOR_SPEED")

    assert bool(found) is flagged
    assert result.valid is True
    if flagged:
        assert found[0].severity == "warning"
        assert found[0].slots == ("rotor_core",)
        assert found[0].message.startswith(
            "rotor surface speed 120.0 m/s at 14,285 rpm exceeds 120 m/s (rotor OD 160.44 mm"
        )


def test_the_prius_runs_at_113_m_s_and_speed_checks_skip_without_a_stated_speed():
    slow_parts = {
        "rotor_core": prius.with_specs(prius.ROTOR_CORE, max_speed_rpm=1000),
        "shaft": prius.with_specs(prius.SHAFT, max_speed_rpm=1000),
    }
    requirements = dataclasses.replace(prius.REQUIREMENTS, max_speed_rpm=None)

    assert prius.of_code(evaluate(prius.snapshot()), "ROTOR_SPEED") == []
    assert (
        prius.of_code(evaluate(prius.snapshot(requirements=requirements, **slow_parts)), "ROTOR_SPEED") == []
    )


@pytest.mark.parametrize(("pairs", "flagged"), [(1, False), (4, False), (2, True), (8, True)])
def test_resolver_pole_pairs_are_one_or_half_the_rotor_poles(pairs, flagged):
    resolver = prius.with_specs(prius.RESOLVER, pole_pairs=pairs)
    found = prius.of_code(evaluate(prius.snapshot(resolver=resolver)), "RESOLVER_POLES")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("rotor_core", "resolver")
        assert found[0].skus == ("RC-PR10-16044", "RS-4PP")
        assert found[0].message == (
            f"resolver RS-4PP has {pairs} pole pairs; rotor RC-PR10-16044 with 8 poles needs 1 or 4"
        )


def test_busbar_phases_must_match_the_winding():
    busbar = prius.with_specs(prius.BUSBAR, phases=6)
    (violation,) = prius.of_code(evaluate(prius.snapshot(busbar=busbar)), "BUSBAR_PHASES")

    assert violation.slots == ("winding", "busbar")
    assert violation.skus == ("WD-RW48-8P-H800", "BB-3P-800-400A")
    assert violation.message == "busbar BB-3P-800-400A has 6 phases, winding WD-RW48-8P-H800 has 3"
