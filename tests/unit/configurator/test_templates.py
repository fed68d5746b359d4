from decimal import Decimal

import pytest

from configurator.domain import BUILTIN_TEMPLATES, magnet_quantity
from tests.unit.configurator import prius

ROTOR_SLOTS = ["rotor_core", "magnet", "shaft", "end_plate", "resolver"]
STATOR_SLOTS = ["stator_core", "winding", "insulation", "busbar", "temperature_sensor"]


def test_builtin_templates_have_the_documented_slots():
    assert [s.code for s in BUILTIN_TEMPLATES["rotor-kit"].slots] == ROTOR_SLOTS
    assert [s.code for s in BUILTIN_TEMPLATES["stator-kit"].slots] == STATOR_SLOTS
    assert [s.code for s in BUILTIN_TEMPLATES["motor-core-package"].slots] == ROTOR_SLOTS + STATOR_SLOTS


def test_slot_ranges_and_requiredness_follow_domain_section_3():
    slots = {s.code: s for s in BUILTIN_TEMPLATES["motor-core-package"].slots}
    assert all(s.category == code for code, s in slots.items())
    shape = {code: (s.min_qty, s.max_qty, s.required) for code, s in slots.items()}
    assert shape["end_plate"] == (2, 2, True)
    assert shape["resolver"] == (0, 1, False)
    assert shape["temperature_sensor"] == (0, 3, False)
    assert slots["magnet"].formula == "magnet"
    assert shape["magnet"][0] == 1 and shape["magnet"][2] is True
    for code in ("rotor_core", "shaft", "stator_core", "winding", "insulation", "busbar"):
        assert shape[code] == (1, 1, True)


def test_prius_magnet_quantity_is_8_poles_x_2_per_pole_x_1_segment():
    assert magnet_quantity(prius.ROTOR_CORE.specs, prius.MAGNET.specs) == 16


@pytest.mark.parametrize(
    ("pocket_length", "magnet_length", "segments"),
    [("50.8", "49.3", 1), ("50.8", "25.4", 2), ("50.8", "25.41", 1), ("50.8", "10", 5), ("50.8", "50.81", 0)],
)
def test_axial_segments_are_the_floor_of_pocket_over_magnet_length(pocket_length, magnet_length, segments):
    rotor = {**prius.ROTOR_CORE.specs, "pocket_length_mm": Decimal(pocket_length)}
    magnet = {**prius.MAGNET.specs, "length_mm": Decimal(magnet_length)}
    assert magnet_quantity(rotor, magnet) == 8 * 2 * segments
