"""SLOT_REQUIRED, SLOT_QUANTITY, SLOT_CATEGORY, PART_INACTIVE and guided-option filtering."""

import dataclasses

import pytest

from configurator.domain import Line, evaluate, violations_involving
from tests.unit.configurator import prius
from tests.unit.configurator.prius import D


def test_a_missing_required_slot_makes_the_kit_incomplete_and_invalid():
    result = evaluate(prius.without(prius.snapshot(), "shaft"))
    (violation,) = prius.of_code(result, "SLOT_REQUIRED")

    assert result.complete is False
    assert result.valid is False
    assert violation.severity == "error"
    assert violation.slots == ("shaft",)
    assert violation.skus == ()
    assert violation.message == "shaft is required in motor-core-package and has no part"


def test_optional_slots_may_stay_empty():
    result = evaluate(prius.without(prius.snapshot(), "resolver", "temperature_sensor"))

    assert result.complete is True
    assert result.valid is True


def test_an_empty_configuration_lists_every_required_slot_and_nothing_else():
    result = evaluate(prius.snapshot(kit_lines=()))

    assert result.complete is False
    assert {v.code for v in result.violations} == {"SLOT_REQUIRED"}
    assert [v.slots[0] for v in result.violations] == [
        "rotor_core",
        "magnet",
        "shaft",
        "end_plate",
        "stator_core",
        "winding",
        "insulation",
        "busbar",
    ]


def test_rules_wait_for_both_of_their_parts():
    # A far too small stator bore, but no rotor yet: AIR_GAP cannot be judged.
    stator = prius.with_specs(prius.STATOR_CORE, inner_diameter_mm=D("150"))
    result = evaluate(prius.without(prius.snapshot(stator_core=stator), "rotor_core"))

    assert prius.of_code(result, "AIR_GAP") == []
    assert [v.slots for v in prius.of_code(result, "SLOT_REQUIRED")] == [("rotor_core",)]


@pytest.mark.parametrize(("quantity", "flagged"), [(16, False), (15, True), (17, True), (32, True)])
def test_magnet_quantity_follows_the_formula(quantity, flagged):
    found = prius.of_code(evaluate(prius.set_quantity(prius.snapshot(), "magnet", quantity)), "SLOT_QUANTITY")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("rotor_core", "magnet")
        assert found[0].skus == ("RC-PR10-16044", "MAG-N45SH-4930")
        assert found[0].message == (
            f"magnet quantity {quantity} does not match 8 poles x 2 magnets per pole x 1 axial "
            "segment = 16 (pocket length 50.8, magnet length 49.3)"
        )


def test_shorter_magnets_need_more_axial_segments():
    short = prius.with_specs(prius.MAGNET, length_mm=D("25.4"))
    snap = prius.snapshot(magnet=short)

    assert "x 2 axial segments = 32" in prius.of_code(evaluate(snap), "SLOT_QUANTITY")[0].message
    assert prius.of_code(evaluate(prius.set_quantity(snap, "magnet", 32)), "SLOT_QUANTITY") == []


def test_without_a_rotor_core_the_magnet_quantity_only_has_to_be_positive():
    snap = prius.set_quantity(prius.without(prius.snapshot(), "rotor_core"), "magnet", 7)
    assert prius.of_code(evaluate(snap), "SLOT_QUANTITY") == []


@pytest.mark.parametrize(
    ("slot", "quantity", "flagged"),
    [
        ("end_plate", 2, False),
        ("end_plate", 1, True),
        ("end_plate", 3, True),
        ("temperature_sensor", 3, False),
        ("temperature_sensor", 4, True),
        ("resolver", 2, True),
        ("rotor_core", 2, True),
    ],
)
def test_slot_quantity_ranges(slot, quantity, flagged):
    found = prius.of_code(evaluate(prius.set_quantity(prius.snapshot(), slot, quantity)), "SLOT_QUANTITY")

    assert bool(found) is flagged
    if flagged:
        slot_def = next(s for s in prius.snapshot().template.slots if s.code == slot)
        assert found[0].slots == (slot,)
        assert found[0].skus == (prius.PARTS[slot].sku,)
        assert (
            found[0].message
            == f"{slot} quantity {quantity} is outside {slot_def.min_qty}..{slot_def.max_qty}"
        )


def test_two_end_plate_lines_of_one_each_fill_the_slot():
    other = dataclasses.replace(prius.END_PLATE, sku="EP-PR10-158-NDE")
    snap = prius.snapshot()
    kit = (
        *(ln for ln in snap.lines if ln.slot != "end_plate"),
        Line("end_plate", prius.END_PLATE, 1),
        Line("end_plate", other, 1),
    )
    assert evaluate(dataclasses.replace(snap, lines=kit)).violations == ()


def test_a_line_with_zero_quantity_is_rejected_and_an_optional_slot_says_how_to_leave_it_empty():
    """domain.md's "resolver 0..1" is the slot's range: zero units is an empty slot, which a
    line holding a part at quantity 0 is not; the message says how to get one."""
    found = prius.of_code(evaluate(prius.set_quantity(prius.snapshot(), "resolver", 0)), "SLOT_QUANTITY")

    assert [v.message for v in found] == [
        "RS-4PP quantity 0 in resolver must be at least 1 (an optional slot is left empty by "
        "removing its part, not by quantity 0)"]
    required = prius.of_code(evaluate(prius.set_quantity(prius.snapshot(), "shaft", 0)), "SLOT_QUANTITY")
    assert required and "optional slot" not in required[0].message


def test_a_line_in_a_slot_the_template_lacks_is_a_quantity_error():
    snap = prius.snapshot(template="rotor-kit")
    snap = prius.without(snap, "stator_core", "insulation", "busbar", "temperature_sensor")
    (violation,) = prius.of_code(evaluate(snap), "SLOT_QUANTITY")

    assert violation.slots == ("winding",)
    assert violation.message == "winding is not a slot of rotor-kit; quantity 1 where none is allowed"


def test_a_part_of_the_wrong_category_is_reported_once_and_not_measured():
    result = evaluate(prius.snapshot(winding=prius.BUSBAR))
    (violation,) = prius.of_code(result, "SLOT_CATEGORY")

    assert result.complete is True
    assert result.valid is False
    assert violation.slots == ("winding",)
    assert violation.skus == ("BB-3P-800-400A",)
    assert violation.message == "BB-3P-800-400A is a busbar part, not a winding"
    # Busbar specs are not read as a winding's.
    assert {v.code for v in result.violations} == {"SLOT_CATEGORY"}


def test_an_inactive_part_is_an_error():
    retired = dataclasses.replace(prius.SHAFT, active=False)
    (violation,) = prius.of_code(evaluate(prius.snapshot(shaft=retired)), "PART_INACTIVE")

    assert violation.slots == ("shaft",)
    assert violation.skus == ("SH-PR10-5105",)
    assert violation.message == "SH-PR10-5105 is no longer active"


def test_errors_come_first_then_codes_in_order():
    rotor = prius.with_specs(
        prius.ROTOR_CORE,
        lamination_thickness_mm=D("0.30"),
        stack_length_mm=D("53"),
        outer_diameter_mm=D("161.8"),
    )
    result = evaluate(prius.snapshot(rotor_core=rotor))

    assert [(v.severity, v.code) for v in result.violations] == [
        ("error", "AIR_GAP"),
        ("error", "STACK_LENGTH"),
        ("warning", "LAMINATION_MATCH"),
    ]


def test_violations_involving_a_slot_only_include_that_slots_violations():
    shaft = prius.with_specs(prius.SHAFT, seat_diameter_mm=D("51.6"), max_speed_rpm=9000)
    stator = prius.with_specs(prius.STATOR_CORE, inner_diameter_mm=D("160.5"))
    snap = prius.snapshot(shaft=shaft, stator_core=stator)

    involving_shaft = violations_involving(snap, "shaft")

    # A 51.6 mm seat also no longer carries the 51 mm resolver.
    assert {v.code for v in involving_shaft} == {"SHAFT_FIT", "ROTOR_SPEED", "END_PLATE_FIT", "RESOLVER_FIT"}
    assert all("shaft" in v.slots for v in involving_shaft)
    assert {v.code for v in violations_involving(snap, "stator_core")} == {"AIR_GAP"}
    assert set(involving_shaft) <= set(evaluate(snap).violations)


def test_empty_slots_elsewhere_do_not_hide_a_candidates_own_violations():
    partial = prius.snapshot(kit_lines=(Line("rotor_core", prius.ROTOR_CORE, 1),))
    bad_magnet = prius.with_specs(prius.MAGNET, width_mm=D("18.1"))
    good = dataclasses.replace(partial, lines=(*partial.lines, Line("magnet", prius.MAGNET, 16)))
    bad = dataclasses.replace(partial, lines=(*partial.lines, Line("magnet", bad_magnet, 16)))

    assert violations_involving(good, "magnet") == ()
    assert [v.code for v in violations_involving(bad, "magnet")] == ["MAGNET_FIT"]
