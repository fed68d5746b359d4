"""AIR_GAP, STACK_LENGTH, MAGNET_FIT, SHAFT_FIT, END_PLATE_FIT on the Prius package."""

from decimal import Decimal

import pytest

from configurator.domain import evaluate
from tests.unit.configurator import prius
from tests.unit.configurator.prius import D

ROTOR_OD = prius.ROTOR_CORE.specs["outer_diameter_mm"]


def _with_air_gap(gap: str):
    bore = ROTOR_OD + 2 * Decimal(gap)
    return prius.snapshot(stator_core=prius.with_specs(prius.STATOR_CORE, inner_diameter_mm=bore))


@pytest.mark.parametrize(
    ("gap", "severity"),
    [
        ("0.24", "error"),
        ("0.25", "error"),
        ("0.26", "warning"),
        ("0.34", "warning"),
        ("0.35", None),
        ("0.36", None),
        ("0.99", None),
        ("1.0", None),
        ("1.01", "warning"),
        ("1.49", "warning"),
        ("1.5", "error"),
        ("1.51", "error"),
    ],
)
def test_air_gap_thresholds_are_exact_on_both_sides(gap, severity):
    found = prius.of_code(evaluate(_with_air_gap(gap)), "AIR_GAP")

    assert [v.severity for v in found] == ([severity] if severity else [])


def test_air_gap_error_names_both_cores_and_the_numbers():
    (violation,) = prius.of_code(evaluate(_with_air_gap("0.10")), "AIR_GAP")

    assert violation.severity == "error"
    assert violation.slots == ("rotor_core", "stator_core")
    assert violation.skus == ("RC-PR10-16044", "SC-PR10-1619")
    assert violation.message == "air gap 0.10 mm is below 0.25 mm (stator bore 160.64, rotor OD 160.44)"


def test_air_gap_exactly_at_a_limit_says_so():
    (low,) = prius.of_code(evaluate(_with_air_gap("0.25")), "AIR_GAP")
    (high,) = prius.of_code(evaluate(_with_air_gap("1.5")), "AIR_GAP")

    assert low.message.startswith("air gap 0.25 mm is not above 0.25 mm")
    assert high.message.startswith("air gap 1.50 mm is not below 1.5 mm")


def test_air_gap_warning_cites_the_benchmark_range():
    result = evaluate(_with_air_gap("1.2"))
    (violation,) = prius.of_code(result, "AIR_GAP")

    assert result.valid is True
    assert violation.severity == "warning"
    assert "air gap 1.20 mm is outside 0.35-1.0 mm" in violation.message
    assert "0.40-0.89" in violation.message


def test_a_rotor_wider_than_the_bore_is_a_negative_air_gap_error():
    rotor = prius.with_specs(prius.ROTOR_CORE, outer_diameter_mm=D("162.1"))
    (violation,) = prius.of_code(evaluate(prius.snapshot(rotor_core=rotor)), "AIR_GAP")

    assert violation.message.startswith("air gap -0.10 mm is below 0.25 mm")


@pytest.mark.parametrize(
    ("rotor_stack", "flagged"),
    [("52.8", False), ("52.81", True), ("48.8", False), ("48.79", True), ("50.8", False)],
)
def test_rotor_and_stator_stacks_may_differ_by_2_0_mm(rotor_stack, flagged):
    rotor = prius.with_specs(prius.ROTOR_CORE, stack_length_mm=D(rotor_stack))
    found = prius.of_code(evaluate(prius.snapshot(rotor_core=rotor)), "STACK_LENGTH")

    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "error"
        assert found[0].slots == ("rotor_core", "stator_core")
        assert found[0].skus == ("RC-PR10-16044", "SC-PR10-1619")
        assert found[0].message == (
            f"rotor stack {rotor_stack} mm and stator stack 50.8 mm differ by 2.01 mm, more than 2.0 mm"
        )


@pytest.mark.parametrize(
    ("winding_stack", "flagged"),
    [("51.3", False), ("51.31", True), ("50.3", False), ("50.29", True)],
)
def test_winding_stack_must_match_the_stator_within_0_5_mm(winding_stack, flagged):
    winding = prius.with_specs(prius.WINDING, stack_length_mm=D(winding_stack))
    found = prius.of_code(evaluate(prius.snapshot(winding=winding)), "STACK_LENGTH")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("stator_core", "winding")
        assert found[0].skus == ("SC-PR10-1619", "WD-RW48-8P-H800")
        assert "differ by 0.51 mm, more than 0.5 mm" in found[0].message


@pytest.mark.parametrize(
    ("dimension", "size", "flagged"),
    [
        ("width", "17.98", False),
        ("width", "17.981", True),
        ("width", "18.1", True),
        ("thickness", "7.28", False),
        ("thickness", "7.281", True),
    ],
)
def test_magnets_need_0_02_mm_clearance_in_width_and_thickness(dimension, size, flagged):
    magnet = prius.with_specs(prius.MAGNET, **{f"{dimension}_mm": D(size)})
    found = prius.of_code(evaluate(prius.snapshot(magnet=magnet)), "MAGNET_FIT")

    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "error"
        assert found[0].slots == ("rotor_core", "magnet")
        assert found[0].skus == ("RC-PR10-16044", "MAG-N45SH-4930")
        assert f"magnet {dimension} {size} mm leaves" in found[0].message


def test_magnet_clearance_message_carries_the_numbers():
    magnet = prius.with_specs(prius.MAGNET, width_mm=D("17.99"))
    (violation,) = prius.of_code(evaluate(prius.snapshot(magnet=magnet)), "MAGNET_FIT")

    assert violation.message == (
        "magnet width 17.99 mm leaves 0.01 mm clearance in the 18.0 mm pocket; at least 0.02 mm is needed"
    )


def test_a_magnet_as_long_as_the_pocket_fits_and_a_longer_one_does_not():
    exact = prius.with_specs(prius.MAGNET, length_mm=D("50.8"))
    longer = prius.with_specs(prius.MAGNET, length_mm=D("50.81"))

    assert prius.of_code(evaluate(prius.snapshot(magnet=exact)), "MAGNET_FIT") == []
    result = evaluate(prius.snapshot(magnet=longer))
    (violation,) = prius.of_code(result, "MAGNET_FIT")
    assert violation.message == "magnet length 50.81 mm exceeds the pocket length 50.8 mm"
    # The formula gives zero magnets there; MAGNET_FIT already explains why.
    assert prius.of_code(result, "SLOT_QUANTITY") == []


@pytest.mark.parametrize(
    ("seat", "flagged"),
    [
        ("51.01", False),
        ("51.10", False),
        ("51.05", False),
        ("51.009", True),
        ("51.101", True),
        ("51.00", True),
        ("50.99", True),
    ],
)
def test_press_fit_interference_must_be_0_01_to_0_10_mm(seat, flagged):
    shaft = prius.with_specs(prius.SHAFT, seat_diameter_mm=D(seat))
    # Keep the end plate bore clear of the seat so only the shaft fit is judged.
    plate = prius.with_specs(prius.END_PLATE, bore_diameter_mm=D("52"))
    found = prius.of_code(evaluate(prius.snapshot(shaft=shaft, end_plate=plate)), "SHAFT_FIT")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("rotor_core", "shaft")
        assert found[0].skus == ("RC-PR10-16044", "SH-PR10-5105")
        assert f"(shaft seat {seat}, rotor bore 51.00)" in found[0].message
        assert "is outside 0.01-0.10 mm" in found[0].message


def test_press_fit_message_gives_the_interference():
    shaft = prius.with_specs(prius.SHAFT, seat_diameter_mm=D("51.12"))
    plate = prius.with_specs(prius.END_PLATE, bore_diameter_mm=D("52"))
    (violation,) = prius.of_code(evaluate(prius.snapshot(shaft=shaft, end_plate=plate)), "SHAFT_FIT")

    assert violation.message == (
        "press fit interference 0.12 mm is outside 0.01-0.10 mm (shaft seat 51.12, rotor bore 51.00)"
    )


@pytest.mark.parametrize(
    ("seat", "flagged"),
    [("51.00", False), ("50.95", False), ("50.949", True), ("51.001", True), ("50.97", False)],
)
def test_keyed_fit_clearance_must_be_0_to_0_05_mm(seat, flagged):
    shaft = prius.with_specs(prius.SHAFT, seat_diameter_mm=D(seat), fit="keyed")
    found = prius.of_code(evaluate(prius.snapshot(shaft=shaft)), "SHAFT_FIT")

    assert bool(found) is flagged
    if flagged:
        assert "keyed fit clearance" in found[0].message
        assert "is outside 0-0.05 mm" in found[0].message


def test_keyed_fit_with_interference_reports_a_negative_clearance():
    shaft = prius.with_specs(prius.SHAFT, seat_diameter_mm=D("51.001"), fit="keyed")
    (violation,) = prius.of_code(evaluate(prius.snapshot(shaft=shaft)), "SHAFT_FIT")

    assert violation.message.startswith("keyed fit clearance -0.001 mm")


def test_an_unknown_fit_is_an_error():
    shaft = prius.with_specs(prius.SHAFT, fit="shrink")
    (violation,) = prius.of_code(evaluate(prius.snapshot(shaft=shaft)), "SHAFT_FIT")

    assert "unknown fit 'shrink'" in violation.message


@pytest.mark.parametrize(("outer", "flagged"), [("160.44", False), ("160.45", True)])
def test_end_plate_may_not_overhang_the_rotor(outer, flagged):
    plate = prius.with_specs(prius.END_PLATE, outer_diameter_mm=D(outer))
    found = prius.of_code(evaluate(prius.snapshot(end_plate=plate)), "END_PLATE_FIT")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("rotor_core", "end_plate")
        assert found[0].skus == ("RC-PR10-16044", "EP-PR10-158")
        assert found[0].message == "end plate EP-PR10-158 OD 160.45 mm exceeds the rotor OD 160.44 mm"


@pytest.mark.parametrize(("bore", "flagged"), [("51.05", False), ("51.04", True)])
def test_end_plate_bore_must_clear_the_shaft_seat(bore, flagged):
    plate = prius.with_specs(prius.END_PLATE, bore_diameter_mm=D(bore))
    found = prius.of_code(evaluate(prius.snapshot(end_plate=plate)), "END_PLATE_FIT")

    assert bool(found) is flagged
    if flagged:
        assert found[0].slots == ("shaft", "end_plate")
        assert found[0].skus == ("SH-PR10-5105", "EP-PR10-158")
        assert (
            found[0].message == "end plate EP-PR10-158 bore 51.04 mm is smaller than the shaft seat 51.05 mm"
        )
